"""The nkwatch command line: a thin layer over the library (ingest, extract, store, export)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from nkwatch import config, vocab
from nkwatch.cli.common import DbOption, err, fail, found, out, store_or_fail
from nkwatch.ingest.budget import MAX_CHARS, MAX_CLAIMS, MAX_PAGES, MAX_PARAGRAPHS, MAX_UNPACKED

app = typer.Typer(
    help="nkwatch: document human-rights violations in North Korea.\n\n"
    "Ingest reports, extract the claims they make (who did what to whom, when, where; each with its "
    "exact quote), and search, review and export them with full provenance.\n\n"
    "The store is a SQLite file by default; give --db or NKWATCH_DB (a path, or a postgresql:// URL).",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
export_app = typer.Typer(help="Export claims with their provenance.", no_args_is_help=True)
app.add_typer(export_app, name="export")

@app.command()
def init(db: DbOption = None) -> None:
    """Create the store (or bring an existing one to the newest schema) and say where it lives."""
    store = store_or_fail(db)
    out.print(f"store:     {escape(store.engine.url.render_as_string(hide_password=True))}")
    out.print(f"originals: {config.originals_dir()}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (read recursively).", exists=True)],
    kind: Annotated[str | None, typer.Option(help=f"Source kind: {', '.join(vocab.terms('source_kinds'))}.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Who published it.")] = None,
    url: Annotated[str | None, typer.Option(help="Where it was published.")] = None,
    published: Annotated[str | None, typer.Option(help="Publication date, YYYY[-MM[-DD]]; relative dates "
                                                  "in the text resolve against it.")] = None,
    reliability: Annotated[str | None, typer.Option(help="Admiralty grade of the source, A (reliable) .. F.")] = None,
    language: Annotated[str | None, typer.Option(help="ISO 639-1 code; detected when not given.")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes for reading and extraction.")] = 1,
    max_mb: Annotated[float, typer.Option(help="Skip files larger than this many MB.")] = 50.0,
    max_chars: Annotated[int, typer.Option(help="Refuse a file whose text runs past this many characters.")]
    = MAX_CHARS,
    max_paragraphs: Annotated[int, typer.Option(help="Refuse a file of more paragraphs (lines) than this.")]
    = MAX_PARAGRAPHS,
    max_pages: Annotated[int, typer.Option(help="Refuse a PDF of more pages than this.")] = MAX_PAGES,
    max_claims: Annotated[int, typer.Option(help="Refuse a file that yields more claims than this.")] = MAX_CLAIMS,
    max_unpacked_mb: Annotated[float, typer.Option(help="Refuse a DOCX whose text XML unpacks past this many "
                                                   "MB.")] = MAX_UNPACKED / 1024 / 1024,
    db: DbOption = None,
) -> None:
    """Ingest reports: keep each original, extract its text and claims, store them.

    Metadata comes from a sidecar FILE.meta.json beside a file (most specific), then from these flags,
    then from the file itself. In a folder, sidecars and hidden files are not sources, nor are the names
    (glob patterns, one a line) its .nkwatchignore lists, such as a SOURCES.md describing the folder.
    Files that cannot be read are listed with the reason and skipped; the exit status is 1 when any file
    failed, 0 otherwise. Ingesting the same file again changes nothing.
    The --max-* limits are per file and stop a reader before a file can exhaust memory; the defaults hold
    a 370-page UN report with room to spare.
    """
    from nkwatch.ingest.metadata import MetadataError, SourceMeta, validate
    from nkwatch.ingest.pipeline import ingest_paths
    from nkwatch.ingest.readers import Budget

    try:
        flags = validate(SourceMeta(kind=kind, publisher=publisher, url=url, published_at=published,
                                    reliability=reliability, language=language))  # fmt: skip
    except MetadataError as e:
        fail(str(e))
    budget = Budget(chars=max_chars, paragraphs=max_paragraphs, pages=max_pages, claims=max_claims,
                    unpacked_bytes=int(max_unpacked_mb * 1024 * 1024))  # fmt: skip
    store = store_or_fail(db)
    progress = Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        TextColumn("{task.description}"), console=err, transient=True)  # fmt: skip
    with progress:
        task = progress.add_task("", total=None)
        report = ingest_paths(
            store, paths, flags, originals=config.originals_dir(), jobs=jobs, max_bytes=int(max_mb * 1024 * 1024),
            budget=budget,
            on_total=lambda n: progress.update(task, total=n),
            on_result=lambda r: progress.update(task, advance=1, description=escape(r.path.name[:40])),
        )  # fmt: skip
    added, same, failed = report.count("added"), report.count("unchanged"), report.failed
    claims = sum(r.claims for r in report.results)
    out.print(f"[green]{added}[/] added ({claims} claims), {same} unchanged, "
              f"[{'red' if failed else 'green'}]{len(failed)}[/] failed")  # fmt: skip
    for r in failed:
        err.print(f"[red]failed:[/] {escape(str(r.path))}: {escape(r.reason or '')}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def sources(
    kind: Annotated[str | None, typer.Option(help="Only this kind of source.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    db: DbOption = None,
) -> None:
    """List stored sources with their number of claims."""
    from nkwatch.store.queries import list_sources

    with store_or_fail(db).session() as s:
        rows = list_sources(s, kind=kind, limit=limit)
        t = Table(box=None, header_style="bold")
        for name in ("id", "kind", "rel", "published", "lang", "claims"):
            t.add_column(name, no_wrap=True)
        t.add_column("title", no_wrap=True, overflow="ellipsis")
        for src, n in rows:
            t.add_row(src.id[:12], src.kind, src.reliability, src.published_at or "", src.language or "",
                      str(n), escape((src.title or "")[:60]))  # fmt: skip
    out.print(t)


@app.command()
def claims(
    act: Annotated[str | None, typer.Option(help="e.g. execution, forced_repatriation.")] = None,
    kind: Annotated[str | None, typer.Option(help="event, pattern or statistic.")] = None,
    year: Annotated[int | None, typer.Option(help="Year the act happened.")] = None,
    place: Annotated[str | None, typer.Option(help="Place id, e.g. kp-hyesan, camp-15, cn.")] = None,
    source: Annotated[str | None, typer.Option(help="Source id (or its first characters).")] = None,
    indicator: Annotated[str | None, typer.Option(help="For statistics, e.g. defector_arrivals.")] = None,
    status: Annotated[str | None, typer.Option(help="machine, reviewed or rejected.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
    db: DbOption = None,
) -> None:
    """List claims, filtered; `nkwatch show ID` gives one in full."""
    from nkwatch.store.queries import ClaimFilter, count_claims, get_source, iter_claims

    with store_or_fail(db).session() as s:
        if source:
            source = found(get_source, s, source).id
        flt = ClaimFilter(act=act, kind=kind, year=year, place=place, source=source, indicator=indicator,
                          status=status)  # fmt: skip
        t = Table(box=None, header_style="bold")
        t.add_column("id", no_wrap=True, min_width=10)  # ids are for copying: never cut
        for name, width in (("kind", 9), ("act / indicator", 22), ("when", 7), ("where", 8), ("h", 1)):
            t.add_column(name, no_wrap=True, min_width=width)
        t.add_column("quote", no_wrap=True, overflow="ellipsis", min_width=20)  # `show ID` has it all
        for c in iter_claims(s, flt, limit=limit):
            t.add_row(c.id[:10], c.kind, c.act or c.indicator or "", (c.when or {}).get("start") or "",
                      (c.where or {}).get("place_id") or "", "?" if c.hedged else "",
                      escape(c.quote[:70] + ("…" if len(c.quote) > 70 else "")))  # fmt: skip
        total = count_claims(s, flt)
    out.print(t)
    out.print(f"[dim]{min(total, limit)} of {total} claims[/]")


@app.command()
def show(
    claim_id: Annotated[str, typer.Argument(metavar="ID", help="Claim id (or its first characters).")],
    context: Annotated[int, typer.Option(help="Characters of source text shown around the quote.")] = 300,
    db: DbOption = None,
) -> None:
    """Show one claim: its fields, its quote in the context of its source, and the rule that made it."""
    import json

    from nkwatch.export import claim_json
    from nkwatch.store.queries import get_claim

    with store_or_fail(db).session() as s:
        c = found(get_claim, s, claim_id)
        src = c.source
        before = src.text[max(0, c.span_start - context):c.span_start]
        after = src.text[c.span_end:c.span_end + context]
        page = src.page_of(c.span_start)
        out.rule(f"claim {c.id}")
        out.print(f"[bold]{c.kind}[/] {c.act or c.indicator}   status: {c.status}   hedged: {c.hedged}")
        out.print(f"[bold]rule:[/] {escape(c.rule)}")
        out.print(f"[bold]source:[/] {escape(src.title or '')} ({src.kind}, {src.publisher or 'unknown publisher'}, "
                  f"{src.published_at or 'undated'}, reliability {src.reliability})")  # fmt: skip
        out.print(f"        sha256 {src.id}" + (f", page {page}" if page else "")
                  + f", characters {c.span_start}-{c.span_end}")  # fmt: skip
        out.rule("quote in context")
        out.print(f"[dim]…{escape(before)}[/][bold yellow]{escape(c.quote)}[/][dim]{escape(after)}…[/]")
        out.rule("fields")
        fields = {k: v for k, v in claim_json(c).items() if v not in (None, False) and k not in ("quote", "id")}
        out.print_json(json.dumps(fields, ensure_ascii=False))
        out.print("[bold]evidence:[/]", escape(json.dumps(c.evidence, ensure_ascii=False)))
        out.print("[bold]history:[/]")
        out.print(f"  {c.created_at:%Y-%m-%d %H:%M} machine   by nkwatch/{c.extractor_version}: {escape(c.rule)}")
        for h in c.history:
            note = f": {escape(h.note)}" if h.note else ""
            out.print(f"  {h.at:%Y-%m-%d %H:%M} {h.status:9} by {escape(h.actor)}{note}")


@app.command()
def extract(
    all_sources: Annotated[bool, typer.Option("--all", help="Re-run extraction over every stored source.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Re-run over this source: its id or first characters "
                                                      "(repeatable).")] = None,
    db: DbOption = None,
) -> None:
    """Re-run the coder over stored sources, e.g. after editing the dictionaries.

    Claims keep stable ids, so nothing is duplicated: new claims are added, machine claims no longer
    produced are removed, and claims a person reviewed or rejected are never touched.
    """
    from nkwatch.extract.rerun import reextract
    from nkwatch.store.queries import get_source

    if not all_sources and not source:
        fail("say which sources: --all, or --source ID (repeatable)")
    store = store_or_fail(db)
    ids = None
    if source:
        with store.session() as s:
            ids = [found(get_source, s, i).id for i in source]
    c = reextract(store, ids)
    out.print(f"{c.added} added, {c.updated} updated, {c.removed} removed, {c.kept} reviewed claims kept")


AudienceOption = Annotated[str, typer.Option(
    help="Who the export is for: public (default), internal, or a named body (e.g. OHCHR). Testimony claims "
    "go in only where the witness's current consent covers it.")]  # fmt: skip


def checked_audience(value: str) -> str:
    """The audience of an export (nkwatch.vault.policy.audience), or a clear error."""
    from nkwatch.vault import ConsentError
    from nkwatch.vault.policy import audience

    try:
        return audience(value)
    except ConsentError as e:
        fail(str(e))


@export_app.command("claims")
def export_claims(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl (the spec's claim objects) or csv.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    act: Annotated[str | None, typer.Option(help="Only this act.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    year: Annotated[int | None, typer.Option(help="Only this year.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source (its id or first characters).")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    audience: AudienceOption = "public",
    db: DbOption = None,
) -> None:
    """Export claims as JSON Lines (one spec claim object a line) or CSV.

    Claims from testimonies go out only as the witness's current consent and the disclosure check allow."""
    from nkwatch.export import FORMATS, write_claims, write_file_atomically
    from nkwatch.store.queries import ClaimFilter, get_source, iter_claims

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    who = checked_audience(audience)
    with store_or_fail(db).session() as s:
        if source:
            source = found(get_source, s, source).id
        flt = ClaimFilter(act=act, kind=kind, year=year, source=source, status=status)

        def write(f: IO[str]) -> int:  # the writer gates testimony for `who` (nkwatch.vault.guard)
            return write_claims(iter_claims(s, flt), fmt, f, audience=who)

        if output is None:
            write(sys.stdout)
            return
        n = write_file_atomically(output, write)
    err.print(f"{n} claims written to {output} (audience: {who})")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help='Words to find; "quoted phrases", OR and -word work.')],
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 20,
    db: DbOption = None,
) -> None:
    """Full-text search over source texts and claim quotes."""
    from nkwatch.store.search import search as run_search

    with store_or_fail(db).session() as s:
        hits = run_search(s, text, limit=limit)
    if not hits:
        out.print("no matches")
        return
    t = Table("", "id", "source", "match", box=None, header_style="bold")
    for h in hits:
        t.add_row(h.kind, h.id[:10], escape((h.title or h.source_id[:10])[:30]), _marked(h.snippet))
    out.print(t)


def _marked(snippet: str) -> Text:
    """Search snippets mark matches as [word]; show them highlighted, everything else as plain text."""
    text = Text()
    for i, part in enumerate(re.split(r"\[([^\]]*)\]", snippet)):
        text.append(part, style="bold yellow" if i % 2 else None)
    return text


def main() -> None:  # pragma: no cover - console entry
    app()
