"""The claims linking reads, as plain dicts of a few columns: what a run (nkwatch.link.run) and a worker planning
one partition (nkwatch.link.plan) both load. Apart from both so that neither imports the other."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal, select, union
from sqlalchemy.orm import Session

from nkwatch.store.models import Claim, Source

# `where` and `perpetrator` are read from their indexed copies (place_id, perpetrator_id) and rebuilt from the
# gazetteer and the vocabulary: decoding a million JSON values is a good part of a full run.
CLAIM_COLUMNS = (Claim.id, Claim.source_id, Claim.kind, Claim.act, Claim.indicator, Claim.grounds, Claim.when,
                 Claim.place_id, Claim.perpetrator_id, Claim.victims, Claim.punishment, Claim.law, Claim.hedged,
                 Claim.value, Claim.value_min, Claim.value_max, Claim.period, Claim.quote, Claim.status,
                 Claim.incident_id, Claim.link_locked, Claim.rule)  # fmt: skip
SOURCE_COLUMNS = (Source.reliability, Source.derived_from, Source.derivation)  # what SourceInfo needs


def select_claims(where=None, with_sources: bool = False, quotes: bool = True):  # noqa: ANN001, ANN202
    """Claims to link, with their source's date (and, `with_sources`, what `_source_info` needs: an incremental
    run reads it here rather than in a second query by source id; without `quotes`, quotes are empty)."""
    cols = CLAIM_COLUMNS if quotes else tuple(literal("").label("quote") if c is Claim.quote else c
                                              for c in CLAIM_COLUMNS)  # fmt: skip
    q = (select(*cols, Source.published_at, *(SOURCE_COLUMNS if with_sources else ()))
         .join(Source, Source.id == Claim.source_id).where(Claim.status != "rejected"))  # fmt: skip
    return q if where is None else q.where(where)


def claim_rows(s: Session, where, limit: int | None = None, with_sources: bool = False,  # noqa: ANN001
               quotes: bool = True) -> list[dict[str, Any]]:  # fmt: skip
    """Claims to link matching `where`, as dicts of CLAIM_COLUMNS (and the source's date, grade, derivation)."""
    q = select_claims(where, with_sources, quotes)
    # A sample (limit) is taken in index order: sorting a whole act's claims by id to keep 20 is the slow part.
    q = q.limit(limit) if limit else q.order_by(Claim.id)
    result = s.execute(q)
    keys = list(result.keys())
    return [dict(zip(keys, r, strict=True)) for r in result]  # a third faster than dict(r._mapping)


def claim_rows_any(s: Session, conds: list, with_sources: bool = False) -> list[dict[str, Any]]:  # noqa: ANN001
    """Rows matching any of `conds`, by id. Their ids first: a UNION of one indexed query each (SQLite does not
    use the ix_claims_link_block index for a long OR of terms), of one column, which SQLAlchemy compiles in a
    fraction of the time 200 selects of every column take; then the rows, by id."""
    ids: set[str] = set()
    for i in range(0, len(conds), 200):  # SQLite allows 500 terms in one compound select
        terms = [select(Claim.id).where(Claim.status != "rejected", c) for c in conds[i:i + 200]]
        ids.update(s.scalars(union(*terms)))
    wanted = sorted(ids)
    return [r for k in range(0, len(wanted), 5000)
            for r in claim_rows(s, Claim.id.in_(wanted[k:k + 5000]), with_sources=with_sources)]  # fmt: skip
