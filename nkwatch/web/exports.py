"""Export: claims and incidents as CSV, JSON or JSON Lines with the filters of the list they come from.

The files are written by nkwatch.export (the same writers as `nkwatch export`), streamed as they are made.
The writers gate testimony material (nkwatch.vault.guard: consent, then the disclosure check) for the
`audience`: `public` (the default), `internal` or a named body (`audience=OHCHR`); only editors and above
may export for an audience other than the public.
The routes take a bearer token as well as the session, so they are also the API's exports.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from nkwatch import export
from nkwatch.link.query import incident_export, list_incidents
from nkwatch.store.queries import count_claims, iter_claims
from nkwatch.vault import ConsentError, policy
from nkwatch.web.params import BadParameter, claim_filter, incident_filter
from nkwatch.web.render import page
from nkwatch.web.security import Forbidden, Principal, require
from nkwatch.web.state import web_state

router = APIRouter()
EXPORT = Depends(require("export"))
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json", "jsonl": "application/x-ndjson"}


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "csv")
    if fmt not in export.FORMATS:
        raise BadParameter(f"format must be one of {', '.join(export.FORMATS)}")
    return fmt


def _audience(request: Request, p: Principal) -> str:
    try:
        who = policy.audience(request.query_params.get("audience"))
    except ConsentError as e:
        raise BadParameter(str(e)) from None
    if who != policy.PUBLIC and not p.can("review"):
        raise Forbidden("Only editors, custodians and admins may export for an audience other than the public.")
    return who


def _spooled(write: Callable[[IO[str]], int]) -> Iterator[bytes]:
    """Write the whole export to a spooled file (memory up to 16 MB, then disk), then send it in pieces:
    memory stays flat however large the export, and the store's transaction ends before the sending starts."""
    with tempfile.SpooledTemporaryFile(max_size=16 << 20, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        write(text)
        text.flush()
        raw.seek(0)
        while chunk := raw.read(1 << 16):
            yield chunk
        text.detach()


def _download(body: Iterator[bytes], fmt: str, what: str) -> StreamingResponse:
    name = f"nkwatch-{what}-{datetime.now(UTC):%Y%m%d-%H%M%S}.{fmt}"
    disposition = f'attachment; filename="{name}"'
    return StreamingResponse(body, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})


@router.get("/export", response_class=HTMLResponse)
def export_page(request: Request, p: Principal = EXPORT) -> HTMLResponse:
    flt = claim_filter(request)
    iflt = incident_filter(request, p)
    with web_state(request).store.session() as s:
        n_claims = count_claims(s, flt)
        _, n_incidents = list_incidents(s, iflt, limit=1)
    query = request.url.query
    return page(request, "export.html", n_claims=n_claims, n_incidents=n_incidents, query=query)


@router.get("/export/claims")
def export_claims(request: Request, p: Principal = EXPORT) -> StreamingResponse:
    fmt, flt, who = _format(request), claim_filter(request), _audience(request, p)
    flt.text = request.query_params.get("q") or None
    store = web_state(request).store

    def write(out: IO[str]) -> int:
        with store.session() as s:  # the writer gates testimony by consent, read now (nkwatch.vault.guard)
            return export.write_claims(iter_claims(s, flt), fmt, out, audience=who)

    return _download(_spooled(write), fmt, "claims")


@router.get("/export/incidents")
def export_incidents(request: Request, p: Principal = EXPORT) -> StreamingResponse:
    fmt, flt, who = _format(request), incident_filter(request, p), _audience(request, p)
    store = web_state(request).store

    def write(out: IO[str]) -> int:
        with store.session() as s:
            rows, _ = list_incidents(s, flt, limit=None, sort="confidence")
            return export.write_incidents((incident_export(s, i) for i in rows), fmt, out, audience=who)

    return _download(_spooled(write), fmt, "incidents")
