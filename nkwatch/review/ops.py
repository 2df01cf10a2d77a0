"""Review operations: people confirm, correct or reject claims; merge, split or publish incidents, or say which
earlier incident one is a sequel of.

Every operation that changes something writes one entry to the hash-chained audit log (who, when, what, before,
after) in the same transaction as the change itself. A correction supersedes the machine's values and keeps them
(ClaimRevision.before); merges, splits and publishing lock the claims involved so that machine re-linking
never undoes them. Confirming a claim already reviewed, rejecting one already rejected and publishing an
incident already publishable change nothing and write nothing (a second click, a retried request); `already`
tells a caller beforehand that this will be so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nkwatch import vocab
from nkwatch.extract.dictionaries import law_names
from nkwatch.link.incidents import incident_id as new_incident_id
from nkwatch.link.run import refresh_incidents
from nkwatch.review import publication
from nkwatch.review.audit import append
from nkwatch.store.models import Claim, ClaimRevision, ClaimStatusChange, Incident, LinkConstraint

# Fields a reviewer may correct, and the vocabulary each must be in (None: free value).
CORRECTABLE = {"kind": "claim_kinds", "act": "acts", "grounds": "grounds", "when": None, "where": None,
               "perpetrator": None, "victims": None, "punishment": None, "law": None, "hedged": None,
               "indicator": "indicators", "value": None, "value_min": None, "value_max": None, "unit": None,
               "period": None}  # fmt: skip


class ReviewError(ValueError):
    """An operation that cannot be done as asked; the message says why."""


def _claim(s: Session, claim_id: str) -> Claim:
    c = s.get(Claim, claim_id)
    if c is None:
        raise ReviewError(f"no claim with id {claim_id!r}")
    return c


def _incident(s: Session, iid: str) -> Incident:
    i = s.get(Incident, iid)
    if i is None:
        raise ReviewError(f"no incident with id {iid!r}")
    return i


def _fields(c: Claim) -> dict[str, Any]:
    return {k: getattr(c, k) for k in Claim.FIELDS} | {"status": c.status, "incident_id": c.incident_id}


def _set_status(s: Session, c: Claim, status: str, actor: str, note: str | None) -> None:
    c.status = status
    s.add(ClaimStatusChange(claim_id=c.id, status=status, actor=actor, note=note))


# operation -> the state it leaves behind; doing it again in that state is a no-op
DONE = {"confirm": "reviewed", "reject": "rejected", "publish": "publishable"}


def already(s: Session, op: str, ident: str) -> bool:
    """Whether `op` (confirm, reject or publish) on this claim or incident would change nothing: it is in the
    state the operation leaves (confirmed, rejected, publishable), so no second audit entry would be written."""
    row = _incident(s, ident) if op == "publish" else _claim(s, ident)
    return row.status == DONE[op]


def confirm(s: Session, claim_id: str, *, actor: str, note: str | None = None) -> Claim:
    """A person vouches for the claim as extracted; a claim already reviewed stays as it is (nothing recorded)."""
    c = _claim(s, claim_id)
    if c.status == DONE["confirm"]:
        return c
    before = _fields(c)
    _set_status(s, c, "reviewed", actor, note)
    refresh_incidents(s, {c.incident_id})
    append(s, actor=actor, action="claim.confirm", target_type="claim", target_id=c.id, before=before,
           after=_fields(c))  # fmt: skip
    return c


def correct(s: Session, claim_id: str, changes: dict[str, Any], *, actor: str, note: str | None = None) -> Claim:
    """Replace some fields with a person's values; the values replaced are kept in a ClaimRevision."""
    if not changes:
        raise ReviewError("nothing to correct: give at least one field")
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise ReviewError(f"cannot correct {', '.join(unknown)}: correctable fields are {', '.join(CORRECTABLE)}")
    for name, value in changes.items():
        if CORRECTABLE[name] and value is not None:
            try:
                vocab.check(CORRECTABLE[name], value, field=name)
            except ValueError as e:
                raise ReviewError(str(e)) from e
    law = changes.get("law")
    if law is not None and law not in law_names():
        raise ReviewError(f"law: {str(law)[:40]!r} is not a law the dictionary knows")
    c = _claim(s, claim_id)
    before = _fields(c)
    current = {k: getattr(c, k) for k in Claim.FIELDS}
    c.set_fields(current | changes)
    s.add(ClaimRevision(claim_id=c.id, actor=actor, before={k: before[k] for k in changes},
                        after=dict(changes), note=note))  # fmt: skip
    _set_status(s, c, "reviewed", actor, note or f"corrected {', '.join(sorted(changes))}")
    refresh_incidents(s, {c.incident_id})
    append(s, actor=actor, action="claim.correct", target_type="claim", target_id=c.id, before=before,
           after=_fields(c))  # fmt: skip
    return c


