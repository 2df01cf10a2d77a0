"""Review: the queue of machine claims, and the decisions people take on claims and incidents.

Every decision goes through nkwatch.review.ops with the signed-in user as the actor, so it lands in the
hash-chained audit log in the same transaction. A form post answers with a redirect and a message; an htmx
request (the review queue's buttons and keys) answers with the updated row.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from nkwatch import vocab
from nkwatch.extract.dictionaries import law_names
from nkwatch.link.query import get_incident
from nkwatch.review import ops
from nkwatch.review.publication import PublicationError
from nkwatch.store.models import Claim, DuplicateProposal, Incident, Source
from nkwatch.store.queries import get_claim
from nkwatch.web import present
from nkwatch.web.memform import read_form
from nkwatch.web.params import BadParameter, claim_filter, paging
from nkwatch.web.render import page, redirect
from nkwatch.web.security import Principal, require
from nkwatch.web.state import web_state

router = APIRouter()
REVIEW = Depends(require("review"))


def _back(request: Request, default: str) -> str:
    target = request.headers.get("referer") or ""
    return default if not target.startswith(str(request.base_url)) else "/" + target[len(str(request.base_url)):]


def actor(p: Principal) -> str:
    """The audit log's actor: the signed-in user's name, as `nkwatch review --as NAME` would write it."""
    return p.username or "unknown"


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, p: Principal = REVIEW) -> HTMLResponse:
    flt = claim_filter(request)
    flt.status = flt.status or "machine"
    flt.text = request.query_params.get("q") or None
    pg = paging(request, None, "source")
    with web_state(request).store.session() as s:
        q = flt.apply(select(Claim, Source.title).join(Source, Source.id == Claim.source_id))
        rows = [dict(present.claim_out(p, c), source_title=title, incident_id=c.incident_id) for c, title in
                s.execute(q.order_by(Claim.incident_id.is_(None), Claim.incident_id, Claim.span_start, Claim.id)
                          .offset(pg.offset).limit(pg.per_page))]  # fmt: skip
        total = s.scalar(flt.apply(select(func.count()).select_from(Claim))) or 0
        proposals = _open_proposals(s)
    return page(request, "review.html", rows=rows, total=total, flt=flt, pg=pg, proposals=proposals,
                pages=max(1, -(-total // pg.per_page)))  # fmt: skip


def _open_proposals(s: Any, limit: int = 20) -> list[dict[str, Any]]:
    out = []
    for pr in s.scalars(select(DuplicateProposal).where(DuplicateProposal.status == "open")
                        .order_by(DuplicateProposal.id).limit(limit * 3)):  # fmt: skip
        a, b = s.get(Incident, pr.incident_a), s.get(Incident, pr.incident_b)
        if a is None or b is None:  # one side was merged away since
            continue
        out.append({"id": pr.id, "a": present.incident_row(a), "b": present.incident_row(b), "conflict": pr.conflict,
                    "values": (pr.detail or {}).get("values")})  # fmt: skip
        if len(out) >= limit:
            break
    return out


def _row(request: Request, p: Principal, claim_id: str, message: str) -> HTMLResponse:
    with web_state(request).store.session() as s:
        c = s.get(Claim, claim_id)
        row = dict(present.claim_out(p, c), source_title=c.source.title, incident_id=c.incident_id)
    return page(request, "_review_row.html", c=row, message=message)


def _answer(request: Request, p: Principal, claim_id: str, message: str) -> Response:
    if request.headers.get("hx-request"):
        return _row(request, p, claim_id, message)
    return redirect(request, _back(request, f"/claims/{claim_id}"), message)


def _run(request: Request, op: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one review operation in a transaction; a refusal becomes a 400 page with the reason."""
    with web_state(request).store.session() as s:
        try:
            return op(s, *args, **kwargs)
        except (ops.ReviewError, PublicationError) as e:
            raise BadParameter(str(e)) from e


async def _note(request: Request) -> str | None:
    form = await read_form(request)
    note = form.get("note")
    return note.strip()[:500] or None if isinstance(note, str) else None


def _claim_id(request: Request, ident: str) -> str:
    with web_state(request).store.session() as s:
        return get_claim(s, ident).id


@router.post("/review/claims/{claim_id}/confirm")
async def confirm_claim(request: Request, claim_id: str, p: Principal = REVIEW) -> Response:
    cid, note = _claim_id(request, claim_id), await _note(request)
    _run(request, ops.confirm, cid, actor=actor(p), note=note)
    return _answer(request, p, cid, "Confirmed")


@router.post("/review/claims/{claim_id}/reject")
async def reject_claim(request: Request, claim_id: str, p: Principal = REVIEW) -> Response:
    cid, note = _claim_id(request, claim_id), await _note(request)
    _run(request, ops.reject, cid, actor=actor(p), note=note)
    return _answer(request, p, cid, "Rejected")


@router.get("/review/claims/{claim_id}/edit", response_class=HTMLResponse)
def edit_claim_form(request: Request, claim_id: str, p: Principal = REVIEW) -> HTMLResponse:
    with web_state(request).store.session() as s:
        c = get_claim(s, claim_id)
        row = dict(present.claim_out(p, c), source_title=c.source.title, incident_id=c.incident_id)
    template = "_review_edit.html" if request.headers.get("hx-request") else "claim_edit.html"
    return page(request, template, c=row, places=_place_choices(), laws=law_names())


def _place_choices() -> list[tuple[str, str]]:
    from nkwatch.web.pages import _places

    return _places()


