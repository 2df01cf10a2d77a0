"""Reading incidents: filtered lists, one incident in detail, and the export line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, load_only

from nkwatch.extract.gazetteer import gazetteer
from nkwatch.link.attribution import independence_groups
from nkwatch.store.ids import resolve
from nkwatch.store.models import Claim, DuplicateProposal, Incident, Source
from nkwatch.store.search import claim_match


@dataclass
class IncidentFilter:
    act: str | None = None
    category: str | None = None
    year: int | None = None
    place: str | None = None  # the place or any place inside it
    kind: str | None = None
    min_confidence: float = 0.0
    status: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    perpetrator: str | None = None
    indicator: str | None = None
    text: str | None = None  # full-text search over the quotes of the incident's claims
    where: Any = None  # an extra SQL condition (nkwatch.vault.policy.incident_clause: consent in public mode)

    def apply(self, q: Select) -> Select:
        if self.act:
            q = q.where(Incident.act == self.act)
        if self.category:
            q = q.where(Incident.category == self.category)
        if self.year is not None:
            q = q.where(Incident.year == self.year)
        if self.year_from is not None:
            q = q.where(Incident.year >= self.year_from)
        if self.year_to is not None:
            q = q.where(Incident.year <= self.year_to)
        if self.kind:
            q = q.where(Incident.kind == self.kind)
        if self.status:
            q = q.where(Incident.status == self.status)
        if self.perpetrator:
            q = q.where(Incident.perpetrator_id == self.perpetrator)
        if self.indicator:
            q = q.where(Incident.indicator == self.indicator)
        if self.min_confidence:
            q = q.where(Incident.confidence >= self.min_confidence)
        if self.place:
            g = gazetteer()
            inside = [p for p in g.places if self.place in g.ancestors(p)] or [self.place]
            q = q.where(Incident.place_id.in_(inside))
        if self.text and self.text.strip():
            q = q.where(Incident.id.in_(select(Claim.incident_id).where(claim_match(self.text))))
        if self.where is not None:
            q = q.where(self.where)
        return q


# Orders a list can be sorted by: name -> columns (the id last, so pages never overlap or skip).
SORTS = {
    "confidence": (Incident.confidence.desc(), Incident.id),
    "-confidence": (Incident.confidence.asc(), Incident.id),
    "date": (Incident.when_start.desc(), Incident.id),
    "-date": (Incident.when_start.asc(), Incident.id),
    "sources": (Incident.n_independent.desc(), Incident.n_sources.desc(), Incident.id),
    "updated": (Incident.updated_at.desc(), Incident.id),
    "act": (Incident.act, Incident.indicator, Incident.id),
    "place": (Incident.place_id, Incident.id),
}


# What a list shows of each incident: everything but the merged fields and the confidence breakdown (JSON, large).
LIST_COLUMNS = [c.name for c in Incident.__table__.c if c.name not in ("fields", "confidence_breakdown")]


def list_incidents(s: Session, flt: IncidentFilter, *, limit: int | None = 50, offset: int = 0,
                   sort: str = "confidence", light: bool = False) -> tuple[list[Incident], int]:  # fmt: skip
    """One page of incidents matching `flt` in the order `sort` (a key of SORTS), and how many match in all.

    The page's ids are found first (from the covering index ix_incidents_list, without reading the wide rows),
    then those rows are read. `light=True` leaves out the merged fields and confidence breakdown (loaded if
    touched), which a list does not show.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    total = s.scalar(flt.apply(select(func.count()).select_from(Incident))) or 0
    q = flt.apply(select(Incident.id)).order_by(*SORTS[sort])
    if offset:
        q = q.offset(offset)
    ids = list(s.scalars(q.limit(limit) if limit else q))
    rows = select(Incident).where(Incident.id.in_(ids)) if limit and limit <= 1000 else flt.apply(select(Incident))
    if light:
        rows = rows.options(load_only(*(getattr(Incident, c) for c in LIST_COLUMNS)))
    by_id = {i.id: i for i in s.scalars(rows)}
    return [by_id[i] for i in ids], total


def get_incident(s: Session, ident: str) -> Incident:
    """An incident by its id or an unambiguous prefix of it, with or without `inc-` (nkwatch.store.ids)."""
    return resolve(s, Incident, ident)


def _claims(s: Session, iid: str) -> list[Claim]:
    return list(s.scalars(select(Claim).where(Claim.incident_id == iid).order_by(Claim.source_id, Claim.span_start)))


def _sources(s: Session, ids: set[str]) -> list[Source]:
    return list(s.scalars(select(Source).where(Source.id.in_(ids)).order_by(Source.published_at, Source.id)))


