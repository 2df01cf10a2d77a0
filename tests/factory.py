"""Build sources and claims directly in a store, for tests of linking and review that must not depend on
what the coder extracts."""

from __future__ import annotations

import hashlib
from typing import Any

from nkwatch.extract import claim_id
from nkwatch.extract.gazetteer import gazetteer
from nkwatch.store.models import Source, utcnow
from nkwatch.store.writes import insert_claims


def add_source(store, name: str, text: str, *, reliability: str = "B", published: str = "2024-05-01",
               publisher: str | None = None, derived_from: str | None = None) -> str:  # fmt: skip
    sid = hashlib.sha256(f"{name}:{text}".encode()).hexdigest()
    with store.session() as s:
        s.add(Source(id=sid, kind="news", title=name, publisher=publisher or name, text=text, format="text",
                     size_bytes=len(text), reliability=reliability, published_at=published, captured_at=utcnow(),
                     derived_from=derived_from, derivation="test copy" if derived_from else None))  # fmt: skip
    return sid


def add_claim(store, source_id: str, quote: str, *, act: str = "forced_repatriation", kind: str = "event",
              when: str | None = None, precision: str = "month", place: str | None = None,
              count: int | None = None, hedged: bool = False, **extra: Any) -> str:  # fmt: skip
    with store.session() as s:
        text = s.get(Source, source_id).text
    start = text.find(quote)
    assert start >= 0, quote
    where = None
    if place:
        p = gazetteer().get(place)
        where = {"place_id": p.id, "name": p.name, "precision": p.precision}
    c = {
        "kind": kind, "act": act if kind != "statistic" else None, "grounds": extra.get("grounds"),
        "when": {"start": when, "end": when, "precision": precision} if when else None, "where": where,
        "perpetrator": {"id": extra.get("perpetrator", "prc_authorities")} if kind != "statistic" else None,
        "victims": {"count": count, "group": "escapees"} if count is not None else None, "punishment": None,
        "law": None, "hedged": hedged, "indicator": extra.get("indicator"), "value": extra.get("value"),
        "value_min": None, "value_max": None, "unit": extra.get("unit"), "period": extra.get("period"),
        "source_id": source_id, "span": {"start": start, "end": start + len(quote)}, "quote": quote,
        "rule": "test", "evidence": None, "extractor_version": "test",
    }  # fmt: skip
    c["id"] = claim_id(source_id, start, start + len(quote), kind, c["act"] or c["indicator"])
    with store.session() as s:
        insert_claims(s, [c])
    return c["id"]
