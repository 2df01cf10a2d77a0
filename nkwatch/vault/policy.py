"""What an audience outside the organisation may see of testimony: one gate for pages, API and reports.

Exports are gated by nkwatch.vault.guard (inside nkwatch.export's writers). The public mode of the web app
shows incidents as pages, not as an export, so it asks here, and the answer is the export's answer computed
from the current claims, consents and witnesses at read time: an incident is withheld whole when

- it holds a claim from a testimony whose witness's *current* consent does not cover the audience, or
- it holds testimony claims and the disclosure check (nkwatch.vault.disclosure: at least k witnesses share
  its act, place and date) does not pass as it stands. The export may still send a generalised version of it
  (province instead of town, year instead of day); a page shows the incident's own facts, so it shows none.

Read on every request (the web caches it per change of the store), so a claim that joins a published incident
later, or a consent withdrawn after publication, applies at once. Testimony claims of an incident that is shown
pass the claim-level check of the export (`visible_claims`) before their quotes are shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from nkwatch.store.models import Claim, Incident
from nkwatch.vault import disclosure
from nkwatch.vault.errors import ConsentError
from nkwatch.vault.records import blocked_sources

PUBLIC, INTERNAL = "public", "internal"
_BODY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._\-]{0,63}")

__all__ = ["INTERNAL", "PUBLIC", "audience", "blocked_sources", "incident_clause", "incident_withheld",
           "visible_claims", "withheld_incidents", "withheld_reason"]


def audience(value: str | None) -> str:
    """A checked audience: "public" (the default), "internal", or the name of a body such as "OHCHR"."""
    v = (value or PUBLIC).strip()
    if v.casefold() in (PUBLIC, INTERNAL):
        return v.casefold()
    if not _BODY.fullmatch(v):
        raise ConsentError("the audience is 'public', 'internal' or the name of a body (letters, digits, "
                           "spaces, '.', '_' or '-', up to 64 characters), e.g. OHCHR")  # fmt: skip
    return v


def withheld_incidents(s: Session, who: str = PUBLIC, *, k: int = disclosure.K_DEFAULT) -> frozenset[str]:
    """Ids of the incidents `who` may not see (see the module's docstring). Costs one query without testimony."""
    blocked = blocked_sources(s, who)
    ids = set(s.scalars(select(Claim.incident_id).distinct().where(
        Claim.source_id.in_(list(blocked)), Claim.incident_id.is_not(None)))) if blocked else set()  # fmt: skip
    if who == INTERNAL:
        return frozenset(ids)
    by_source = disclosure.testimony_witnesses(s)
    if not by_source:
        return frozenset(ids)
    people = disclosure.population(s)
    told = select(Claim.incident_id).where(Claim.source_id.in_(list(by_source)), Claim.status != "rejected",
                                           Claim.incident_id.is_not(None))  # fmt: skip
    rows = s.execute(select(Incident.id, Incident.act, Incident.indicator, Incident.place_id, Incident.when_start)
                     .where(Incident.id.in_(told)))  # fmt: skip
    for iid, act, indicator, place_id, when_start in rows:
        shown = disclosure.Shown(act or indicator, place_id, when_start)
        if iid not in ids and not disclosure.check(shown, people, k=k, generalise=False).ok:
            ids.add(iid)
    return frozenset(ids)


def visible_claims(s: Session, claims: list[dict[str, Any]], who: str = PUBLIC, *,
                   k: int = disclosure.K_DEFAULT) -> list[dict[str, Any]]:  # fmt: skip
    """Claim objects (the spec's, as pages get them) without the testimony claims an export to `who` leaves
    out: a withheld consent, or a claim whose act, place and date fewer than k witnesses share."""
    by_source = disclosure.testimony_witnesses(s) if who != INTERNAL else {}
    if not by_source or not any(c["source_id"] in by_source for c in claims):
        return claims
    blocked, people = blocked_sources(s, who), disclosure.population(s)
    out = []
    for c in claims:
        if c["source_id"] in by_source:
            shown = disclosure.Shown(c.get("act") or c.get("indicator"), (c.get("where") or {}).get("place_id"),
                                     (c.get("when") or {}).get("start"))  # fmt: skip
            if c["source_id"] in blocked or not disclosure.check(shown, people, k=k, generalise=False).ok:
                continue
        out.append(c)
    return out


def incident_clause(withheld: Collection[str]) -> ColumnElement[bool] | None:
    """A WHERE clause leaving out the incidents `withheld` (withheld_incidents), or None when there are none."""
    if not withheld:
        return None
    return Incident.id.not_in(list(withheld))


def withheld_reason(s: Session, incident_id: str, who: str = PUBLIC) -> str | None:
    """Why `who` may not see this incident: "consent", "disclosure", or None when it may."""
    blocked = blocked_sources(s, who)
    told = select(Claim.id).where(Claim.incident_id == incident_id, Claim.source_id.in_(list(blocked)))
    if blocked and s.scalar(told.limit(1)) is not None:
        return "consent"
    return "disclosure" if incident_id in withheld_incidents(s, who) else None


def incident_withheld(s: Session, incident_id: str, who: str = PUBLIC) -> bool:
    """Whether `who` may not see this incident (withheld_incidents)."""
    return incident_id in withheld_incidents(s, who)
