"""A reviewer's decision on a proposal (a possible duplicate, or two incidents in conflict on one field):
merge them (nkwatch.review.ops.merge), or say they are different incidents.

"Different incidents" is kept against re-linking: every claim of one may never be linked with any claim of the
other (a `cannot` LinkConstraint for each pair, which clustering respects), the claims of both are locked in
their incidents (their ids survive re-linking), the proposal is closed with status `different`, and
`nkwatch link` does not propose the pair again (nkwatch.link.apart). The decision is one audit entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from nkwatch.review.audit import append
from nkwatch.review.ops import ReviewError
from nkwatch.store.models import Claim, DuplicateProposal, Incident, LinkConstraint

MAX_PAIRS = 20_000  # claim pairs stored for one decision; two incidents this big are a job for split first


def _claims(s: Session, iid: str) -> list[Claim]:
    return list(s.scalars(select(Claim).where(Claim.incident_id == iid).order_by(Claim.id)))


def proposals_between(s: Session, a: str, b: str) -> list[DuplicateProposal]:
    lo, hi = min(a, b), max(a, b)
    return list(s.scalars(select(DuplicateProposal).where(or_(
        and_(DuplicateProposal.incident_a == lo, DuplicateProposal.incident_b == hi),
        and_(DuplicateProposal.incident_a == hi, DuplicateProposal.incident_b == lo))).order_by(DuplicateProposal.id)))


def decided_different(s: Session, a: str, b: str) -> bool:
    """Whether a person has already said that these two incidents are different."""
    return any(p.status == "different" for p in proposals_between(s, a, b))


def different(s: Session, a: str, b: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    """Record that incidents `a` and `b` report different occurrences. Saying it again changes and records
    nothing (returns the decision with `already` true)."""
    if a == b:
        raise ReviewError("an incident cannot be different from itself")
    ia, ib = s.get(Incident, a), s.get(Incident, b)
    for iid, inc in ((a, ia), (b, ib)):
        if inc is None:
            raise ReviewError(f"no incident with id {iid!r}")
    out = {"incident": a, "other": b, "already": False}
    if decided_different(s, a, b):
        return out | {"already": True}
    ca, cb = _claims(s, a), _claims(s, b)
    if not ca or not cb:
        raise ReviewError("an incident without claims cannot take part in a decision")
    if len(ca) * len(cb) > MAX_PAIRS:
        raise ReviewError(f"{len(ca)} x {len(cb)} claims is too many pairs to keep apart; split them first")
    have = {(x.claim_a, x.claim_b) for x in s.scalars(select(LinkConstraint).where(
        LinkConstraint.kind == "cannot", LinkConstraint.claim_a.in_([c.id for c in ca])))}  # fmt: skip
    for x in ca:
        for y in cb:
            if (x.id, y.id) not in have:
                s.add(LinkConstraint(claim_a=x.id, claim_b=y.id, kind="cannot", actor=actor))
    for c in ca + cb:
        c.link_locked = True
    found = proposals_between(s, a, b)
    closed = [p.id for p in found if p.status == "open"]
    for p in found:
        if p.status == "open":
            p.status = "different"
    if not found:  # decided without a proposal: keep the decision where the linker looks for proposals
        s.add(DuplicateProposal(incident_a=min(a, b), incident_b=max(a, b), conflict="person", status="different",
                                detail={"decided_by": actor}))  # fmt: skip
    s.flush()
    after = {"different_from": b, "proposals_closed": closed, "claims": [len(ca), len(cb)]}
    if note and note.strip():
        after["note"] = note.strip()[:500]
    append(s, actor=actor, action="incident.different", target_type="incident", target_id=a,
           before={"id": a, "other": b, "proposals": [{"id": p.id, "conflict": p.conflict} for p in found]},
           after=after)  # fmt: skip
    return out | {"proposals_closed": closed}
