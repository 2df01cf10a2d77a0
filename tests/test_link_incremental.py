"""An incremental link reads only the stored claims in the new claims' blocks (act, month, places that can
be the same), so it often holds just part of a stored incident. What it writes must still be whole: no claim
left pointing at an incident it merged away, no incident counted from part of its claims."""

from __future__ import annotations

from sqlalchemy import func, select

from nkwatch.link.run import link
from nkwatch.store.models import Claim, Incident

from .test_link_workers import generate


def _inconsistencies(store) -> tuple[int, int]:  # noqa: ANN001
    with store.session() as s:
        dangling = s.scalar(select(func.count()).select_from(Claim).where(
            Claim.incident_id.is_not(None), ~select(Incident.id).where(Incident.id == Claim.incident_id).exists()))
        members = (select(func.count()).select_from(Claim)
                   .where(Claim.incident_id == Incident.id, Claim.status != "rejected").scalar_subquery())
        miscounted = s.scalar(select(func.count()).select_from(Incident).where(Incident.n_claims != members))
    return dangling, miscounted  # fmt: skip


def test_an_incremental_link_keeps_every_incident_whole(store, db_url):
    generate(db_url, 5000, seed=1)
    link(store, full=True, workers=0)
    assert _inconsistencies(store) == (0, 0)
    generate(db_url, 300, seed=2, new=True)  # new claims that join, and merge, stored incidents
    report = link(store)
    assert report.assigned > 300 and report.removed > 0  # stored incidents were merged, not only joined
    assert _inconsistencies(store) == (0, 0)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Claim).where(Claim.incident_id.is_(None))) == 0
