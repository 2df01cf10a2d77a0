"""The publication rule, withdrawal, and "different incidents" (issue 15): what a reviewer must have checked
before an incident goes public, how it is taken back, and a decision the linker keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from nkwatch.link.run import link
from nkwatch.review import decisions, ops, publication
from nkwatch.review.audit import entries, verify
from nkwatch.store.models import Claim, DuplicateProposal, Incident, LinkConstraint, Source

from .factory import add_claim, add_source, confirm_sources

TEXT = "On 9 October 2023 China forcibly repatriated more than 500 North Koreans."


def incident_of(store, cid):
    with store.session() as s:
        return s.get(Claim, cid).incident_id


@pytest.fixture
def three(store):
    """One incident told by three independent sources (and a copy of one of them), nothing confirmed."""
    ids = []
    for name in ("Alpha Daily", "Beta Weekly", "Gamma Report"):
        src = add_source(store, name, f"{name}: {TEXT}")
        ids.append(add_claim(store, src, TEXT, when="2023-10-09", precision="day", count=500))
    copy = add_source(store, "Alpha Daily (reprint)", f"Reprint. Alpha Daily: {TEXT}")
    ids.append(add_claim(store, copy, TEXT, when="2023-10-09", precision="day", count=500))
    with store.session() as s:
        alpha = s.scalar(select(Source.id).where(Source.title == "Alpha Daily"))
        s.get(Source, s.get(Claim, ids[3]).source_id).derived_from = alpha  # a copy: not independent
        s.get(Source, s.get(Claim, ids[3]).source_id).derivation = "near-duplicate 0.99"
    link(store)
    iid = incident_of(store, ids[0])
    assert {incident_of(store, c) for c in ids} == {iid}
    return store, iid, ids


def test_an_unchecked_incident_is_refused_with_what_is_missing(three):
    store, iid, ids = three
    with store.session() as s, pytest.raises(ops.ReviewError) as e:
        ops.publish(s, iid, actor="carol", note="looks fine")
    assert ("3 of 3 independent sources have no confirmed claim: Alpha Daily (and 1 copy), Beta Weekly, "
            "Gamma Report") in str(e.value)
    with store.session() as s:
        ops.confirm(s, ids[3], actor="alice")  # the reprint stands for its original: copies count once
    with store.session() as s, pytest.raises(ops.ReviewError, match="2 of 3 independent sources have no confirmed "
                                                                  "claim: Beta Weekly, Gamma Report"):  # fmt: skip
        ops.publish(s, iid, actor="carol")
    with store.session() as s:
        ops.confirm(s, ids[1], actor="alice")
        ops.confirm(s, ids[2], actor="alice")
    with store.session() as s:
        inc = ops.publish(s, iid, actor="carol", note="three sources checked against the originals")
        assert inc.status == "publishable"
    with store.session() as s:
        (e,) = [x for x in entries(s) if x.action == "incident.publish"]
        assert "three sources checked against the originals" in e.after and verify(s).ok


def test_the_review_bonus_comes_from_confirmations_not_from_publishing(three):
    store, iid, ids = three
    with store.session() as s:
        before = s.get(Incident, iid).confidence
        assert s.get(Incident, iid).confidence_breakdown["review_bonus"] == 0
        confirm_sources(s, iid)
    with store.session() as s:
        confirmed = s.get(Incident, iid).confidence
        assert confirmed == pytest.approx(before + 0.15, abs=0.001)
        ops.publish(s, iid, actor="carol", note="checked")
    for full in (False, True):
        link(store, full=full)
        with store.session() as s:
            assert s.get(Incident, iid).confidence == confirmed  # publishing (and re-linking) adds nothing
    with store.session() as s:  # a published incident whose confirmations are undone keeps no bonus
        for c in s.scalars(select(Claim).where(Claim.incident_id == iid)):
            c.status = "machine"
    link(store, full=True)
    with store.session() as s:
        assert s.get(Incident, iid).confidence == before


def test_the_rule_is_configurable_and_an_unknown_rule_publishes_nothing(three, monkeypatch):
    store, iid, ids = three
    monkeypatch.setenv("NKWATCH_PUBLISH_RULE", "whatever")
    with store.session() as s:
        confirm_sources(s, iid)
    with store.session() as s, pytest.raises(ops.ReviewError, match="not a publication rule"):
        ops.publish(s, iid, actor="carol")
    monkeypatch.setenv("NKWATCH_PUBLISH_RULE", "one")
    with store.session() as s:
        for c in s.scalars(select(Claim).where(Claim.incident_id == iid)):
            c.status = "machine"
    with store.session() as s, pytest.raises(ops.ReviewError, match="none of its 4 claims is confirmed"):
        ops.publish(s, iid, actor="carol")
    with store.session() as s:
        ops.confirm(s, ids[0], actor="alice")
    with store.session() as s:
        assert ops.publish(s, iid, actor="carol").status == "publishable"


def test_withdrawal_needs_a_reason_is_audited_and_can_be_undone(three):
    store, iid, _ = three
    with store.session() as s, pytest.raises(publication.PublicationError, match="not published"):
        publication.unpublish(s, iid, actor="carol", reason="mistake")
    with store.session() as s:
        confirm_sources(s, iid)
        ops.publish(s, iid, actor="carol", note="checked")
    with store.session() as s, pytest.raises(publication.PublicationError, match="give a reason"):
        publication.unpublish(s, iid, actor="carol", reason="  ")
    for _ in range(2):  # the second time changes and records nothing
        with store.session() as s:
            assert publication.unpublish(s, iid, actor="carol", reason="a source retracted").status == "withdrawn"
    link(store, full=True)
    with store.session() as s:
        assert s.get(Incident, iid).status == "withdrawn"
        log = [e for e in entries(s) if e.action == "incident.unpublish"]
        assert len(log) == 1 and "a source retracted" in log[0].after and log[0].actor == "carol"
        assert publication.withdrawn_at(s, iid) == log[0].at
        assert ops.publish(s, iid, actor="carol", note="the retraction was about another case").status == "publishable"


@pytest.fixture
def pair(store):
    """Two incidents that agree on everything but the month: proposed as possible duplicates."""
    a = add_source(store, "a", "China sent back 40 North Koreans in September 2023.")
    b = add_source(store, "b", "China sent back 40 North Koreans in August 2023.")
    x = add_claim(store, a, "China sent back 40 North Koreans in September 2023", when="2023-09", count=40)
    y = add_claim(store, b, "China sent back 40 North Koreans in August 2023", when="2023-08", count=40)
    link(store)
    ix, iy = incident_of(store, x), incident_of(store, y)
    assert ix != iy
    with store.session() as s:
        assert publication.open_proposals(s, ix)
    return store, ix, iy, x, y


def test_an_open_proposal_blocks_publication_until_decided(pair):
    store, ix, iy, _, _ = pair
    with store.session() as s:
        confirm_sources(s, ix)
    with store.session() as s, pytest.raises(ops.ReviewError, match=f"possible duplicate of {iy} .differs on when"):
        ops.publish(s, ix, actor="carol")
    with store.session() as s:
        decisions.different(s, ix, iy, actor="dana", note="different months, different crossings")
    with store.session() as s:
        assert ops.publish(s, ix, actor="carol", note="checked").status == "publishable"


def test_different_incidents_are_kept_apart_by_the_linker(pair):
    store, ix, iy, x, y = pair
    for _ in range(2):
        with store.session() as s:
            decisions.different(s, ix, iy, actor="dana")
    with store.session() as s:
        assert [e.action for e in entries(s)] == ["incident.different"]  # said twice, recorded once
        (p,) = s.scalars(select(DuplicateProposal)).all()
        assert p.status == "different"
        assert s.scalar(select(func.count()).select_from(LinkConstraint)) == 1
        # the stored proposal is gone (say, the ids changed): the decision alone keeps the pair from coming back
        s.execute(delete(DuplicateProposal))
    text = "China sent back 40 North Koreans in 2023."  # a vague claim that could join either
    add_claim(store, add_source(store, "c", text), text, when="2023", precision="year", count=40)
    link(store)
    link(store, full=True)
    assert incident_of(store, x) != incident_of(store, y)
    with store.session() as s:
        assert not s.scalars(select(DuplicateProposal).where(
            DuplicateProposal.incident_a.in_([ix, iy]), DuplicateProposal.incident_b.in_([ix, iy]))).all()
        assert s.get(Claim, x).link_locked and s.get(Claim, y).link_locked


def test_a_merge_settles_its_proposal_and_a_published_result_is_checked_again(pair):
    store, ix, iy, _, _ = pair
    with store.session() as s:
        confirm_sources(s, ix)
        decisions.different(s, ix, iy, actor="dana")
        ops.publish(s, ix, actor="carol", note="checked")
    # a reviewer changes their mind: it is the same crossing after all, and the merged incident is not all checked
    with store.session() as s:
        inc = ops.merge(s, ix, iy, actor="dana")
        assert inc.status == "machine"  # an unconfirmed source joined: back to review, not public
        with pytest.raises(ops.ReviewError, match="1 of 2 independent sources has no confirmed claim: b"):
            ops.publish(s, ix, actor="carol")