def corrections(form: Any, current: dict[str, Any]) -> dict[str, Any]:
    """The fields a correction form changes, in the claim model's shapes; unchanged fields are left out."""
    from nkwatch.extract.gazetteer import gazetteer

    new: dict[str, Any] = {}
    for name in ("kind", "act", "grounds", "indicator"):
        if name in form:
            new[name] = form.get(name) or None
    if "when_start" in form:
        start, end = (form.get("when_start") or "").strip(), (form.get("when_end") or "").strip()
        new["when"] = ({"start": start, "end": end or start, "precision": form.get("when_precision") or "year",
                        "text": (current.get("when") or {}).get("text")} if start else None)  # fmt: skip
    if "place" in form:
        place = gazetteer().get(form.get("place") or "")
        new["where"] = place.as_where((current.get("where") or {}).get("text") or place.name) if place else None
    if "perpetrator" in form:
        pid = form.get("perpetrator") or None
        new["perpetrator"] = {"id": pid, "name": vocab.vocab()["institutions"].get(pid, pid)} if pid else None
    if "victims_count" in form:
        raw = (form.get("victims_count") or "").strip()
        old = current.get("victims") or {}
        if raw or old:
            count = int(raw) if raw.isdigit() else None
            new["victims"] = dict(old, count=count, count_min=None if count else old.get("count_min"),
                                  count_max=None if count else old.get("count_max"),
                                  group=form.get("victims_group") or old.get("group"))  # fmt: skip
    if "punishment_type" in form:
        kind, years = form.get("punishment_type") or None, _number(form, "punishment_years")
        new["punishment"] = {"type": kind, "years": years} if kind else None
    if "law" in form:
        new["law"] = form.get("law") or None  # checked against the laws dictionary by ops.correct
    for name in ("value", "value_min", "value_max"):
        if name in form:
            new[name] = _number(form, name)
    for name in ("unit", "period"):
        if name in form:
            new[name] = (form.get(name) or "").strip()[:32] or None
    new["hedged"] = form.get("hedged") == "on" if "hedged_present" in form else current.get("hedged")
    return {k: v for k, v in new.items() if v != current.get(k)}


def _number(form: Any, name: str) -> float | int | None:
    """A number typed into a form ("2,000", "1.5", " 60 "), or None when empty; BadParameter when not one."""
    raw = (form.get(name) or "").strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    if not raw:
        return None
    try:
        v = float(raw)
    except ValueError:
        raise BadParameter(f"{name.replace('_', ' ')}: {raw[:40]!r} is not a number") from None
    if not math.isfinite(v) or v < 0:
        raise BadParameter(f"{name.replace('_', ' ')}: give a number of zero or more")
    return int(v) if v.is_integer() else v


@router.post("/review/claims/{claim_id}/correct")
async def correct_claim(request: Request, claim_id: str, p: Principal = REVIEW) -> Response:
    cid = _claim_id(request, claim_id)
    form = await read_form(request)
    with web_state(request).store.session() as s:
        current = get_claim(s, cid).to_dict()
    changes = corrections(form, current)
    note = (form.get("note") or "").strip()[:500] or None if isinstance(form.get("note"), str) else None
    if changes:
        _run(request, ops.correct, cid, changes, actor=actor(p), note=note)
    else:
        _run(request, ops.confirm, cid, actor=actor(p), note=note or "checked, no change")
    return _answer(request, p, cid, "Corrected" if changes else "Confirmed (no change)")


def _incident_id(request: Request, ident: str) -> str:
    with web_state(request).store.session() as s:
        return get_incident(s, ident).id


@router.post("/incidents/{incident_id}/merge")
async def merge_incidents(request: Request, incident_id: str, p: Principal = REVIEW) -> Response:
    form = await read_form(request)
    keep = _incident_id(request, incident_id)
    other = _incident_id(request, str(form.get("other") or "").strip() or "-")
    if form.get("confirmed") != "yes":  # a merge happens only from its confirmation page (nkwatch.web.decide)
        return redirect(request, f"/incidents/{keep}/merge?other={other}")
    with web_state(request).store.session() as s:
        was_public = "publishable" in {i.status for i in (s.get(Incident, keep), s.get(Incident, other)) if i}
    inc = _run(request, ops.merge, keep, other, actor=actor(p))
    back = " It no longer passes the publication rule, so it is back in review." if (
        was_public and inc.status != "publishable") else ""  # fmt: skip
    return redirect(request, f"/incidents/{keep}", f"Merged {other} into this incident ({inc.n_claims} claims).{back}")


@router.post("/incidents/{incident_id}/split")
async def split_incident(request: Request, incident_id: str, p: Principal = REVIEW) -> Response:
    form = await read_form(request)
    iid = _incident_id(request, incident_id)
    ids = [str(v) for v in form.getlist("claim_ids")]
    new = _run(request, ops.split, iid, ids, actor=actor(p))
    return redirect(request, f"/incidents/{new.id}", f"Split {len(ids)} claim(s) off {iid} into this new incident")


@router.post("/incidents/{incident_id}/publish")
async def publish_incident(request: Request, incident_id: str, p: Principal = REVIEW) -> Response:
    iid = _incident_id(request, incident_id)
    note = await _note(request)
    if not note:  # publishing asks for a note: the confirmation page (nkwatch.web.decide) has the field
        return redirect(request, f"/incidents/{iid}/publish", "Publishing asks for a note")
    _run(request, ops.publish, iid, actor=actor(p), note=note)
    return redirect(request, f"/incidents/{iid}", "Marked publishable: public mode and public exports now show it")
