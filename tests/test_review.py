"""Review operations on both backends: each is applied, audited, and survives machine re-linking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nkwatch.link.run import link
from nkwatch.review import ops
from nkwatch.review.audit import entries, verify
from nkwatch.store.models import Claim, ClaimRevision, Incident

from .factory import add_claim, add_source, publish_checked

TEXT = "On 9 October 2023 China forcibly repatriated more than 500 North Koreans."
OTHER = "About 600 North Koreans were sent back by China in October 2023."


@pytest.fixture
def linked(store):
    a = add_source(store, "a", TEXT)
    b = add_source(store, "b", OTHER)
    ca = add_claim(store, a, TEXT, when="2023-10-09", precision="day", count=500)
    cb = add_claim(store, b, OTHER, when="2023-10", count=600)
    link(store)
    return store, ca, cb


def _incident(store, cid):
    with store.session() as s:
        return s.get(Claim, cid).incident_id


def test_confirm_and_correct_keep_the_machine_values(linked):
    store, ca, _ = linked
    with store.session() as s:
        ops.confirm(s, ca, actor="alice")
    with store.session() as s:
        ops.correct(s, ca, {"hedged": True, "when": {"start": "2023-10-08", "end": "2023-10-08",
                                                    "precision": "day"}}, actor="bob", note="RFA says 8th")  # fmt: skip
    with store.session() as s:
        c = s.get(Claim, ca)
        assert c.status == "reviewed" and c.hedged is True and c.when["start"] == "2023-10-08"
        (rev,) = s.scalars(select(ClaimRevision).where(ClaimRevision.claim_id == ca)).all()
        assert rev.before["when"]["start"] == "2023-10-09" and rev.before["hedged"] is False  # kept
        assert [h.actor for h in c.history] == ["alice", "bob"]
        inc = s.get(Incident, c.incident_id)
        assert inc.confidence_breakdown["review_bonus"] > 0
        log = entries(s)
        assert [e.action for e in log] == ["claim.correct", "claim.confirm"]
        assert verify(s).ok


def test_bad_corrections_are_refused(linked):
    store, ca, _ = linked
    with store.session() as s, pytest.raises(ops.ReviewError, match="act"):
        ops.correct(s, ca, {"act": "beheading"}, actor="bob")
    with store.session() as s, pytest.raises(ops.ReviewError, match="cannot correct"):
        ops.correct(s, ca, {"quote": "something else"}, actor="bob")
    with store.session() as s, pytest.raises(ops.ReviewError, match="no claim"):
        ops.confirm(s, "nope", actor="bob")
    with store.session() as s:
        assert s.get(Claim, ca).status == "machine" and not entries(s)  # nothing half-done


def test_reject_removes_a_claim_for_good(linked):
    store, ca, cb = linked
    with store.session() as s:
        ops.reject(s, cb, actor="alice", note="not about this event")
    link(store, full=True)
    with store.session() as s:
        c = s.get(Claim, cb)
        assert c.status == "rejected" and c.incident_id is None
        assert s.get(Incident, _incident(store, ca)).n_claims == 1


def test_split_and_merge_survive_relinking(linked):
    store, ca, cb = linked
    iid = _incident(store, ca)
    assert iid == _incident(store, cb)
    with store.session() as s:
        new = ops.split(s, iid, [cb], actor="alice")
        new_id = new.id
    link(store, full=True)
    assert _incident(store, ca) == iid and _incident(store, cb) == new_id  # the machine did not rejoin them
    with store.session() as s:
        ops.merge(s, iid, new_id, actor="bob")
    link(store, full=True)
    assert _incident(store, ca) == _incident(store, cb) == iid
    with store.session() as s:
        assert s.get(Incident, new_id) is None
        assert [e.action for e in entries(s)] == ["incident.merge", "incident.split"]
        assert verify(s).ok


def test_publish_locks_the_incident(linked):
    store, ca, _ = linked
    iid = _incident(store, ca)
    with store.session() as s:
        publish_checked(s, iid, actor="carol")
    link(store, full=True)
    with store.session() as s:
        inc = s.get(Incident, iid)
        assert inc.status == "publishable"
        assert all(c.link_locked for c in s.scalars(select(Claim).where(Claim.incident_id == iid)))
    with store.session() as s, pytest.raises(ops.ReviewError):
        ops.split(s, iid, [], actor="carol")


def test_a_decision_made_twice_is_recorded_once(linked):
    store, ca, cb = linked
    iid = _incident(store, ca)
    for _ in range(2):
        with store.session() as s:
            ops.confirm(s, ca, actor="alice", note="checked")
        with store.session() as s:
            ops.reject(s, cb, actor="alice")
        with store.session() as s:
            ops.publish(s, iid, actor="carol")
    with store.session() as s:
        assert [e.action for e in entries(s)] == ["incident.publish", "claim.reject", "claim.confirm"]
        assert [h.status for h in s.get(Claim, ca).history] == ["reviewed"]
        assert [h.status for h in s.get(Claim, cb).history] == ["rejected"]
        assert ops.already(s, "confirm", ca) and ops.already(s, "reject", cb) and ops.already(s, "publish", iid)
        assert not ops.already(s, "reject", ca) and not ops.already(s, "confirm", cb)
        assert verify(s).ok


def test_a_merge_across_two_acts_survives_a_full_relink(store):
    a = add_source(store, "a", "A court sentenced three men to death in Hyesan in March 2023.")
    b = add_source(store, "b", "Three men were publicly executed in Hyesan in March 2023.")
    ca = add_claim(store, a, "A court sentenced three men to death in Hyesan in March 2023", act="sentence",
                   when="2023-03", count=3, perpetrator="court")  # fmt: skip
    cb = add_claim(store, b, "Three men were publicly executed in Hyesan in March 2023", act="execution",
                   when="2023-03", count=3, perpetrator="dprk_state")  # fmt: skip
    link(store)
    ia, ib = _incident(store, ca), _incident(store, cb)
    assert ia != ib  # a sentence and the execution that follows are two incidents for the machine
    with store.session() as s:
        ops.merge(s, ia, ib, actor="alice")  # a person decides otherwise
    link(store, full=True)
    assert _incident(store, ca) == _incident(store, cb) == ia
    with store.session() as s:
        assert s.get(Incident, ia).n_claims == 2


def test_an_arrest_and_the_detention_that_follows_are_one_incident(store):
    a = add_source(store, "a", "Police arrested 12 North Koreans in Shenyang in March 2023.")
    b = add_source(store, "b", "Twelve North Koreans were held in a Shenyang detention centre in March 2023.")
    ca = add_claim(store, a, "Police arrested 12 North Koreans in Shenyang in March 2023", act="arrest",
                   when="2023-03", count=12, place="cn-shenyang")  # fmt: skip
    cb = add_claim(store, b, "Twelve North Koreans were held in a Shenyang detention centre in March 2023",
                   act="detention", when="2023-03", count=12, place="cn-shenyang")  # fmt: skip
    link(store)
    assert _incident(store, ca) == _incident(store, cb)