def reject(s: Session, claim_id: str, *, actor: str, note: str | None = None) -> Claim:
    """The claim is wrong (not asserted, misread); it leaves its incident but stays on record. Rejecting it again
    changes and records nothing."""
    c = _claim(s, claim_id)
    if c.status == DONE["reject"]:
        return c
    before = _fields(c)
    old_incident = c.incident_id
    _set_status(s, c, "rejected", actor, note)
    c.incident_id = None
    c.link_locked = True  # the machine must not link it again
    refresh_incidents(s, {old_incident})
    append(s, actor=actor, action="claim.reject", target_type="claim", target_id=c.id, before=before,
           after=_fields(c))  # fmt: skip
    return c


def _claims_of(s: Session, iid: str) -> list[Claim]:
    return list(s.scalars(select(Claim).where(Claim.incident_id == iid).order_by(Claim.id)))


def merge(s: Session, keep: str, other: str, *, actor: str) -> Incident:
    """Put every claim of `other` into `keep`; both sets are locked there for good."""
    if keep == other:
        raise ReviewError("an incident cannot be merged with itself")
    target, gone = _incident(s, keep), _incident(s, other)
    before = {"keep": _incident_summary(s, target), "other": _incident_summary(s, gone)}
    moved = _claims_of(s, other)
    ids_keep = {c.id for c in _claims_of(s, keep)}
    for c in moved:
        c.incident_id = keep
    for c in _claims_of(s, keep):
        c.link_locked = True
    # Undo earlier splits between these claims: a person now says they belong together.
    all_ids = ids_keep | {c.id for c in moved}
    for con in s.scalars(select(LinkConstraint).where(LinkConstraint.kind == "cannot")):
        if con.claim_a in all_ids and con.claim_b in all_ids:
            s.delete(con)
    if gone.status != "machine" and target.status == "machine":
        target.status = gone.status
    target.sequel_of = target.sequel_of or gone.sequel_of
    for later in s.scalars(select(Incident).where(Incident.sequel_of == other)):
        later.sequel_of = keep if later.id != keep else None  # sequels of the merged one follow the one kept
    if target.sequel_of == keep:
        target.sequel_of = None
    s.delete(gone)
    s.flush()
    refresh_incidents(s, {keep})
    publication.after_merge(s, target, other)  # proposals follow; a published result must pass the rule again
    append(s, actor=actor, action="incident.merge", target_type="incident", target_id=keep, before=before,
           after=_incident_summary(s, target))  # fmt: skip
    return target


def split(s: Session, iid: str, claim_ids: list[str], *, actor: str) -> Incident:
    """Move some claims of an incident to a new incident; the machine will never join the two groups again."""
    source = _incident(s, iid)
    members = {c.id: c for c in _claims_of(s, iid)}
    wanted = list(dict.fromkeys(claim_ids))
    missing = [c for c in wanted if c not in members]
    if missing:
        raise ReviewError(f"claims {', '.join(missing)} are not in incident {iid}")
    if not wanted or len(wanted) == len(members):
        raise ReviewError("split off some claims, not none or all of them")
    before = _incident_summary(s, source)
    new_id = new_incident_id(wanted)
    if s.get(Incident, new_id) is not None:
        new_id = new_incident_id([f"{new_id}:{c}" for c in wanted])
    for cid in wanted:
        members[cid].incident_id = new_id
    for c in members.values():
        c.link_locked = True
    rest = [c for c in members if c not in wanted]
    for a in wanted:
        for b in rest:
            s.add(LinkConstraint(claim_a=a, claim_b=b, kind="cannot", actor=actor))
    s.flush()
    refresh_incidents(s, {iid, new_id})
    created = _incident(s, new_id)
    append(s, actor=actor, action="incident.split", target_type="incident", target_id=iid, before=before,
           after={"kept": _incident_summary(s, source), "split_off": _incident_summary(s, created)})  # fmt: skip
    return created


