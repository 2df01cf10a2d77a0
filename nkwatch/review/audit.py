"""The append-only, hash-chained audit log of review operations.

Every entry carries the SHA-256 of its own content and of the entry before it (`prev_hash`), so editing,
deleting or reordering entries after the fact breaks the chain and `verify` says where. What the table alone
cannot show is that the *newest* entries were cut off (the shorter chain is still a valid chain): for that a
custodian writes down `head(session)` from time to time and passes it back as `verify(session, anchor=...)`.

The hash is no signature: someone with write access to the database who knows this algorithm can rewrite
the whole chain from the edited entry onward. The anchor is what catches that too, since the rewritten
chain no longer contains the anchored hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from nkwatch.store.models import AuditEntry

GENESIS = "0" * 64
"""The `prev_hash` of entry 1: there is no entry before it."""

# Part of every hashed serialisation, so a future change of the algorithm cannot be confused with tampering.
_HASH_VERSION = "nkwatch.audit/1"

# Key of the PostgreSQL transaction-level advisory lock that serialises writers: the bytes of "nkaudit1".
_PG_LOCK_KEY = int.from_bytes(b"nkaudit1", "big")

# Fields whose width the schema fixes; checked here so SQLite (which ignores VARCHAR widths) and
# PostgreSQL (which rejects overlong values) refuse the same entries.
_WIDTHS = {name: AuditEntry.__table__.c[name].type.length for name in ("actor", "action", "target_type", "target_id")}


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"cannot record a {type(value).__name__} in the audit log: {value!r}")


def canonical(value: Any) -> str:
    """`value` as canonical JSON: sorted keys, no spaces, UTF-8 text kept as is, datetimes and dates as ISO.

    Equal values give equal text whatever the key order, which is what lets the text be hashed.
    NaN and infinities are refused: they are not JSON, and another reader could not verify them.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
    )


