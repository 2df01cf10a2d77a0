"""The web application: `create_app` builds it from a store, and `nkwatch serve` runs it.

Routes are thin: they read parameters, call the library (nkwatch.link.query, nkwatch.review.ops,
nkwatch.export, nkwatch.ingest.pipeline), pass rows through nkwatch.web.present, and render a template or
return JSON. Security headers are set on every response by a small ASGI middleware.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nkwatch import config
from nkwatch.store.db import Store, open_store, timed_out
from nkwatch.store.search import SearchError
from nkwatch.vault.errors import VaultError, VaultLocked
from nkwatch.web import api, decide, exports, pages, review, upload, users, vault
from nkwatch.web.keyring import Keyring
from nkwatch.web.limits import QUERY_SECONDS, BodyGate, QueryBudget
from nkwatch.web.memform import FormError, TooLarge
from nkwatch.web.params import BadParameter
from nkwatch.web.render import make_templates, page, redirect
from nkwatch.web.security import AuthRequired, Forbidden
from nkwatch.web.state import WebState

# No inline script or style anywhere: everything interactive is in /static/app.js and htmx.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds HEADERS to every response (a plain ASGI middleware: no per-request task or body copy), and answers
    HEAD as GET without the body (FastAPI's routes take only the methods they name; link checkers and
    archiving tools ask HEAD first)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")

        async def send_with_headers(message: Message) -> None:
            if head and message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)}
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
                if not scope["path"].startswith("/static/"):
                    message["headers"].append((b"cache-control", b"no-store"))  # pages can hold sensitive text
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(store_url: str | None = None, *, public: bool = False, originals: Path | None = None,
               secure_cookies: bool = False, max_upload_mb: float = 50.0,
               threads: int | None = None, vault_idle_minutes: float = 15.0) -> FastAPI:  # fmt: skip
    """The app for the store at `store_url` (a path or URL; NKWATCH_DB or the default when None).

    `public=True` lets anonymous visitors read published incidents (and nothing else); people with an
    account sign in as usual. `secure_cookies` marks cookies Secure: use it when served over HTTPS.
    A witness vault unlocked in a session locks itself after `vault_idle_minutes` without vault use.
    """
    threads = threads or int(os.environ.get("NKWATCH_WEB_THREADS", "4"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Most routes run in a thread pool (they call the synchronous store; the short incident reads run on
        # the event loop, see pages.py). Python runs one thread at a time, so
        # 40 threads (the default) only contend for the interpreter and the store's connections; a few threads
        # with the rest of the requests waiting their turn in the event loop serve more, and more evenly.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(title="nkwatch", version="0.1.0", openapi_url="/api/openapi.json", docs_url=None, lifespan=lifespan,
                  redoc_url=None,  # the interactive docs load scripts from a CDN: not offline, not under our CSP
                  description="Claims, incidents and sources about human-rights violations in North Korea. "
                  "Authenticate with `Authorization: Bearer <token>` (make a token on your account page).")  # fmt: skip
    app.state.nk = WebState(store=open_store(store_url), originals=originals or config.originals_dir(),
                            public=public, templates=make_templates(), secure_cookies=secure_cookies,
                            max_upload_bytes=int(max_upload_mb * 1024 * 1024),
                            keyring=Keyring(idle_seconds=vault_idle_minutes * 60))  # fmt: skip
    _planner_statistics(app.state.nk.store)
    static = Path(__file__).with_name("static")
    app.mount("/static", StaticFiles(directory=static), name="static")
    for module in (pages, review, decide, upload, exports, users, api, vault):
        app.include_router(module.router)
    app.include_router(vault.api_router)
    app.include_router(decide.api_router)
    _handlers(app)
    app.add_middleware(QueryBudget)
    app.add_middleware(BodyGate)  # inside SecurityHeaders: its refusals get the security headers too
    app.add_middleware(SecurityHeaders)
    return app


def _planner_statistics(store: Store) -> None:
    """SQLite picks indexes well only with statistics (sqlite_stat1); without them it takes the narrowest index
    for an equality (say status = 'machine', true of most incidents) over the covering list index. An
    ANALYZE of the incidents table reads only its indexes (12 ms for 15,000 incidents) and keeps them current."""
    if store.dialect != "sqlite":
        return  # PostgreSQL's autovacuum keeps its statistics
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE incidents")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return page(request, "error.html", status_code=status, status=status, message=message)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthRequired)
    async def auth_required(request: Request, exc: AuthRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(exc) or "sign in or send a bearer token"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, "/login?" + _next(target))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, exc.message)

    @app.exception_handler(LookupError)
    async def not_found(request: Request, exc: LookupError) -> Response:
        return _error(request, 404, str(exc).strip("'\""))

    @app.exception_handler(BadParameter)
    async def bad_parameter(request: Request, exc: BadParameter) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(VaultLocked)
    async def vault_locked(request: Request, exc: VaultLocked) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "the witness vault is locked for this token or session: "
                                 "POST /api/vault/unlock first"}, status_code=423)  # fmt: skip
        return vault.locked_page(request)

    @app.exception_handler(VaultError)
    async def vault_error(request: Request, exc: VaultError) -> Response:
        return _error(request, 400, str(exc))  # vault messages never hold a protected value (errors.py)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge) -> Response:
        return _error(request, 413, str(exc))

    @app.exception_handler(FormError)
    async def form_error(request: Request, exc: FormError) -> Response:
        return _error(request, 400, f"The form could not be read: {exc}")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(x) for x in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return _error(request, 422, detail or "invalid request")

    @app.exception_handler(SearchError)
    async def search_error(request: Request, exc: SearchError) -> Response:
        return _error(request, 400, f"The search cannot be run: {exc}.")

    @app.exception_handler(OperationalError)
    async def store_error(request: Request, exc: OperationalError) -> Response:
        if timed_out(exc):
            return _error(request, 400, f"The search took longer than the {QUERY_SECONDS:g} s allowed: use fewer "
                                        "or more specific words.")  # fmt: skip
        raise exc

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))


def _next(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})
