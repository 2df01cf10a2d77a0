"""`nkwatch demo`: the bundled sample corpus ingested, linked and served, with an account to sign in with."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

import typer
from rich.markup import escape

from nkwatch import config, vocab
from nkwatch.cli.common import DbOption, out, store_or_fail
from nkwatch.cli.main import app, claims, sources
from nkwatch.cli.web import run_server


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the web application afterwards.")] = True,
    port: Annotated[int, typer.Option(help="Port of the web application (`make demo PORT=...`).")] = 8000,
    db: DbOption = None,
) -> None:
    """Ingest the bundled sample corpus (seed articles and UN texts), link it, and open it in the web app.

    The web app listens on 127.0.0.1 only. To sign in, the demo makes an admin account `demo` with a new
    random password, printed here once the server is listening (each start makes a new one; a start that
    fails, e.g. on a busy port, leaves a demo already running as it was); `nkwatch user disable demo`
    retires it.
    """
    from nkwatch.ingest.pipeline import ingest_paths
    from nkwatch.link.copies import detect_copies
    from nkwatch.link.run import link
    from nkwatch.store.queries import ClaimFilter, count_claims

    store = store_or_fail(db)
    with resources.as_file(resources.files("nkwatch").joinpath("data/sample")) as sample:
        report = ingest_paths(store, [sample], originals=config.originals_dir())
    out.print(f"[bold]nkwatch demo[/]: {report.count('added')} sample sources added, "
              f"{report.count('unchanged')} already stored, {len(report.failed)} failed")  # fmt: skip
    out.print(f"store: {escape(store.engine.url.render_as_string(hide_password=True))}\n")
    sources(db=db, kind=None, limit=50)
    with store.session() as s:
        for k in vocab.terms("claim_kinds"):
            out.print(f"  {k:10} {count_claims(s, ClaimFilter(kind=k))}")
    claims(db=db, act=None, kind=None, year=None, place=None, source=None, indicator=None, status=None, limit=25)
    added = [r.source_id for r in report.results if r.status == "added" and r.source_id]
    if added:
        detect_copies(store, added)
    linked = link(store)
    out.print(f"linked: {linked.assigned} claims placed into incidents")
    if not serve:
        out.print("\nnext: [bold]nkwatch serve[/], [bold]nkwatch claims --act execution[/], [bold]nkwatch show ID[/], "
                  "[bold]nkwatch search 'forced repatriation'[/], [bold]nkwatch export claims -o claims.jsonl[/]")
        return

    def account() -> None:  # only once the port is ours: a failed start must not change a running demo's password
        from nkwatch.web import accounts

        password = accounts.generate_password()
        with store.session() as s:
            try:
                accounts.set_password(s, accounts.get_user(s, "demo"), password)
                accounts.set_disabled(s, accounts.get_user(s, "demo"), False)
            except accounts.AccountError:
                accounts.add_user(s, "demo", password, "admin")
        out.print(f"\nsign in as [bold]demo[/] with password [bold]{password}[/] (new each time the demo starts)")

    run_server(db, "127.0.0.1", port, public=False, on_listening=account)
