"""`nkwatch user ...`: accounts for the web application and the API."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from nkwatch.cli.common import DbOption, fail, out, store_or_fail
from nkwatch.cli.main import app
from nkwatch.store.models import ROLES

user_app = typer.Typer(help="Accounts for the web application: add, list, disable, API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _accounts():  # noqa: ANN202 - the module, imported late so plain commands stay fast
    from nkwatch.web import accounts

    return accounts


@user_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="User name (no spaces).")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "viewer",
    generate: Annotated[bool, typer.Option("--generate", help="Make a random password and print it once.")] = False,
    db: DbOption = None,
) -> None:
    """Add a user. Asks for the password twice (or makes one with --generate, or reads NKWATCH_PASSWORD).

    Roles: viewer (reads), analyst (+ adds sources, exports), editor (+ reviews, publishes),
    custodian (editor + witness vault), admin (editor + manages users).
    """
    import os

    acc = _accounts()
    password = os.environ.get("NKWATCH_PASSWORD") or (acc.generate_password() if generate else None)
    if password is None:
        password = getpass.getpass("Password (10 characters or more): ")
        if getpass.getpass("Again: ") != password:
            fail("the two passwords differ")
    with store_or_fail(db).session() as s:
        try:
            acc.add_user(s, username, password, role)
        except acc.AccountError as e:
            fail(str(e), 1)
    out.print(f"user [bold]{escape(username)}[/] added as {role}")
    if generate:
        out.print(f"password: [bold]{escape(password)}[/]  (shown only now)")


@user_app.command("list")
def list_cmd(db: DbOption = None) -> None:
    """List users with their role, status and last sign-in."""
    acc = _accounts()
    with store_or_fail(db).session() as s:
        t = Table("user", "role", "status", "last sign-in", box=None, header_style="bold")
        for u in acc.list_users(s):
            t.add_row(escape(u.username), u.role, "disabled" if u.disabled else "active",
                      f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never")  # fmt: skip
    out.print(t)


@user_app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="User name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the account again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable an account: it is signed out everywhere and its API tokens are revoked."""
    acc = _accounts()
    with store_or_fail(db).session() as s:
        try:
            acc.set_disabled(s, acc.get_user(s, username), not enable)
        except acc.AccountError as e:
            fail(str(e), 1)
    out.print(f"user {escape(username)} {'enabled' if enable else 'disabled'}")


@user_app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="User name.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    db: DbOption = None,
) -> None:
    """Make an API token for a user (printed once): send it as `Authorization: Bearer TOKEN` to /api."""
    acc = _accounts()
    with store_or_fail(db).session() as s:
        try:
            _, secret = acc.create_token(s, acc.get_user(s, username), name)
        except acc.AccountError as e:
            fail(str(e), 1)
    out.print(secret, soft_wrap=True)
