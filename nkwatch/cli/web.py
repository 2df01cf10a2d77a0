"""`nkwatch serve`: the web application on this machine (or, with --host, for a team)."""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Annotated

import typer

from nkwatch.cli.common import DbOption, err, fail, out, store_or_fail
from nkwatch.cli.main import app


def listen_problem(port: int, e: OSError) -> str:
    """One line for a port that cannot be listened on: busy (the usual case: another demo or server), or not
    this user's to take."""
    if e.errno == errno.EADDRINUSE:
        return f"port {port} is in use: choose another with PORT=... / --port"
    if e.errno == errno.EACCES:
        return f"port {port} is not open to this user (ports below 1024 need privileges): choose another with --port"
    return f"cannot listen on port {port}: {e.strerror or e}"


def run_server(db: str | None, host: str, port: int, public: bool, secure_cookies: bool = False,
               workers: int = 1, max_upload_mb: float = 50.0,
               on_listening: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Serve the app for the store `db` until interrupted (Ctrl-C). The port is taken first: a busy one is one
    line and exit status 1; `on_listening` runs only once it is ours, before the first request is answered."""
    from nkwatch.web.server import listening_socket, serve

    store_or_fail(db).close()  # a clear error before the server starts, not a traceback after
    try:
        sock = listening_socket(host, port)
    except OSError as e:
        fail(listen_problem(port, e), 1)
    if on_listening is not None:
        on_listening()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"[bold green]nkwatch is running at http://{shown}:{port}/[/]  (Ctrl-C to stop)")
    serve(db, host, port, public=public, secure_cookies=secure_cookies, workers=workers, max_upload_mb=max_upload_mb,
          sock=sock)  # fmt: skip


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    public: Annotated[bool, typer.Option("--public", help="Let anonymous visitors read published incidents "
                                         "(and nothing else); staff still sign in.")] = False,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure: use when the "
                                                 "server is reached over HTTPS (behind a proxy).")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (about one per CPU core for a team server).")] = 1,
    max_upload_mb: Annotated[float, typer.Option(min=0.1, help="Largest upload (a file, or a form with all its "
                                                 "files) in MB; a larger one is refused before it is read.")] = 50.0,
    db: DbOption = None,
) -> None:
    """Serve the web application: overview, incidents, sources, review, uploads, exports and the JSON API.

    Make accounts first with `nkwatch user add NAME --role editor`. Listening on an address other than
    127.0.0.1 exposes it to the network: put it behind HTTPS (a reverse proxy) and use --secure-cookies.
    """
    if host not in ("127.0.0.1", "localhost", "::1") and not secure_cookies:
        err.print("[yellow]warning:[/] listening beyond this machine without --secure-cookies; "
                  "serve it over HTTPS for a team")  # fmt: skip
    run_server(db, host, port, public, secure_cookies, workers, max_upload_mb)
