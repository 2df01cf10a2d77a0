"""The JSON API under /api (OpenAPI description at /api/openapi.json).

Authentication: `Authorization: Bearer <token>` (tokens are made on the account page or with
`nkwatch user token`), or the browser's session cookie with an `X-CSRF-Token` header for state-changing
calls (that is how the pages' own scripts call it). The same permissions as the pages apply.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from nkwatch.link.query import get_incident, incident_detail
from nkwatch.review import ops
from nkwatch.review.publication import PublicationError
from nkwatch.store.models import Claim
from nkwatch.store.queries import count_claims, get_claim, get_source, list_sources, page_claims
from nkwatch.store.search import search
from nkwatch.web import present
from nkwatch.web.decide import withdrawn_json
from nkwatch.web.memform import read_form
from nkwatch.web.pages import _withheld, incident_list
from nkwatch.web.params import BadParameter, claim_filter, incident_filter, incident_paging, paging
from nkwatch.web.review import actor
from nkwatch.web.security import Principal, require
from nkwatch.web.state import web_state
from nkwatch.web.upload import META_FIELDS, ingest_upload, metadata

router = APIRouter(prefix="/api", tags=["api"], default_response_class=JSONResponse)
READ = Depends(require("read"))
READ_PUBLIC = Depends(require("read", public=True))
REVIEW = Depends(require("review"))
ADD = Depends(require("add"))


@router.get("/me")
def me(p: Principal = READ) -> dict[str, Any]:
    """Who the token or session belongs to, and what it may do."""
    return {"username": p.username, "role": p.role, "permissions": sorted(p.permissions), "csrf": p.csrf}


@router.get("/incidents", response_model=None)
async def incidents(request: Request, p: Principal = READ_PUBLIC) -> JSONResponse:
    """Incidents, filtered and sorted by the query parameters the incidents page uses (see nkwatch.web.params)."""
    flt, pg = incident_filter(request, p), incident_paging(request)
    items, total = incident_list(request, flt, pg)
    # A ready response: FastAPI's own encoding of 50 rows costs more than the query that found them.
    return JSONResponse({"total": total, "page": pg.page, "per_page": pg.per_page, "sort": pg.sort, "items": items})


@router.get("/incidents/{incident_id}")
async def incident(request: Request, incident_id: str, p: Principal = READ_PUBLIC) -> dict[str, Any]:
    """One incident: merged facts (each with the claim it came from), confidence breakdown, sources, claims."""
    if gone := withdrawn_json(request, p, incident_id):  # 410: withdrawn, and when; nothing else of it
        return gone
    with web_state(request).store.session() as s:
        inc = get_incident(s, incident_id)
        if p.public and (inc.status != "publishable" or _withheld(s, inc.id)):
            raise LookupError(f"no incident with id {incident_id!r}")
        return present.incident_out(p, incident_detail(s, inc), s)


@router.get("/claims")
def claims(request: Request, p: Principal = READ) -> dict[str, Any]:
    """Claims (the spec's claim objects), filtered by act, kind, year, place, source, indicator, status, q."""
    flt, pg = claim_filter(request), paging(request, None, "source")
    flt.text = request.query_params.get("q") or None
    with web_state(request).store.session() as s:
        items = [present.claim_out(p, c) for c in page_claims(s, flt, limit=pg.per_page, offset=pg.offset)]
        return {"total": count_claims(s, flt), "page": pg.page, "per_page": pg.per_page, "items": items}


@router.get("/claims/{claim_id}")
def claim(request: Request, claim_id: str, p: Principal = READ) -> dict[str, Any]:
    with web_state(request).store.session() as s:
        return present.claim_out(p, get_claim(s, claim_id))


@router.get("/sources")
def sources(request: Request, p: Principal = READ) -> dict[str, Any]:
    kind = request.query_params.get("kind") or None
    with web_state(request).store.session() as s:
        return {"items": [dict(present.source_out(p, src), claims=n) for src, n in list_sources(s, kind=kind)]}


@router.get("/sources/{source_id}")
def source(request: Request, source_id: str, p: Principal = READ) -> dict[str, Any]:
    """A source with its text and the ids and spans of its claims."""
    with web_state(request).store.session() as s:
        src = get_source(s, source_id)
        spans = [{"id": i, "start": a, "end": b, "status": st} for i, a, b, st in s.execute(
            select(Claim.id, Claim.span_start, Claim.span_end, Claim.status).where(Claim.source_id == src.id)
            .order_by(Claim.span_start))]  # fmt: skip
        return dict(present.source_out(p, src, with_text=True), claims=spans)


UPLOAD_SCHEMA = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                   **{k: {"type": "string"} for k in META_FIELDS}}}}}}}  # fmt: skip