def incident_export(s: Session, inc: Incident) -> dict[str, Any]:
    """One line of `export incidents`: id, claim_ids, merged fields, sources, independent_sources, confidence."""
    claims = _claims(s, inc.id)
    srcs = _sources(s, {c.source_id for c in claims})
    groups = independence_groups([(x.id, x.derived_from, x.derivation) for x in srcs])
    independent: dict[str, str] = {}
    for x in srcs:  # the earliest source of each independent group stands for it
        independent.setdefault(groups.get(x.id, x.id), x.id)
    facts = inc.fields or {}
    return {
        "id": inc.id, "kind": inc.kind, "act": inc.act, "indicator": inc.indicator, "category": inc.category,
        "claim_ids": [c.id for c in claims],
        "when": (facts.get("when") or {}).get("value"), "where": (facts.get("where") or {}).get("value"),
        "perpetrator": (facts.get("perpetrator") or {}).get("value"),
        "victims": facts.get("victims"), "grounds": (facts.get("grounds") or {}).get("value"),
        "punishment": (facts.get("punishment") or {}).get("value"), "law": (facts.get("law") or {}).get("value"),
        "value_min": inc.value_min, "value_max": inc.value_max,
        "when_start": inc.when_start, "when_end": inc.when_end, "when_precision": inc.when_precision,
        "place_id": inc.place_id, "perpetrator_id": inc.perpetrator_id, "victim_group": inc.victim_group,
        "count_min": inc.count_min, "count_max": inc.count_max, "n_claims": inc.n_claims,
        "n_sources": inc.n_sources, "n_independent": inc.n_independent,
        "sources": [x.id for x in srcs], "independent_sources": sorted(independent.values()),
        "confidence": inc.confidence, "confidence_breakdown": inc.confidence_breakdown, "status": inc.status,
        "sequel_of": inc.sequel_of,
    }  # fmt: skip


def sequel_links(s: Session, inc: Incident) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The incident this one is a sequel of, and the incidents that are sequels of it (by date), each as
    {id, act, date, status}. Not part of incident_detail, which the public API serves as it is: a caller shows
    a public visitor only the linked incidents that are public themselves."""
    cols = (Incident.id, Incident.act, Incident.indicator, Incident.when_start, Incident.status)

    def brief(r: Any) -> dict[str, Any]:
        return {"id": r.id, "act": r.act or r.indicator, "date": r.when_start, "status": r.status}

    first = s.execute(select(*cols).where(Incident.id == inc.sequel_of)).first() if inc.sequel_of else None
    later = s.execute(select(*cols).where(Incident.sequel_of == inc.id)
                      .order_by(Incident.when_start, Incident.id)).all()  # fmt: skip
    return (brief(first) if first else None), [brief(r) for r in later]


def incident_detail(s: Session, inc: Incident) -> dict[str, Any]:
    """Everything the `incident` command and the web page show."""
    return incident_detail_and_sources(s, inc)[0]


def incident_detail_and_sources(s: Session, inc: Incident) -> tuple[dict[str, Any], list[Source]]:
    """incident_detail, and the incident's sources as read for it (the web page quotes their texts)."""
    claims = _claims(s, inc.id)
    srcs = _sources(s, {c.source_id for c in claims})
    facts = {k: (inc.fields or {}).get(k) for k in ("when", "where", "perpetrator", "victims", "grounds",
                                                     "punishment", "law")}  # fmt: skip
    proposals = []
    for p in s.scalars(select(DuplicateProposal).where(or_(DuplicateProposal.incident_a == inc.id,
                                                            DuplicateProposal.incident_b == inc.id),
                                                        DuplicateProposal.status == "open")):  # fmt: skip
        other = p.incident_b if p.incident_a == inc.id else p.incident_a
        proposals.append({"other": other, "conflict": p.conflict, "values": (p.detail or {}).get("values"),
                          "evidence": (p.detail or {}).get("evidence")})  # for and against (compare.explain)
    detail = {
        "id": inc.id, "kind": inc.kind, "act": inc.act, "indicator": inc.indicator, "status": inc.status,
        "confidence": inc.confidence, "confidence_breakdown": inc.confidence_breakdown, "facts": facts,
        "n_sources": inc.n_sources, "n_independent": inc.n_independent,
        "sources": [{"id": x.id, "title": x.title, "publisher": x.publisher, "published_at": x.published_at,
                     "reliability": x.reliability, "derived_from": x.derived_from, "derivation": x.derivation}
                    for x in srcs],
        "claims": [c.to_dict() for c in claims], "proposals": proposals,
    }  # fmt: skip
    return detail, srcs