def publish(s: Session, iid: str, *, actor: str, note: str | None = None) -> Incident:
    """Mark an incident publishable; its claims are locked so the published grouping cannot drift.

    Refused unless the publication rule holds (nkwatch.review.publication: a confirmed claim from each
    independent source, no open proposal), which includes the disclosure check for testimony (at least k
    witnesses in the vault share the place, date and act it would show). The note goes into the audit entry.
    Publishing it again changes and records nothing."""
    inc = _incident(s, iid)
    if inc.status == DONE["publish"]:
        return inc  # already publishable: nothing to check, change or record
    why = publication.refusal(s, inc)
    if why:
        raise ReviewError(why)
    before = _incident_summary(s, inc)
    inc.status = "publishable"
    for c in _claims_of(s, iid):
        c.link_locked = True
    refresh_incidents(s, {iid})
    after = _incident_summary(s, inc) | ({"note": note.strip()[:500]} if note and note.strip() else {})
    append(s, actor=actor, action="incident.publish", target_type="incident", target_id=iid, before=before,
           after=after)  # fmt: skip
    return inc


def sequel(s: Session, iid: str, earlier: str | None, *, actor: str) -> Incident:
    """Say that incident `iid` is a sequel of `earlier` (a later sentence, execution, release or repatriation of
    the same people), or with earlier=None that it is no sequel. The choice is kept as a LinkConstraint on a claim
    of each, and their claims are locked (their incident ids then survive re-linking), so the machine keeps it."""
    inc = _incident(s, iid)
    if earlier is not None:
        if earlier == iid:
            raise ReviewError("an incident cannot be a sequel of itself")
        _incident(s, earlier)
        chain, step = [], earlier
        while step is not None and step not in chain:  # refuse a cycle: iid must not come before `earlier`
            if step == iid:
                raise ReviewError(f"{earlier} is already (through its own sequel links) a sequel of {iid}")
            chain.append(step)
            step = s.scalar(select(Incident.sequel_of).where(Incident.id == step))
    before = {"id": iid, "sequel_of": inc.sequel_of}
    mine = _claims_of(s, iid)
    theirs = _claims_of(s, earlier) if earlier else []
    if not mine or (earlier and not theirs):
        raise ReviewError("an incident without claims cannot take part in a sequel link")
    for c in mine + theirs:
        c.link_locked = True
    ids = [c.id for c in mine]
    for con in s.scalars(select(LinkConstraint).where(LinkConstraint.kind.in_(("sequel", "nosequel")),
                                                      LinkConstraint.claim_a.in_(ids))):  # fmt: skip
        s.delete(con)  # the newest decision replaces the earlier ones
    s.add(LinkConstraint(claim_a=ids[0], claim_b=theirs[0].id if theirs else "",
                         kind="sequel" if earlier else "nosequel", actor=actor))  # fmt: skip
    inc.sequel_of = earlier
    s.flush()
    append(s, actor=actor, action="incident.sequel" if earlier else "incident.sequel_clear", target_type="incident",
           target_id=iid, before=before, after={"id": iid, "sequel_of": earlier})  # fmt: skip
    return inc


def _incident_summary(s: Session, inc: Incident) -> dict[str, Any]:
    return {"id": inc.id, "status": inc.status, "claim_ids": [c.id for c in _claims_of(s, inc.id)],
            "confidence": inc.confidence}  # fmt: skip
