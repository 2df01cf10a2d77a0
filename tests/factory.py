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


def confirm_sources(s, incident_id: str, *, actor: str = "tester") -> list[str]:  # noqa: ANN001 - a Session
    """Confirm the first claim of each source of an incident (what the publication rule asks before publishing);
    returns the ids confirmed."""
    from sqlalchemy import select

    from nkwatch.review import ops
    from nkwatch.store.models import Claim

    done, seen = [], set()
    for c in s.scalars(select(Claim).where(Claim.incident_id == incident_id).order_by(Claim.id)):
        if c.source_id not in seen:
            seen.add(c.source_id)
            if c.status != "reviewed":
                ops.confirm(s, c.id, actor=actor)
                done.append(c.id)
    return done


def publish_checked(s, incident_id: str, *, actor: str = "tester", note: str = "checked"):  # noqa: ANN001, ANN201
    """Confirm a claim of each source, settle open proposals on it as "different incidents", then publish: the
    way a reviewer gets an incident past the publication rule, for tests about something else."""
    from nkwatch.review import decisions, ops, publication

    confirm_sources(s, incident_id, actor=actor)
    for p in publication.open_proposals(s, incident_id):
        decisions.different(s, incident_id, p["other"], actor=actor)
    return ops.publish(s, incident_id, actor=actor, note=note)
