"""Commands for linking claims into incidents and looking at them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from nkwatch.cli.common import DbOption, err, fail, found, out, store_or_fail
from nkwatch.cli.main import AudienceOption, app, checked_audience, export_app


@app.command("link")
def link_cmd(
    full: Annotated[bool, typer.Option("--full", help="Re-link every claim, not only the new ones.")] = False,
    db: DbOption = None,
) -> None:
    """Find copies among the sources, then group claims that report the same occurrence into incidents.

    By default only claims not yet in an incident are linked (fast, after each ingest); --full recomputes
    every incident and gives the same result for the same data. Neither undoes a person's merge or split.
    """
    from nkwatch.link.copies import detect_copies
    from nkwatch.link.run import link
    from nkwatch.store.models import Source

    store = store_or_fail(db)
    new_sources = None
    if not full:  # only sources not looked at yet (no fingerprint) are compared with the rest
        with store.session() as s:
            new_sources = list(s.scalars(select(Source.id).where(Source.fingerprint.is_(None))))
    copies = detect_copies(store, new_sources) if new_sources is None or new_sources else []
    r = link(store, full=full)
    out.print(f"{len([c for c in copies if c.derived_from or c.reason])} copies or syndications found; "
              f"{r.claims} claims considered, {r.assigned} placed, {r.incidents} incidents written, "
              f"{r.removed} removed, {r.proposals} possible duplicates proposed")  # fmt: skip


@app.command("incidents")
def incidents_cmd(
    act: Annotated[str | None, typer.Option(help="e.g. forced_repatriation.")] = None,
    category: Annotated[str | None, typer.Option(help="COI category, e.g. movement_residence.")] = None,
    year: Annotated[int | None, typer.Option(help="Year it happened.")] = None,
    place: Annotated[str | None, typer.Option(help="Place id (or any place enclosing it), e.g. kp-ryanggang.")] = None,
    kind: Annotated[str | None, typer.Option(help="event, pattern or statistic.")] = None,
    min_confidence: Annotated[float, typer.Option(help="Only incidents at least this confident (0..1).")] = 0.0,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    db: DbOption = None,
) -> None:
    """List incidents, most confident first."""
    from nkwatch.link.query import IncidentFilter, list_incidents

    flt = IncidentFilter(act=act, category=category, year=year, place=place, kind=kind, min_confidence=min_confidence)
    with store_or_fail(db).session() as s:
        rows, total = list_incidents(s, flt, limit=limit)
        t = Table(box=None, header_style="bold")
        t.add_column("id", no_wrap=True, min_width=16)  # ids are for copying: never cut
        for name in ("kind", "act / indicator", "when", "where", "victims", "src", "ind", "conf"):
            t.add_column(name)
        for i in rows:
            victims = "" if i.count_min is None else (f"{i.count_min}" if i.count_min == i.count_max
                                                      else f"{i.count_min}-{i.count_max}")  # fmt: skip
            t.add_row(i.id, i.kind, i.act or i.indicator or "", i.when_start or "", i.place_id or "", victims,
                      str(i.n_sources), str(i.n_independent), f"{i.confidence:.2f}")  # fmt: skip
    out.print(t)
    out.print(f"[dim]{len(rows)} of {total} incidents[/]")


@app.command("incident")
def incident_cmd(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id, or its first characters (inc- "
                                               "may be left off).")],
    db: DbOption = None,
) -> None:
    """Show one incident: merged facts and where each came from, its claims with quotes, sources, confidence."""
    from nkwatch.link.query import get_incident, incident_detail, sequel_links

    with store_or_fail(db).session() as s:
        inc = found(get_incident, s, incident_id)
        d = incident_detail(s, inc)
        sequel_of, sequels = sequel_links(s, inc)
    out.rule(f"incident {inc.id}")
    out.print(f"[bold]{d['kind']}[/] {d['act'] or d['indicator']}   status: {d['status']}   "
              f"confidence: [bold]{d['confidence']:.2f}[/]")  # fmt: skip
    out.print("[bold]confidence:[/] " + escape(json.dumps(d["confidence_breakdown"], ensure_ascii=False)))
    if sequel_of:
        out.print(f"[bold]sequel of[/] {_brief(sequel_of)}")
    for later in sequels:
        out.print(f"[bold]followed by[/] {_brief(later)}")
    out.rule("merged facts (and the claim each came from)")
    for name, v in d["facts"].items():
        if v:
            out.print(f"  [bold]{name:12}[/] {escape(json.dumps(v, ensure_ascii=False))}")
    out.rule(f"sources ({d['n_sources']}, {d['n_independent']} independent)")
    for src in d["sources"]:
        copy = f"  [dim]copy of {src['derived_from'][:12]} ({escape(src['derivation'] or '')})[/]" \
            if src["derived_from"] or src["derivation"] else ""  # fmt: skip
        out.print(f"  {src['id'][:12]} {src['reliability']} {src['published_at'] or '':10} "
                  f"{escape((src['title'] or '')[:60])}{copy}")  # fmt: skip
    out.rule(f"claims ({len(d['claims'])})")
    for c in d["claims"]:
        when = (c["when"] or {}).get("start") or ""
        out.print(f"  {c['id'][:10]} {c['kind']:9} {when:10} {c['status']:8} [yellow]{escape(c['quote'][:110])}[/]")
    if d["proposals"]:
        out.rule("possible duplicates (one hard field differs)")
        for p in d["proposals"]:
            values = escape(json.dumps(p["values"], ensure_ascii=False))
            out.print(f"  {p['other']}  differs on {p['conflict']}: {values}")


def _brief(x: dict) -> str:
    """"inc-... (arrest, 2016-01-02)": a linked incident in a line."""
    return f"{x['id']} ({escape(x['act'] or '')}, {x['date'] or 'undated'})"


@export_app.command("incidents")
def export_incidents(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, json or csv.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    min_confidence: Annotated[float, typer.Option(help="Only incidents at least this confident.")] = 0.0,
    audience: AudienceOption = "public",
    db: DbOption = None,
) -> None:
    """Export incidents, one a line: id, claim_ids, the merged fields, sources, independent_sources, confidence.

    Incidents told by testimony go out only as the witnesses' current consent and the disclosure check allow
    for the audience (left out, generalised, or as they are)."""
    from nkwatch.export import FORMATS, write_file_atomically, write_incidents
    from nkwatch.link.query import IncidentFilter, incident_export, list_incidents

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    who = checked_audience(audience)

    def write(f: IO[str]) -> int:
        rows, _ = list_incidents(s, IncidentFilter(min_confidence=min_confidence), limit=None)
        return write_incidents((incident_export(s, inc) for inc in rows), fmt, f, audience=who)

    with store_or_fail(db).session() as s:
        if output is None:
            write(sys.stdout)
            return
        n = write_file_atomically(output, write)
    err.print(f"{n} incidents written to {output}")


__all__ = ["export_incidents", "incident_cmd", "incidents_cmd", "link_cmd"]
