"""`nkwatch estimate`: multiple systems estimation from a table of list overlaps or from the store."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from nkwatch.cli.common import DbOption, fail, out, store_or_fail
from nkwatch.cli.main import app

estimate_app = typer.Typer(
    help="Estimate how many incidents no list recorded (multiple systems estimation, log-linear models).",
    no_args_is_help=True,
)
app.add_typer(estimate_app, name="estimate")

ModelOption = Annotated[str | None, typer.Option("--model", help='Fix the model, e.g. "[12][23]", "independence", '
                                                 '"saturated"; default: chosen by --select.')]  # fmt: skip
SelectOption = Annotated[str, typer.Option("--select", help="Criterion that chooses the model: bic or aic.")]
BootOption = Annotated[int, typer.Option("--bootstrap", help="Replicates of the bootstrap over model selection "
                                         "(0 to skip, at most 2000).")]  # fmt: skip
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap, so a run can be repeated.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]

CAVEATS = (
    "The estimate assumes the lists are independent once the model's interactions are allowed for: lists that "
    "copy each other, or draw on the same informants, share incidents for that reason and make N too small.",
    "It assumes every incident of the kind counted had the same chance of being recorded by a list (or that the "
    "model's interactions capture the differences): incidents more visible than others (in cities, near the "
    "border, with foreign victims, publicised by the state) are over-represented, and N is then too small.",
    "Units are incidents as linked by nkwatch; a wrong merge or split of incidents changes the cells.",
)


def _fmt(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "unbounded"
    return f"{v:,.1f}"


def _run(lists: list[str], cells: dict[str, Any], model: str | None, select: str, bootstrap: int, seed: int):  # noqa: ANN202
    from nkwatch.analysis.hierarchy import ModelError
    from nkwatch.analysis.mse import estimate

    try:
        return estimate(lists, cells, model=model, select=select.lower(), bootstrap=bootstrap, seed=seed)
    except ModelError as e:
        fail(str(e))


def _print(est: Any, caveats: bool) -> None:
    out.print(f"lists: {', '.join(f'{i + 1} = {escape(x)}' for i, x in enumerate(est.lists))}; "
              f"{est.observed:,} observed")  # fmt: skip
    how = f"chosen by {est.select.upper()}" if est.select else "given"
    out.print(f"model {escape(est.model)} ({how}): deviance {est.deviance:.2f} on {est.df} df, "
              f"AIC {est.aic:.2f}, BIC {est.bic:.2f}")  # fmt: skip
    ci = est.ci95
    out.print(f"[bold]N = {_fmt(est.N)}[/]" + (f", 95% interval {_fmt(ci[0])} to {_fmt(ci[1])} (profile likelihood)"
                                                if ci else ""))  # fmt: skip
    if est.bootstrap:
        b = est.bootstrap
        out.print(f"bootstrap over model selection ({b.replicates} replicates, seed {b.seed}): 95% interval "
                  f"{_fmt(b.ci95[0])} to {_fmt(b.ci95[1])}")  # fmt: skip
    table = Table("model", "N", "deviance", "df", "AIC", "BIC", title="best models")
    for f in est.fits[:8]:
        table.add_row(escape(f.model), _fmt(f.N), _fmt(f.deviance), str(f.df), _fmt(f.aic), _fmt(f.bic))
    out.print(table)
    for w in est.warnings:
        out.print(f"[yellow]warning:[/] {escape(w)}")
    if caveats:
        for c in CAVEATS:
            out.print(f"[dim]caveat:[/] {escape(c)}")


@estimate_app.command("cells")
def cells_cmd(
    file: Annotated[Path, typer.Argument(help='JSON: {"lists": ["A", "B", "C"], "cells": {"111": 72, "110": 5, ...}}'
                                         " (one digit per list, 1 = on that list).", exists=True, dir_okay=False)],
    model: ModelOption = None,
    select: SelectOption = "bic",
    bootstrap: BootOption = 0,
    seed: SeedOption = 20240917,
    as_json: JsonOption = False,
) -> None:
    """Estimate N from a table of list overlaps (to check the method against published analyses)."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"cannot read {file}: {e}")
    if not isinstance(data, dict) or not isinstance(data.get("lists"), list) or not isinstance(data.get("cells"),
                                                                                                 dict):  # fmt: skip
        fail(f'{file}: expected {{"lists": [...], "cells": {{"110": 5, ...}}}}')
    est = _run(data["lists"], data["cells"], model, select, bootstrap, seed)
    if as_json:
        print(json.dumps(est.to_dict()))
    else:
        _print(est, caveats=False)


@estimate_app.command("incidents")
def incidents_cmd(
    lists: Annotated[str, typer.Option("--lists", help='Comma-separated publisher names, one per list (a case-'
                                       'insensitive part of the publisher); "+" joins publishers into one list: '
                                       '"Daily NK,RFA+VOA,UN".')],  # fmt: skip
    act: Annotated[str | None, typer.Option(help="e.g. execution.")] = None,
    year_from: Annotated[int | None, typer.Option("--from", help="First year (of the incident).")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    include_copies: Annotated[bool, typer.Option("--include-copies", help="Count sources that copy another.")]
    = False,
    model: ModelOption = None,
    select: SelectOption = "bic",
    bootstrap: BootOption = 100,
    seed: SeedOption = 20240917,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Estimate how many incidents happened, seen or not, from the overlap of the lists that reported them.

    Units are incidents (events) of the act and years given; an incident is on a list when one of its
    claims comes from a source of that list. Read the caveats printed with the estimate.
    """
    from nkwatch.analysis.counts import cells_from_store

    try:
        with store_or_fail(db).session() as s:
            c = cells_from_store(s, act, year_from, year_to, lists, include_copies=include_copies)
    except ValueError as e:
        fail(str(e))
    if c.incidents == 0:
        fail("no incident of that act and period is on any of these lists")
    est = _run(c.lists, c.cells, model, select, bootstrap, seed)
    if as_json:
        print(json.dumps({**est.to_dict(), "scope": {"act": act, "from": year_from, "to": year_to},
                          "store": c.to_dict(), "caveats": list(CAVEATS)}))  # fmt: skip
        return
    scope = f"{act or 'all acts'}, {year_from or '...'} to {year_to or '...'}"
    out.print(f"incidents ({escape(scope)}) on at least one list: {c.incidents:,}; cells "
              + ", ".join(f"{k}: {v}" for k, v in c.cells.items()))  # fmt: skip
    _print(est, caveats=True)
