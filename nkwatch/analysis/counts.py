"""Counts of incidents from the store, each with the incidents and claims behind it, and the cells that
multiple systems estimation needs (units = incidents, lists = groups of sources chosen by publisher).

Everything here is a few SQL queries, never one query per incident: the store may hold a million claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

from nkwatch.store.models import Claim, Incident, Source

DIMENSIONS = ("act", "year", "place", "perpetrator", "grounds")
_COLUMN = {"act": Incident.act, "year": Incident.year, "place": Incident.place_id,
           "perpetrator": Incident.perpetrator_id}  # fmt: skip


@dataclass
class Count:
    """How many incidents have one value of a dimension, and which incidents and claims say so."""

    key: str | int | None
    incidents: int
    incident_ids: list[str] = field(default_factory=list)
    claim_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "incidents": self.incidents, "incident_ids": self.incident_ids,
                "claim_ids": self.claim_ids}  # fmt: skip


def _filters(act: str | None, year_from: int | None, year_to: int | None, kind: str | None) -> list[Any]:
    conds: list[Any] = []
    if act:
        conds.append(Incident.act == act)
    if year_from is not None:
        conds.append(Incident.year >= year_from)
    if year_to is not None:
        conds.append(Incident.year <= year_to)
    if kind:
        conds.append(Incident.kind == kind)
    return conds


def counts(session: Session, by: str, *, act: str | None = None, year_from: int | None = None,
           year_to: int | None = None, kind: str | None = "event") -> list[Count]:  # fmt: skip
    """Incidents counted by `by` (act, year, place, perpetrator or grounds), most first, with their ids.

    Grounds are the incident's merged grounds (the majority of its claims, as linking wrote them).
    """
    if by not in DIMENSIONS:
        raise ValueError(f"count by one of {', '.join(DIMENSIONS)}, not {by!r}")
    conds = _filters(act, year_from, year_to, kind)
    key_col = Incident.fields if by == "grounds" else _COLUMN[by]
    rows = session.execute(select(key_col, Incident.id, Claim.id).join(Claim, Claim.incident_id == Incident.id)
                           .where(*conds).order_by(Incident.id, Claim.id))  # fmt: skip
    groups: dict[Any, Count] = {}
    seen: set[str] = set()
    for key, incident_id, claim_id in rows:  # one pass over one query's rows
        if by == "grounds":
            key = ((key or {}).get("grounds") or {}).get("value")
        c = groups.setdefault(key, Count(key, 0))
        if incident_id not in seen:
            seen.add(incident_id)
            c.incidents += 1
            c.incident_ids.append(incident_id)
        c.claim_ids.append(claim_id)
    return sorted(groups.values(), key=lambda c: (-c.incidents, str(c.key)))


@dataclass
class Cells:
    """MSE input built from the store: list names, the publisher patterns of each, and the cell counts."""

    lists: list[str]
    patterns: list[list[str]]
    cells: dict[str, int]
    incidents: int  # units on at least one list
    sources: dict[str, int]  # sources per list that contributed claims

    def to_dict(self) -> dict[str, Any]:
        return {"lists": self.lists, "patterns": self.patterns, "cells": self.cells, "incidents": self.incidents,
                "sources": self.sources}  # fmt: skip


def parse_lists(spec: str | list[str]) -> list[list[str]]:
    """'Daily NK,RFA,UN' -> [['daily nk'], ['rfa'], ['un']]; '+' joins publishers into one list ('RFA+VOA')."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = [[p.strip().lower() for p in item.split("+") if p.strip()] for item in items]
    out = [x for x in out if x]
    if not 2 <= len(out) <= 5:
        raise ValueError(f"give 2 to 5 lists (comma-separated publisher names), not {len(out)}")
    return out


def _on_list(patterns: list[str]) -> Any:
    pub = func.lower(func.coalesce(Source.publisher, ""))
    return or_(*(pub.contains(p, autoescape=True) for p in patterns))


def cells_from_store(session: Session, act: str | None, year_from: int | None, year_to: int | None,
                     lists: str | list[str], *, include_copies: bool = False) -> Cells:  # fmt: skip
    """Cells for `estimate`: an incident (of kind event, with `act`, dated within the years) is on list L when
    one of its claims comes from a source whose publisher contains one of L's names (case-insensitive).

    Sources that copy or syndicate another (`derived_from`) are left out unless `include_copies`: a copy would
    put an incident on a second list without a second independent observation.
    """
    pats = parse_lists(lists)
    names = [" + ".join(p) for p in pats]
    base = _filters(act, year_from, year_to, "event")
    if not include_copies:
        base.append(Source.derived_from.is_(None))
    flags = [func.max(case((_on_list(p), 1), else_=0)).label(f"l{i}") for i, p in enumerate(pats)]
    per_incident = (select(Claim.incident_id, *flags)
                    .join(Incident, Incident.id == Claim.incident_id).join(Source, Source.id == Claim.source_id)
                    .where(*base, or_(*(_on_list(p) for p in pats)))
                    .group_by(Claim.incident_id).subquery())  # fmt: skip
    cols = [per_incident.c[f"l{i}"] for i in range(len(pats))]
    cells: dict[str, int] = {}
    total = 0
    for row in session.execute(select(*cols, func.count(literal(1))).group_by(*cols)):
        key = "".join(str(int(v)) for v in row[:-1])
        if "1" in key:
            cells[key] = int(row[-1])
            total += int(row[-1])
    sources: dict[str, int] = {}
    for name, p in zip(names, pats, strict=True):  # distinct contributing sources per list, for the report
        sources[name] = int(session.scalar(
            select(func.count(func.distinct(Claim.source_id))).join(Incident, Incident.id == Claim.incident_id)
            .join(Source, Source.id == Claim.source_id).where(*base, _on_list(p))) or 0)  # fmt: skip
    return Cells(names, pats, dict(sorted(cells.items(), reverse=True)), total, sources)
