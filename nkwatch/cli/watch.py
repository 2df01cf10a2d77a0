"""`nkwatch watch ...`: follow feeds, sitemaps and listing pages, and take in what is new."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from nkwatch import config, vocab
from nkwatch.cli.common import DbOption, err, fail, out, store_or_fail
from nkwatch.cli.main import app

watch_app = typer.Typer(help="Watch feeds, sitemaps and listing pages: add, list, remove, run a pass.",
                        no_args_is_help=True)  # fmt: skip
app.add_typer(watch_app, name="watch")


@watch_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="An RSS or Atom feed, a sitemap, or a listing page (http or https).")],
    kind: Annotated[str, typer.Option(help=f"Kind of its items: {', '.join(vocab.terms('source_kinds'))}.")]
    = "news",
    publisher: Annotated[str | None, typer.Option(help="Who publishes it.")] = None,
    reliability: Annotated[str, typer.Option(help="Admiralty grade of the publisher, A (reliable) .. F.")] = "F",
    every: Annotated[str, typer.Option(help="How often to look: 30m, 6h, 1d, 1w.")] = "6h",
    type_: Annotated[str, typer.Option("--type", help="auto (detect), feed, sitemap or listing.")] = "auto",
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Let it (and its items) be fetched from "
                                                "private, loopback or link-local addresses (an intranet).")] = False,
    proxy: Annotated[str | None, typer.Option(help="Fetch it through this proxy: http://HOST:PORT or "
                                              "socks5h://HOST:PORT (e.g. Tor at 127.0.0.1:9050).")] = None,
    db: DbOption = None,
) -> None:
    """Watch URL: each `watch run` takes in the items that are new or have changed since the last pass."""
    from nkwatch.watch.registry import WatchError, add_source, parse_every

    try:
        seconds = parse_every(every)
        ws = add_source(store_or_fail(db), url, kind=kind, publisher=publisher, reliability=reliability,
                        every_seconds=seconds, allow_private=allow_private, proxy=proxy, feed_type=type_)  # fmt: skip
    except WatchError as e:
        fail(str(e))
    out.print(f"watching [bold]{ws.id}[/] {escape(ws.url)} every {every}")


@watch_app.command("list")
def list_(db: DbOption = None) -> None:
    """The watched sources: last pass, items taken, errors, next pass."""
    from nkwatch.watch.registry import list_sources

    rows = list_sources(store_or_fail(db))
    if not rows:
        out.print("nothing is watched (add a feed with `nkwatch watch add URL`)")
        return
    for w in rows:  # lines, not a table: URLs are long and must be shown whole
        flags = " [allow-private]" if w.allow_private else ""
        flags += f" [proxy {escape(w.proxy)}]" if w.proxy else ""
        out.print(f"[bold]{w.id}[/] {escape(w.url)}{flags}", soft_wrap=True)
        out.print(f"    {w.kind}, {escape(w.publisher or 'publisher not given')}, reliability {w.reliability}, "
                  f"every {_every(w.every_seconds)}; last pass {_when(w.last_pass_at) or 'never'}; "
                  f"{w.items_taken} taken; last: {w.last_new}/{w.last_unchanged}/{w.last_failed} "
                  f"new/unchanged/failed; next {_when(w.next_due_at) or 'now'}", soft_wrap=True)  # fmt: skip
        if w.last_error:
            out.print(f"    [red]last error:[/] {escape(w.last_error)}", soft_wrap=True)


def _every(seconds: int) -> str:
    for unit, n in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % n == 0:
            return f"{seconds // n}{unit}"
    return f"{seconds}s"


def _when(t: object) -> str:
    return t.strftime("%Y-%m-%d %H:%M") if t is not None else ""  # type: ignore[attr-defined]


@watch_app.command("remove")
def remove(id_: Annotated[int, typer.Argument(metavar="ID", help="Its id in `watch list`.")],
           db: DbOption = None) -> None:  # fmt: skip
    """Stop watching a source. What was taken from it stays."""
    from nkwatch.watch.registry import WatchError, remove_source

    try:
        ws = remove_source(store_or_fail(db), id_)
    except WatchError as e:
        fail(str(e))
    out.print(f"no longer watching {escape(ws.url)}")


@watch_app.command("run")
def run(
    all_: Annotated[bool, typer.Option("--all", help="Every watched source, due or not.")] = False,
    delay: Annotated[float, typer.Option(help="Seconds between two requests to one host.")] = 1.0,
    max_mb: Annotated[float, typer.Option(help="Largest item, in MB after decompression.")] = 20.0,
    timeout: Annotated[float, typer.Option(help="Seconds one request may take in all.")] = 120.0,
    no_link: Annotated[bool, typer.Option("--no-link", help="Ingest only; link later with `nkwatch link`.")]
    = False,
    db: DbOption = None,
) -> None:
    """One pass over the sources that are due (for cron or a systemd timer): new, unchanged and failed items
    per source, with the reasons. Exit status 1 when anything failed."""
    from nkwatch.watch.fetch import FetchSettings
    from nkwatch.watch.run import SourceSummary, run_pass

    def show(s: SourceSummary) -> None:
        line = f"[{s.id}] {escape(s.url)}: {s.new} new, {s.changed} changed, {s.unchanged} unchanged, {s.failed} failed"
        (out if s.ok else err).print(line)
        if s.error:
            err.print(f"    [red]failed:[/] {escape(s.error)}")
        for f in s.failures[:20]:
            err.print(f"    [red]item failed:[/] {escape(f)}")

    settings = FetchSettings(delay=delay, max_bytes=int(max_mb * 1024 * 1024), total_timeout=timeout)
    report = run_pass(store_or_fail(db), originals=config.originals_dir(), settings=settings, every=all_,
                      link=not no_link, on_source=show)  # fmt: skip
    if not report.sources:
        out.print("no watched source is due (`--all` for every one)")
    out.print(f"{len(report.added)} sources taken in, {report.requests} requests "
              f"({report.conditional} conditional), {report.seconds:.1f} s")  # fmt: skip
    if report.failed:
        raise typer.Exit(1)
