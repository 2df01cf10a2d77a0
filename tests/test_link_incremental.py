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


def test_a_stored_vague_claim_keeps_the_partner_a_full_run_chose(store):
    """A claim dated only to a year joins its single best partner. An incremental run scores only pairs with a
    new claim, so for a stored claim the new one is often its only pair there: it must not be pulled away from
    the partner a full run chose (which merged two stored incidents through one new report)."""
    from .factory import add_claim, add_source

    def add(name: str, text: str) -> str:
        return add_claim(store, add_source(store, name, text), text, act="arrest", when="2019", precision="year",
                         place="kp-hyesan")  # fmt: skip

    phones = "In 2019 police in Hyesan arrested smugglers of Chinese mobile phones near the river"
    dramas = "Hyesan security officials detained students caught watching South Korean dramas in 2019"
    y1, y2 = add("y1", phones + "."), add("y2", phones + ", a source said.")
    z1, z2 = add("z1", dramas + "."), add("z2", dramas + ", a resident said.")
    link(store, full=True)
    a, b = {incident_of(store, y1), incident_of(store, y2)}, {incident_of(store, z1), incident_of(store, z2)}
    assert len(a) == len(b) == 1 and a != b
    x = add("x", phones + " and sentenced them, an activist said.")
    link(store)
    assert incident_of(store, x) in a
    assert {incident_of(store, z1), incident_of(store, z2)} == b  # the other incident is left as it was
    link(store, full=True)  # and a full run agrees
    assert incident_of(store, x) == incident_of(store, y1) != incident_of(store, z1) == incident_of(store, z2)


def incident_of(store, cid: str) -> str | None:  # noqa: ANN001
    with store.session() as s:
        return s.get(Claim, cid).incident_id
