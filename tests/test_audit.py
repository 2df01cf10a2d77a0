"""The hash-chained audit log: appends chain, and tampering done directly in SQL is found by verify.

Every store test runs on SQLite and PostgreSQL (the `store` fixture). Tampering goes through plain SQL,
as someone with write access to the database (not to nkwatch) would do it.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from nkwatch.review.audit import GENESIS, append, canonical, entries, entry_hash, head, verify
from nkwatch.store.models import AuditEntry


def _fill(store, n: int = 5) -> None:
    for i in range(1, n + 1):
        with store.session() as s:
            append(s, actor=f"reviewer{i % 2}", action="confirm", target_type="claim", target_id=f"c{i}",
                   before={"status": "machine"}, after={"status": "reviewed", "n": i})  # fmt: skip


def _sql(store, statement: str, **params) -> None:
    with store.session() as s:
        s.execute(text(statement), params)


def _verify(store, anchor=None):
    with store.session() as s:
        return verify(s, anchor=anchor)


def test_append_chains_entries(store) -> None:
    with store.session() as s:
        assert head(s) == (0, GENESIS)
        assert verify(s).ok
    _fill(store)
    with store.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert datetime.fromisoformat(rows[0].at).tzinfo is not None
        assert head(s) == (5, rows[-1].hash)
        result = verify(s, anchor=head(s))
    assert result.ok and result.checked == 5 and result.problems == []


def test_append_rolls_back_with_the_callers_transaction(store) -> None:
    _fill(store, 2)
    with pytest.raises(RuntimeError), store.session() as s:
        append(s, actor="r", action="reject", target_type="claim", target_id="c9", before=None, after=None)
        raise RuntimeError("the review change failed")
    with store.session() as s:
        assert head(s)[0] == 2
    _fill(store, 1)
    assert _verify(store).ok


def test_edited_after_is_reported(store) -> None:
    _fill(store)
    _sql(store, "UPDATE audit_log SET after = :v WHERE seq = 3", v='{"status":"publishable"}')
    result = _verify(store)
    assert not result.ok
    assert result.problems == ["entry 3 was edited: its hash does not match its content"]


def test_edited_actor_is_reported(store) -> None:
    _fill(store)
    _sql(store, "UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
    assert _verify(store).problems == ["entry 2 was edited: its hash does not match its content"]


def test_deleted_middle_entry_is_reported_missing(store) -> None:
    _fill(store)
    _sql(store, "DELETE FROM audit_log WHERE seq = 3")
    result = _verify(store)
    assert result.checked == 4
    assert result.problems == ["entry 3 is missing (sequence jumps from 2 to 4)"]


def test_deleted_first_entries_are_reported_missing(store) -> None:
    _fill(store)
    _sql(store, "DELETE FROM audit_log WHERE seq <= 2")
    assert _verify(store).problems == ["entries 1 to 2 are missing (the log starts at entry 3)"]


def test_deleted_newest_entry_needs_the_anchor(store) -> None:
    _fill(store)
    with store.session() as s:
        anchor = head(s)
    _sql(store, "DELETE FROM audit_log WHERE seq = 5")
    # The shorter chain is a valid chain: the table alone cannot show the loss...
    assert _verify(store).ok
    # ...the anchor written down before does.
    result = _verify(store, anchor)
    assert not result.ok
    assert result.problems == [
        "entry 5, recorded in the anchor, is missing: the newest entries were deleted (the log now ends at entry 4)"
    ]


def test_rewritten_chain_is_caught_by_the_anchor(store) -> None:
    """Truncate and append new entries in their place: a valid chain, but not the anchored one."""
    _fill(store)
    with store.session() as s:
        anchor = head(s)
    _sql(store, "DELETE FROM audit_log WHERE seq >= 4")
    _fill(store, 2)
    assert _verify(store).ok
    assert _verify(store, anchor).problems == [
        "entry 5 does not have the hash recorded in the anchor: the log was rewritten at or before entry 5"
    ]


def test_reordered_entries_are_reported(store) -> None:
    _fill(store)
    _sql(store, "UPDATE audit_log SET seq = -1 WHERE seq = 2")
    _sql(store, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    _sql(store, "UPDATE audit_log SET seq = 3 WHERE seq = -1")
    result = _verify(store)
    assert not result.ok
    text_ = "\n".join(result.problems)
    assert "entry 2 was edited" in text_ and "entry 3 was edited" in text_
    assert "entry 2 does not follow entry 1" in text_


def test_forged_hash_breaks_the_next_link(store) -> None:
    """An attacker who knows the algorithm edits entry 3 and recomputes its hash: entry 4 no longer follows."""
    _fill(store)
    forged_after = canonical({"status": "publishable"})
    with store.session() as s:
        e = s.execute(select(AuditEntry.__table__).where(AuditEntry.seq == 3)).one()
        forged = entry_hash(e.seq, e.at, e.actor, e.action, e.target_type, e.target_id, e.before, forged_after,
                            e.prev_hash)  # fmt: skip
        s.execute(text("UPDATE audit_log SET after = :a, hash = :h WHERE seq = 3"), {"a": forged_after, "h": forged})
    result = _verify(store)
    assert len(result.problems) == 1
    assert result.problems[0].startswith("entry 4 does not follow entry 3: its prev_hash is not entry 3's hash")


def test_before_after_round_trip(store) -> None:
    before = {"where": {"place": "혜산", "province": "량강도"}, "value": 0.1, "list": [1.5, -2e-7, None, True]}
    after = {"when": datetime(2024, 3, 1, 9, 30, tzinfo=UTC), "day": date(2024, 3, 1), "note": "“공개처형”"}
    with store.session() as s:
        entry = append(s, actor="리뷰어", action="correct", target_type="claim", target_id="c1",
                       before=before, after=after)  # fmt: skip
    with store.session() as s:
        stored = s.scalars(select(AuditEntry)).one()
        assert stored.before == entry.before
        assert json.loads(stored.before) == before
        assert json.loads(stored.after) == {"when": "2024-03-01T09:30:00+00:00", "day": "2024-03-01",
                                            "note": "“공개처형”"}  # fmt: skip
        assert "혜산" in stored.before  # kept as text, not \\u escapes
        assert stored.actor == "리뷰어"
        assert verify(s).ok


def test_append_refuses_what_it_cannot_store(store) -> None:
    with store.session() as s:
        with pytest.raises(ValueError, match="longer than 40"):
            append(s, actor="r", action="x" * 41, target_type="claim", target_id="c1", before=None, after=None)
        with pytest.raises(ValueError):
            append(s, actor="r", action="x", target_type="claim", target_id="c1", before=float("nan"), after=None)
        with pytest.raises(TypeError):
            append(s, actor="r", action="x", target_type="claim", target_id="c1", before=object(), after=None)
        assert head(s) == (0, GENESIS)


def test_entries_newest_first_and_filtered(store) -> None:
    _fill(store)
    with store.session() as s:
        append(s, actor="r", action="merge", target_type="incident", target_id="i1", before=None, after={})
        assert [e.seq for e in entries(s)] == [6, 5, 4, 3, 2, 1]
        assert [e.seq for e in entries(s, limit=2)] == [6, 5]
        assert [e.seq for e in entries(s, target_type="incident")] == [6]
        assert [e.seq for e in entries(s, target_type="claim", target_id="c3")] == [3]


def test_concurrent_appends_do_not_fork_the_chain(store) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for i in range(20):
                with store.session() as s:
                    append(s, actor=name, action="confirm", target_type="claim", target_id=f"{name}-{i}",
                           before=None, after={"i": i})  # fmt: skip
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.session() as s:
        assert sorted(s.scalars(select(AuditEntry.seq))) == list(range(1, 41))
        result = verify(s)
    assert result.ok and result.checked == 40


def test_entry_hash_is_unambiguous() -> None:
    base = dict(seq=1, at="2024-01-01T00:00:00.000000+00:00", actor="ab", action="c", target_type="claim",
                target_id="c1", before="null", after="null", prev_hash=GENESIS)  # fmt: skip
    moved = {**base, "actor": "a", "action": "bc"}
    assert entry_hash(**base) != entry_hash(**moved)
    assert entry_hash(**base) != entry_hash(**{**base, "seq": 2})
    assert entry_hash(**base) == entry_hash(**dict(base))


def test_canonical_is_key_order_independent() -> None:
    a = {"b": 1, "a": {"y": [1, 2], "x": "혜산"}}
    b = {"a": {"x": "혜산", "y": [1, 2]}, "b": 1}
    assert canonical(a) == canonical(b) == '{"a":{"x":"혜산","y":[1,2]},"b":1}'


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_canonical_round_trips(value) -> None:
    out = canonical(value)
    assert json.loads(out) == value
    assert canonical(json.loads(out)) == out
