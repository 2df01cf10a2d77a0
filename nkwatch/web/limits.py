"""Who is asking and how much they send, decided before a byte of a request body is read.

FastAPI reads and parses a JSON body before a route's dependencies run, so an anonymous client could make the
server hold a 300 MB body (or parse JSON nested 100,000 deep) before anyone asked who it was. `BodyGate` sits
in front of every route: a request that changes something must come with a valid session or token (except
sign-in), and its body may not pass the route's limit, checked on Content-Length at once and counted as the
body arrives (a chunked body is cut off at the limit). Uploads get the upload limit; every other form or JSON
body gets `SMALL_BODY`, which is far more than any of them needs.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nkwatch.store.db import query_time_limit

SMALL_BODY = 256 << 10  # any form or JSON body but an upload
SAFE = {"GET", "HEAD", "OPTIONS"}
OPEN = {"/login"}  # state-changing routes anyone may call
UPLOADS = re.compile(r"^/(upload|api/sources|vault/witnesses/[^/]+/interviews|api/vault/witnesses/[^/]+/interviews)$")


class _Over(Exception):
    pass


def body_limit(path: str, upload_bytes: int) -> int:
    """The most bytes the body of a request to `path` may have."""
    return upload_bytes + (256 << 10) if UPLOADS.match(path) else SMALL_BODY


class BodyGate:
    """ASGI middleware: authentication and the body limit before the body is read (see the module)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE:
            await self.app(scope, receive, send)
            return
        from nkwatch.web.security import AuthRequired, identify

        request = Request(scope)
        api = scope["path"].startswith("/api/")
        if scope["path"] not in OPEN:
            try:
                who = await run_in_threadpool(identify, request)  # cached on the request for the route
            except AuthRequired as e:
                await _refuse(scope, receive, send, 401, str(e) or "sign in or send a bearer token", api)
                return
            if not who.signed_in:
                await _refuse(scope, receive, send, 401, "sign in or send a bearer token", api)
                return
        limit = body_limit(scope["path"], request.app.state.nk.max_upload_bytes)
        declared = request.headers.get("content-length", "")
        if declared and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, receive, send, 413, _too_large(limit), api)
            return
        seen = 0
        over = started = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise _Over
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if over:  # whatever the route made of the cut-off body (FastAPI: "error parsing the body"), say why
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(scope, receive, send, 413, _too_large(limit), api)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _Over:
            if not started:
                await _refuse(scope, receive, send, 413, _too_large(limit), api)


def _too_large(limit: int) -> str:
    size = f"{limit / (1 << 20):.0f} MB" if limit >= 1 << 20 else f"{limit >> 10} KB"
    return f"The request is larger than the limit of {size} for this address; nothing was stored."


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str, api: bool) -> None:
    response: Response
    if status == 401 and not api:  # a page: to the sign-in form, as the routes themselves do
        response = RedirectResponse("/login?" + urlencode({"next": scope["path"]}), status_code=303)
    elif api:
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        response = JSONResponse({"detail": message}, status_code=status, headers=headers)
    else:
        response = PlainTextResponse(message, status_code=status)
    response.headers["connection"] = "close"  # the body we did not read is not read on this connection either
    await response(scope, receive, send)


QUERY_SECONDS = float(os.environ.get("NKWATCH_QUERY_SECONDS") or 1.5)


class QueryBudget:
    """ASGI middleware: a request that searches text (a `q` parameter) may spend QUERY_SECONDS in the store
    (nkwatch.store.db.query_time_limit), so no search can hold a worker thread, or the shutdown, for minutes.
    Exports stream for as long as they need and are left out."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"q=" in scope.get("query_string", b"") and not scope["path"].startswith(
                "/export"):  # fmt: skip
            with query_time_limit(QUERY_SECONDS):
                await self.app(scope, receive, send)
            return
        await self.app(scope, receive, send)
