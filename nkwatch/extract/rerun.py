"""Re-run extraction over stored sources (after a dictionary change) without duplicating claims."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from nkwatch.extract.coder import EXTRACTOR_VERSION, extract_claims
from nkwatch.store.db import Store
from nkwatch.store.models import Source
from nkwatch.store.writes import MergeCounts, merge_claims


def reextract(store: Store, source_ids: Iterable[str] | None = None, *,
              on_source: Callable[[str], None] | None = None) -> MergeCounts:  # fmt: skip
    """Re-code every source (or the given ones), one transaction per source. Returns the summed counts."""
    total = MergeCounts()
    with store.session() as s:
        ids = list(source_ids) if source_ids is not None else list(s.scalars(select(Source.id).order_by(Source.id)))
    for sid in ids:
        with store.session() as s:
            src = s.get(Source, sid)
            if src is None:
                continue
            claims = extract_claims(src.text, published_at=src.published_at, source_id=src.id, language=src.language)
            c = merge_claims(s, src.id, claims)
            src.extractor_version = EXTRACTOR_VERSION
        for k in ("added", "updated", "removed", "kept"):
            setattr(total, k, getattr(total, k) + getattr(c, k))
        if on_source:
            on_source(sid)
    return total