@router.post("/sources", openapi_extra=UPLOAD_SCHEMA)
async def add_sources(request: Request, p: Principal = ADD) -> dict[str, Any]:
    """Upload files (multipart, field `files`, several allowed) with optional metadata (kind, publisher, url,
    published_at, reliability, language): each is kept as an original, read, its claims extracted and
    linked. One result per file."""
    # The form is read here, after the permission check, not by FastAPI before it: nobody can make the
    # server take in a large upload without the right to add sources.
    form = await read_form(request)
    files = [f for f in form.getlist("files") if not isinstance(f, str)]
    if not files:
        raise BadParameter("send at least one file in the field `files`")
    return {"results": await ingest_upload(request, files, metadata(form))}  # type: ignore[arg-type]


@router.get("/search")
def search_api(request: Request, p: Principal = READ) -> dict[str, Any]:
    """Full-text search over source texts and claim quotes; matched words in snippets are inside [ ]."""
    q = request.query_params.get("q") or ""
    with web_state(request).store.session() as s:
        return {"hits": [h.__dict__ for h in search(s, q, limit=50)]}


class Note(BaseModel):
    note: str | None = Field(None, max_length=500)


class Correction(BaseModel):
    changes: dict[str, Any] = Field(..., description="Claim fields and their new values, as the spec writes them")
    note: str | None = Field(None, max_length=500)


class MergeBody(BaseModel):
    other: str = Field(..., description="The incident whose claims move into this one")


class SplitBody(BaseModel):
    claim_ids: list[str]


def _op(request: Request, op: Any, *args: Any, **kwargs: Any) -> Any:
    with web_state(request).store.session() as s:
        try:
            return op(s, *args, **kwargs)
        except (ops.ReviewError, PublicationError) as e:
            raise BadParameter(str(e)) from e


def _claim_out(request: Request, p: Principal, claim_id: str) -> dict[str, Any]:
    with web_state(request).store.session() as s:
        return present.claim_out(p, s.get(Claim, claim_id))


def _cid(request: Request, ident: str) -> str:
    with web_state(request).store.session() as s:
        return get_claim(s, ident).id


def _iid(request: Request, ident: str) -> str:
    with web_state(request).store.session() as s:
        return get_incident(s, ident).id


@router.post("/claims/{claim_id}/confirm")
def confirm(request: Request, claim_id: str, body: Note | None = None, p: Principal = REVIEW) -> dict[str, Any]:
    cid = _cid(request, claim_id)
    _op(request, ops.confirm, cid, actor=actor(p), note=body.note if body else None)
    return _claim_out(request, p, cid)


@router.post("/claims/{claim_id}/reject")
def reject(request: Request, claim_id: str, body: Note | None = None, p: Principal = REVIEW) -> dict[str, Any]:
    cid = _cid(request, claim_id)
    _op(request, ops.reject, cid, actor=actor(p), note=body.note if body else None)
    return _claim_out(request, p, cid)


@router.post("/claims/{claim_id}/correct")
def correct(request: Request, claim_id: str, body: Correction, p: Principal = REVIEW) -> dict[str, Any]:
    cid = _cid(request, claim_id)
    _op(request, ops.correct, cid, body.changes, actor=actor(p), note=body.note)
    return _claim_out(request, p, cid)


@router.post("/incidents/{incident_id}/merge")
def merge(request: Request, incident_id: str, body: MergeBody, p: Principal = REVIEW) -> dict[str, Any]:
    keep, other = _iid(request, incident_id), _iid(request, body.other)
    inc = _op(request, ops.merge, keep, other, actor=actor(p))
    return {"id": inc.id, "n_claims": inc.n_claims, "merged": other}


@router.post("/incidents/{incident_id}/split")
def split(request: Request, incident_id: str, body: SplitBody, p: Principal = REVIEW) -> dict[str, Any]:
    iid = _iid(request, incident_id)
    inc = _op(request, ops.split, iid, [_cid(request, c) for c in body.claim_ids], actor=actor(p))
    return {"id": inc.id, "n_claims": inc.n_claims, "split_from": iid}


@router.post("/incidents/{incident_id}/publish")
def publish(request: Request, incident_id: str, body: Note | None = None, p: Principal = REVIEW) -> dict[str, Any]:
    """Publish under the publication rule (refused with what is missing); the note goes into the audit log."""
    iid = _iid(request, incident_id)
    inc = _op(request, ops.publish, iid, actor=actor(p), note=body.note if body else None)
    return {"id": inc.id, "status": inc.status}
