"""Writing claims: bulk inserts for ingest, and the re-extraction merge that never touches people's work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nkwatch.store.models import Claim, utcnow


def claim_row(c: dict[str, Any]) -> dict[str, Any]:
    """A coder claim (spec fields + id, span, rule, evidence) as a row of the claims table."""
    out = {name: c.get(name) for name in Claim.FIELDS}
    out.update(Claim.derived_columns(c))
    out.update(
        id=c["id"], source_id=c["source_id"], span_start=c["span"]["start"], span_end=c["span"]["end"],
        quote=c["quote"], status="machine", rule=c["rule"], evidence=c.get("evidence"),
        extractor_version=c["extractor_version"], created_at=utcnow(),
    )  # fmt: skip
    return out


def insert_claims(session: Session, claims: list[dict[str, Any]]) -> None:
    """Insert new machine claims. Their origin (rule, extractor version, created_at) is on the row itself;
    the status history records what people and later extractions change."""
    if not claims:
        return
    # Core inserts (executemany), not ORM bulk: one statement for the whole batch.
    session.connection().execute(Claim.__table__.insert(), [claim_row(c) for c in claims])


@dataclass
class MergeCounts:
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # claims a person has vouched for or rejected: never changed by the machine


def merge_claims(session: Session, source_id: str, claims: list[dict[str, Any]]) -> MergeCounts:
    """Replace a source's machine claims with a fresh extraction, by stable id.

    New ids are inserted, machine claims still produced are updated in place, machine claims no longer
    produced are removed; reviewed and rejected claims stay exactly as people left them.
    """
    counts = MergeCounts()
    existing = {c.id: c for c in session.scalars(select(Claim).where(Claim.source_id == source_id))}
    fresh = {c["id"]: c for c in claims}
    new = [c for cid, c in fresh.items() if cid not in existing]
    for cid, row in existing.items():
        if row.status != "machine":
            counts.kept += 1
        elif cid in fresh:
            c = fresh[cid]
            row.set_fields(c)
            row.rule, row.evidence, row.extractor_version = c["rule"], c.get("evidence"), c["extractor_version"]
            counts.updated += 1
    gone = [cid for cid, row in existing.items() if row.status == "machine" and cid not in fresh]
    if gone:
        session.execute(delete(Claim).where(Claim.id.in_(gone)))
        counts.removed = len(gone)
    session.flush()
    insert_claims(session, new)
    counts.added = len(new)
    return counts
