"""Decisions that change what the public sees, each behind a confirmation page (no script needed): publishing
(the rule's checklist and a note), withdrawing (a reason), and a proposal's two answers: merge, or "different
incidents". The confirmation pages are GETs that change nothing; their forms post to the routes that act
(merge and publish in nkwatch.web.review, the others here). A withdrawn incident's public page (and API) says
only that it was withdrawn, and when.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from nkwatch.link.query import get_incident
from nkwatch.review import decisions, publication
from nkwatch.review.ops import ReviewError
from nkwatch.store.models import Incident
from nkwatch.web import present
from nkwatch.web.memform import read_form
from nkwatch.web.params import BadParameter
from nkwatch.web.render import page, redirect
from nkwatch.web.security import Principal, require
from nkwatch.web.state import web_state

router = APIRouter()
REVIEW = Depends(require("review"))


def run(request: Request, op: Any, *args: Any, **kwargs: Any) -> Any:
    """One decision in a transaction; a refusal becomes a 400 with the reason."""
    with web_state(request).store.session() as s:
        try:
            return op(s, *args, **kwargs)
        except (ReviewError, publication.PublicationError) as e:
            raise BadParameter(str(e)) from e


def _text(form: Any, name: str) -> str:
    v = form.get(name)
    return v.strip()[:500] if isinstance(v, str) else ""


def _withdrawn(request: Request, p: Principal, ident: str) -> tuple[str, str | None] | None:
    """For a public visitor asking for a withdrawn incident: its id and when it was withdrawn; else None."""
    if not p.public:
        return None
    with web_state(request).store.session() as s:
        inc = _find(s, ident)
        if inc is None or inc.status != publication.WITHDRAWN:
            return None
        return inc.id, publication.withdrawn_at(s, inc.id)


def withdrawn_notice(request: Request, p: Principal, ident: str) -> Response | None:
    """For a public visitor, the page of a withdrawn incident: that it was withdrawn, and when; nothing else."""
    if (found := _withdrawn(request, p, ident)) is None:
        return None
    iid, at = found
    return page(request, "withdrawn.html", status_code=410, iid=iid, at=(at or "")[:10],
                at_time=(at or "")[11:16])  # fmt: skip


def withdrawn_json(request: Request, p: Principal, ident: str) -> JSONResponse | None:
    if (found := _withdrawn(request, p, ident)) is None:
        return None
    iid, at = found
    return JSONResponse({"id": iid, "status": "withdrawn", "withdrawn_at": at}, status_code=410)


def _find(s: Any, ident: str) -> Incident | None:
    try:
        return get_incident(s, ident)
    except LookupError:
        return None


def _pair(request: Request, ident: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    other = (request.query_params.get("other") or "").strip()
    if not other:
        raise BadParameter("which incident? give ?other=inc-…")
    with web_state(request).store.session() as s:
        a, b = get_incident(s, ident), get_incident(s, other)
        if a.id == b.id:
            raise BadParameter("an incident cannot be compared with itself")
        found = decisions.proposals_between(s, a.id, b.id)
        open_ = next((p for p in found if p.status == "open"), None)
        prop = {"conflict": open_.conflict, "values": (open_.detail or {}).get("values")} if open_ else None
        return _side(s, a), _side(s, b), prop


def _side(s: Any, inc: Incident) -> dict[str, Any]:
    from nkwatch.link.query import incident_detail

    d = incident_detail(s, inc)
    return dict(present.incident_row(inc), sources=[x["title"] or x["id"][:12] for x in d["sources"]],
                quotes=[c["quote"] for c in d["claims"][:3]])  # fmt: skip


@router.get("/incidents/{incident_id}/merge", response_class=HTMLResponse)
def confirm_merge(request: Request, incident_id: str, p: Principal = REVIEW) -> HTMLResponse:
    a, b, prop = _pair(request, incident_id)
    return page(request, "decide.html", action="merge", a=a, b=b, proposal=prop)


@router.get("/incidents/{incident_id}/different", response_class=HTMLResponse)
def confirm_different(request: Request, incident_id: str, p: Principal = REVIEW) -> HTMLResponse:
    a, b, prop = _pair(request, incident_id)
    return page(request, "decide.html", action="different", a=a, b=b, proposal=prop)


@router.post("/incidents/{incident_id}/different")
async def different(request: Request, incident_id: str, p: Principal = REVIEW) -> Response:
    form = await read_form(request)
    with web_state(request).store.session() as s:
        a = get_incident(s, incident_id).id
        b = get_incident(s, _text(form, "other") or "-").id
    if form.get("confirmed") != "yes":  # only the confirmation page's form says yes
        return redirect(request, f"/incidents/{a}/different?other={b}")
    done = run(request, decisions.different, a, b, actor=p.username or "unknown", note=_text(form, "note") or None)
    return redirect(request, f"/incidents/{a}", f"Already marked: {b} is a different incident" if done["already"]
                    else f"Marked {b} as a different incident: re-linking keeps them apart")  # fmt: skip


@router.get("/incidents/{incident_id}/publish", response_class=HTMLResponse)
def confirm_publish(request: Request, incident_id: str, p: Principal = REVIEW) -> HTMLResponse:
    with web_state(request).store.session() as s:
        inc = get_incident(s, incident_id)
        chk = publication.check(s, inc)
        row = present.incident_row(inc)
    return page(request, "publish.html", inc=row, check=chk, rule_text=publication.RULES.get(chk.rule, chk.rule))


@router.get("/incidents/{incident_id}/unpublish", response_class=HTMLResponse)
def confirm_unpublish(request: Request, incident_id: str, p: Principal = REVIEW) -> HTMLResponse:
    with web_state(request).store.session() as s:
        row = present.incident_row(get_incident(s, incident_id))
    return page(request, "unpublish.html", inc=row)


@router.post("/incidents/{incident_id}/unpublish")
async def unpublish(request: Request, incident_id: str, p: Principal = REVIEW) -> Response:
    form = await read_form(request)
    with web_state(request).store.session() as s:
        iid = get_incident(s, incident_id).id
    reason = _text(form, "reason")
    if not reason:
        return redirect(request, f"/incidents/{iid}/unpublish", "Withdrawing asks for a reason")
    run(request, publication.unpublish, iid, actor=p.username or "unknown", reason=reason)
    return redirect(request, f"/incidents/{iid}", "Withdrawn: its public page now says only that it was withdrawn")


class Reason(BaseModel):
    reason: str = Field(..., min_length=1, max_length=500, description="Why it is withdrawn (audited)")


class Different(BaseModel):
    other: str = Field(..., description="The incident it is not the same as")
    note: str | None = Field(None, max_length=500)


api_router = APIRouter(prefix="/api", tags=["api"], default_response_class=JSONResponse)


@api_router.post("/incidents/{incident_id}/unpublish")
def api_unpublish(request: Request, incident_id: str, body: Reason, p: Principal = REVIEW) -> dict[str, Any]:
    with web_state(request).store.session() as s:
        iid = get_incident(s, incident_id).id
    inc = run(request, publication.unpublish, iid, actor=p.username or "unknown", reason=body.reason)
    return {"id": inc.id, "status": inc.status}


@api_router.post("/incidents/{incident_id}/different")
def api_different(request: Request, incident_id: str, body: Different, p: Principal = REVIEW) -> dict[str, Any]:
    with web_state(request).store.session() as s:
        a, b = get_incident(s, incident_id).id, get_incident(s, body.other).id
    return run(request, decisions.different, a, b, actor=p.username or "unknown", note=body.note)


@api_router.get("/incidents/{incident_id}/publication")
def api_publication(request: Request, incident_id: str, p: Principal = REVIEW) -> dict[str, Any]:
    """Whether the incident may be published under the rule in force, and what it still lacks."""
    with web_state(request).store.session() as s:
        inc = get_incident(s, incident_id)
        c = publication.check(s, inc)
        return {"id": inc.id, "status": inc.status, "rule": c.rule, "publishable": c.ok, "missing": c.problems,
                "sources": c.sources, "open_proposals": c.proposals}  # fmt: skip
