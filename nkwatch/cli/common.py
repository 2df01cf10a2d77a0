"""What every command shares: the consoles, the --db option, opening the store, failing clearly."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from nkwatch import config

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar=config.ENV_DB, help="Database: a SQLite file path or a postgresql:// URL.",
                 show_default="a SQLite file in NKWATCH_HOME"),
]  # fmt: skip


def store_or_fail(db: str | None):  # noqa: ANN201 - a Store
    from nkwatch.store.db import StoreError, open_store

    try:
        return open_store(db)
    except StoreError as e:
        fail(str(e))


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)




def found(getter, session, ident: str):  # noqa: ANN001, ANN201 - the row getter(session, ident) returns
    """A claim, source or incident looked up by its id or a prefix of it (nkwatch.store.ids), or a clear error
    (no such id, or a prefix several ids share, with some of them listed) and exit status 1."""
    try:
        return getter(session, ident)
    except LookupError as e:
        fail(str(e), 1)