def entry_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    before: str,
    after: str,
    prev_hash: str,
) -> str:
    """The hex SHA-256 of one entry's fields, including the previous entry's hash.

    The fields are serialised as a JSON array rather than joined with a separator, so moving text from one
    field to the next ("ab","c" versus "a","bc") always changes the hash.
    """
    payload = canonical([_HASH_VERSION, seq, at, actor, action, target_type, target_id, before, after, prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    """Make this transaction the only one that may append until it ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # An advisory lock rather than SELECT ... FOR UPDATE on the last entry: an empty log has no row to
        # lock, and under READ COMMITTED a writer that waited on the row would re-read the same row and
        # compute the same next seq. After this lock, the next statement sees every committed entry.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        # Python's sqlite3 opens the transaction only at the first write, so a plain SELECT would read the
        # last entry without any lock. A write that changes nothing takes the database's write lock now
        # (waiting up to busy_timeout for another writer) and holds it until commit.
        session.execute(text("UPDATE audit_log SET seq = seq WHERE 0 = 1"))
    # Elsewhere the primary key on seq still refuses a fork; the losing writer gets an error instead.


def _last(session: Session) -> tuple[int, str]:
    # Columns, not entities: an AuditEntry already in the session's identity map could be stale.
    row = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(
    session: Session, *, actor: str, action: str, target_type: str, target_id: str, before: Any, after: Any
) -> AuditEntry:
    """Add one entry to the log in the caller's transaction (so it commits or rolls back with the change).

    `before` and `after` are any JSON-able values (dicts, lists, text, numbers, datetimes); they are stored
    as canonical JSON text, which is exactly what is hashed. Writers are serialised (see `_lock_chain`), and
    the lock is held until the caller's transaction ends, so keep review transactions short.
    """
    for name, value in (("actor", actor), ("action", action), ("target_type", target_type), ("target_id", target_id)):
        if not value:
            raise ValueError(f"an audit entry needs a {name}")
        if len(value) > _WIDTHS[name]:
            raise ValueError(f"the audit entry's {name} is longer than {_WIDTHS[name]} characters: {value[:40]!r}...")
    before_text, after_text = canonical(before), canonical(after)
    _lock_chain(session)
    last_seq, last_hash = _last(session)
    seq = last_seq + 1
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before_text,
        after=after_text,
        prev_hash=last_hash,
        hash=entry_hash(seq, at, actor, action, target_type, target_id, before_text, after_text, last_hash),
    )
    session.add(entry)
    session.flush()
    return entry


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest entry, (0, GENESIS) for an empty log: the anchor to write down for `verify`."""
    return _last(session)


@dataclass
class VerifyResult:
    """What `verify` found: `ok` when nothing is wrong; each problem is a sentence naming the entry."""

    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


_COLUMNS = (
    AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.target_type,
    AuditEntry.target_id, AuditEntry.before, AuditEntry.after, AuditEntry.prev_hash, AuditEntry.hash,
)  # fmt: skip


def verify(session: Session, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the log in seq order: recompute every hash, check every link and that seq runs 1, 2, 3, ...

    With `anchor` (an earlier `head(session)`), also check that the log still holds that entry with that
    hash, which detects the newest entries being deleted, or the chain being rewritten with forged hashes.
    """
    problems: list[str] = []
    checked = 0
    expected, prev_hash = 1, GENESIS
    anchored: str | None = None  # the stored hash of the anchored entry, once seen
    anchor_seq = anchor[0] if anchor else 0
    # Read rows, not entities (see `_last`), streamed so a long log is not held in memory at once.
    rows = session.execute(select(*_COLUMNS).order_by(AuditEntry.seq).execution_options(yield_per=1000))
    for row in rows:
        checked += 1
        if row.seq < expected:  # only possible for seq <= 0: the primary key keeps seq unique
            problems.append(f"entry {row.seq} has an impossible sequence number (entries are numbered from 1)")
        elif row.seq > expected:
            gap = f"entry {expected} is" if row.seq == expected + 1 else f"entries {expected} to {row.seq - 1} are"
            where = (
                f"the log starts at entry {row.seq}"
                if expected == 1
                else f"sequence jumps from {expected - 1} to {row.seq}"
            )
            problems.append(f"{gap} missing ({where})")
        elif row.prev_hash != prev_hash:
            # Only checked across contiguous seqs: after a gap the mismatch is already explained as missing.
            if row.seq == 1:
                problems.append(
                    "entry 1 does not start the chain: its prev_hash is not the genesis value "
                    "(earlier entries removed and the chain re-linked?)"
                )
            else:
                n = row.seq - 1
                problems.append(
                    f"entry {row.seq} does not follow entry {n}: its prev_hash is not entry {n}'s hash (entries "
                    f"reordered, entry {n} rewritten with a forged hash, or one removed and the chain re-linked?)"
                )
        fields = (row.seq, row.at, row.actor, row.action, row.target_type, row.target_id, row.before, row.after,
                  row.prev_hash)  # fmt: skip
        if entry_hash(*fields) != row.hash:
            problems.append(f"entry {row.seq} was edited: its hash does not match its content")
        if row.seq == anchor_seq:
            anchored = row.hash
        expected, prev_hash = max(expected, row.seq + 1), row.hash

    if anchor is not None:
        seq, want = anchor
        if seq == 0:
            if want != GENESIS:
                problems.append("the anchor is not valid: an anchor at entry 0 must have the genesis hash")
        elif anchored is None:
            problems.append(
                f"entry {seq}, recorded in the anchor, is missing: the newest entries were deleted "
                f"(the log now ends at entry {expected - 1})"
                if seq >= expected
                else f"entry {seq}, recorded in the anchor, is missing"
            )
        elif anchored != want:
            problems.append(
                f"entry {seq} does not have the hash recorded in the anchor: "
                f"the log was rewritten at or before entry {seq}"
            )
    return VerifyResult(ok=not problems, checked=checked, problems=problems)


def entries(
    session: Session, *, target_type: str | None = None, target_id: str | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Entries of the log, newest first, optionally only those about one target type or one target."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    if limit is not None:
        query = query.limit(limit)
    # populate_existing: show what is stored now, not a copy this session loaded earlier.
    return list(session.scalars(query.execution_options(populate_existing=True)))
