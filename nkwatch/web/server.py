"""Run the app with uvicorn: one process, or several worker processes sharing one listening socket."""

from __future__ import annotations

import os
import socket

# On SIGTERM the server stops taking requests and gives those under way this long to finish (searches are cut
# off sooner, nkwatch.web.limits), then closes: an init system's stop never waits on a request.
GRACE_SECONDS = 5


def app_from_env():  # noqa: ANN201 - a FastAPI app, built in each worker process from the environment
    from nkwatch.web import create_app

    return create_app(os.environ.get("NKWATCH_DB") or None, public=os.environ.get("NKWATCH_WEB_PUBLIC") == "1",
                      secure_cookies=os.environ.get("NKWATCH_WEB_SECURE") == "1",
                      max_upload_mb=float(os.environ.get("NKWATCH_WEB_MAX_UPLOAD_MB") or 50))  # fmt: skip


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket with TCP_NODELAY, which Linux passes on to every accepted connection.

    uvicorn's worker processes otherwise answer a keep-alive connection's second request 40 ms late: the
    response goes out in two writes, and Nagle's algorithm holds the second until the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(db: str | None, host: str, port: int, *, public: bool = False, secure_cookies: bool = False,
          workers: int = 1, max_upload_mb: float = 50.0, sock: socket.socket | None = None) -> None:  # fmt: skip
    """Serve until interrupted. `workers` > 1 runs that many processes (each with its own store connections).
    `sock`: a socket from `listening_socket(host, port)` taken beforehand (the caller reports a busy port)."""
    import uvicorn

    os.environ.update(NKWATCH_WEB_PUBLIC="1" if public else "0", NKWATCH_WEB_SECURE="1" if secure_cookies else "0",
                      NKWATCH_WEB_MAX_UPLOAD_MB=str(max_upload_mb))
    if db:
        os.environ["NKWATCH_DB"] = db
    sock = sock or listening_socket(host, port)
    uvicorn.run("nkwatch.web.server:app_from_env", factory=True, fd=sock.fileno(), workers=workers,
                log_level="warning", server_header=False, access_log=False,
                timeout_graceful_shutdown=GRACE_SECONDS)  # fmt: skip
