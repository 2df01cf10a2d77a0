"""Add sources: upload files in the browser. The page sends each file to POST /api/sources (with a progress
bar per file); this module also takes a plain form post of several files, for browsers without script."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse

from nkwatch import vocab
from nkwatch.ingest.metadata import MetadataError, SourceMeta, validate
from nkwatch.ingest.pipeline import ingest_files
from nkwatch.web.memform import read_form
from nkwatch.web.params import BadParameter
from nkwatch.web.render import page
from nkwatch.web.security import Principal, require
from nkwatch.web.state import web_state

router = APIRouter()
ADD = Depends(require("add"))
META_FIELDS = ("kind", "publisher", "url", "published_at", "reliability", "language")


def metadata(form: Any) -> SourceMeta:
    """Source metadata from the form fields (empty ones are left to the file itself)."""
    values = {k: (str(form.get(k) or "").strip() or None) for k in META_FIELDS}
    try:
        return validate(SourceMeta(**values))
    except MetadataError as e:
        raise BadParameter(str(e)) from e


def safe_name(name: str | None) -> str:
    """An uploaded file's name as it may be stored and shown: its last path part, without control characters
    (a NUL cannot be stored by PostgreSQL) or broken characters, at most 200 characters; "upload" if nothing
    is left."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF).strip()
    return base[:200] or "upload"


async def ingest_upload(request: Request, files: list[UploadFile], meta: SourceMeta) -> list[dict[str, Any]]:
    """Ingest uploaded files (kept as originals, text read, claims extracted), then link their claims.

    Returns one result per file: name, status (added, unchanged, failed), source id, claims, reason.
    """
    st = web_state(request)
    items = []
    for f in files:
        data = await f.read(st.max_upload_bytes + 1)
        items.append((safe_name(f.filename), data))
    with_data = [(n, d) for n, d in items if d]
    from starlette.concurrency import run_in_threadpool

    report = await run_in_threadpool(ingest_files, st.store, with_data, meta, originals=st.originals,
                                     max_bytes=st.max_upload_bytes)  # fmt: skip
    added = [r.source_id for r in report.results if r.status == "added" and r.source_id]
    if added:
        await run_in_threadpool(_link_new, st.store, added)
    out = [{"name": str(r.path), "status": r.status, "source_id": r.source_id, "claims": r.claims,
            "reason": r.reason} for r in report.results]  # fmt: skip
    out += [{"name": n, "status": "failed", "source_id": None, "claims": 0, "reason": "the file is empty"}
            for n, d in items if not d]  # fmt: skip
    return out


def _link_new(store: Any, source_ids: list[str]) -> None:
    """Compare the new sources with the stored ones for copies, and place their claims into incidents."""
    from nkwatch.link.copies import detect_copies
    from nkwatch.link.run import link

    detect_copies(store, source_ids)
    link(store)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, p: Principal = ADD) -> HTMLResponse:
    return page(request, "upload.html", kinds=vocab.terms("source_kinds"), grades=vocab.terms("reliability"),
                max_mb=web_state(request).max_upload_bytes // (1024 * 1024))  # fmt: skip


@router.post("/upload", response_class=HTMLResponse)
async def upload_form(request: Request, p: Principal = ADD) -> HTMLResponse:
    form = await read_form(request)
    files = [f for f in form.getlist("files") if not isinstance(f, str)]
    if not files:
        raise BadParameter("choose at least one file")
    results = await ingest_upload(request, files, metadata(form))  # type: ignore[arg-type]
    return page(request, "upload.html", kinds=vocab.terms("source_kinds"), grades=vocab.terms("reliability"),
                max_mb=web_state(request).max_upload_bytes // (1024 * 1024), results=results)  # fmt: skip
