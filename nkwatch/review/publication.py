"""When an incident may be published, and taking it back (withdrawal).

The publication rule (NKWATCH_PUBLISH_RULE, default `sources`):

- `sources` (the default): a person has confirmed (or corrected) at least one claim from each independent
  source the incident counts (copies of one original are one source), and no possible duplicate or conflict
  proposed on it is still open (a reviewer merged it or said "different incidents");
- `one`: at least one claim of it is confirmed, and no proposal is open on it.

Either way the disclosure check for testimony (nkwatch.vault.disclosure) must pass too. There is no setting that
publishes machine output unchecked; an unknown value refuses every publication and says why.

Withdrawing (unpublishing) a published incident sets its status to `withdrawn`, with a reason, in the audit
log; its public page then says only that it was withdrawn, and when.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nkwatch.link.attribution import independence_groups
from nkwatch.review.audit import append
from nkwatch.store.models import AuditEntry, Claim, DuplicateProposal, Incident, Source

ENV_RULE = "NKWATCH_PUBLISH_RULE"
RULES = {"sources": "a confirmed claim from each independent source, and no open proposal",
         "one": "at least one confirmed claim, and no open proposal"}  # fmt: skip
DEFAULT_RULE = "sources"
WITHDRAWN = "withdrawn"


class PublicationError(ValueError):
    """Raised for a refused publication or withdrawal; the message says exactly what is missing."""


def rule() -> str:
    """The publication rule in force (NKWATCH_PUBLISH_RULE, else the default)."""
    return (os.environ.get(ENV_RULE) or DEFAULT_RULE).strip().lower()


@dataclass
class Check:
    """What publishing one incident needs, and what it still lacks."""

    rule: str
    sources: list[dict[str, Any]] = field(default_factory=list)  # one per independent source: name, confirmed
    proposals: list[dict[str, Any]] = field(default_factory=list)  # open proposals: id, other, conflict
    confirmed_claims: int = 0
    disclosure: str | None = None  # the disclosure check's refusal, if any
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _names(titles: list[str]) -> str:
    return ", ".join(titles)


def open_proposals(s: Session, iid: str) -> list[dict[str, Any]]:
    """Open possible-duplicate or conflict proposals on this incident whose other incident still exists."""
    out = []
    for p in s.scalars(select(DuplicateProposal).where(
            or_(DuplicateProposal.incident_a == iid, DuplicateProposal.incident_b == iid),
            DuplicateProposal.status == "open").order_by(DuplicateProposal.id)):  # fmt: skip
        other = p.incident_b if p.incident_a == iid else p.incident_a
        if s.get(Incident, other) is not None:
            out.append({"id": p.id, "other": other, "conflict": p.conflict})
    return out


def check(s: Session, inc: Incident) -> Check:
    """Everything the rule asks of `inc`, with what is missing in words a reviewer can act on."""
    from nkwatch.vault.disclosure import publish_refusal

    chosen = rule()
    out = Check(rule=chosen)
    if chosen not in RULES:
        out.problems.append(f"{ENV_RULE}={chosen!r} is not a publication rule (rules: {', '.join(RULES)}); "
                            "nothing is published until it is one")  # fmt: skip
        return out
    claims = list(s.scalars(select(Claim).where(Claim.incident_id == inc.id, Claim.status != "rejected")))
    ids = sorted({c.source_id for c in claims})
    srcs = {x.id: x for x in s.scalars(select(Source).where(Source.id.in_(ids)))} if ids else {}
    groups = independence_groups([(x.id, x.derived_from, x.derivation) for x in srcs.values()])
    confirmed_groups = {groups.get(c.source_id, c.source_id) for c in claims if c.status == "reviewed"}
    out.confirmed_claims = sum(1 for c in claims if c.status == "reviewed")
    members: dict[str, list[Source]] = {}
    for x in sorted(srcs.values(), key=lambda x: ((x.title or "").lower(), x.id)):
        members.setdefault(groups.get(x.id, x.id), []).append(x)
    for g, xs in sorted(members.items(), key=lambda kv: ((kv[1][0].title or "").lower(), kv[0])):
        name = xs[0].title or xs[0].id[:12]
        if len(xs) > 1:
            name += f" (and {len(xs) - 1} cop{'y' if len(xs) == 2 else 'ies'})"
        out.sources.append({"name": name, "source_ids": [x.id for x in xs], "confirmed": g in confirmed_groups})
    missing = [x["name"] for x in out.sources if not x["confirmed"]]
    if chosen == "sources" and missing:
        n = len(out.sources)
        verb = "has" if len(missing) == 1 else "have"
        what = "independent source" if n == 1 else "independent sources"
        out.problems.append(f"{len(missing)} of {n} {what} {verb} no confirmed claim: {_names(missing)}")
    elif chosen == "one" and not out.confirmed_claims:
        out.problems.append(f"none of its {len(claims)} claims is confirmed")
    out.proposals = open_proposals(s, inc.id)
    if out.proposals:
        listed = ", ".join(f"{p['other']} (differs on {p['conflict']})" for p in out.proposals)
        n = len(out.proposals)
        out.problems.append(f"{n} proposal{'s are' if n > 1 else ' is'} still open on it: possible duplicate of "
                            f"{listed}; merge or mark as different incidents first")  # fmt: skip
    out.disclosure = publish_refusal(s, inc)
    if out.disclosure:
        out.problems.append(out.disclosure)
    return out


def refusal(s: Session, inc: Incident) -> str | None:
    """Why `inc` may not be published now (one sentence naming everything missing), or None."""
    c = check(s, inc)
    return None if c.ok else "Not publishable: " + "; ".join(c.problems)


def withdrawn_at(s: Session, iid: str) -> str | None:
    """When the incident was last withdrawn (ISO, UTC), from the audit log; None if it never was."""
    return s.scalar(select(AuditEntry.at).where(AuditEntry.target_id == iid, AuditEntry.action == "incident.unpublish")
                    .order_by(AuditEntry.seq.desc()).limit(1))  # fmt: skip


def unpublish(s: Session, iid: str, *, actor: str, reason: str) -> Incident:
    """Take a published incident back: status `withdrawn`, the reason in the audit log. Withdrawing one already
    withdrawn changes and records nothing; one never published is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise PublicationError("give a reason for withdrawing it (it goes into the audit log)")
    inc = s.get(Incident, iid)
    if inc is None:
        raise PublicationError(f"no incident with id {iid!r}")
    if inc.status == WITHDRAWN:
        return inc
    if inc.status != "publishable":
        raise PublicationError(f"incident {iid} is not published (status {inc.status}): nothing to withdraw")
    before = {"id": inc.id, "status": inc.status, "confidence": inc.confidence}
    inc.status = WITHDRAWN
    s.flush()
    append(s, actor=actor, action="incident.unpublish", target_type="incident", target_id=iid, before=before,
           after={"id": inc.id, "status": inc.status, "reason": reason[:500]})  # fmt: skip
    return inc


def after_merge(s: Session, target: Incident, gone_id: str) -> None:
    """After `gone_id` was merged into `target`: the proposal between them is settled ("merged"), proposals
    between the one merged away and others now concern `target`, and a published result that no longer passes
    the rule (the claims it gained are unchecked) goes back to review instead of staying public."""
    for p in s.scalars(select(DuplicateProposal).where(
            or_(DuplicateProposal.incident_a == gone_id, DuplicateProposal.incident_b == gone_id))):  # fmt: skip
        other = p.incident_b if p.incident_a == gone_id else p.incident_a
        if other == target.id:
            if p.status == "open":
                p.status = "merged"
        else:
            p.incident_a, p.incident_b = min(other, target.id), max(other, target.id)
    s.flush()
    if target.status == "publishable" and refusal(s, target):
        target.status = "machine"
        s.flush()
