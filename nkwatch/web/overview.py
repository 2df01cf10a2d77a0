"""The numbers the overview shows: incidents per year and category, per place, the indicators over time.

A few GROUP BY queries over the incidents table (thousands of rows, not the claims), so the page stays fast
on a large store. `published_only` is public mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nkwatch.store.models import Claim, Incident, Source


@dataclass
class Overview:
    totals: dict[str, int]
    by_year: dict[tuple[int, str], int]
    by_place: dict[str, int]
    indicators: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _scope(q: Select, published_only: bool, withheld: Any = None) -> Select:
    if not published_only:
        return q
    q = q.where(Incident.status == "publishable")
    return q.where(withheld) if withheld is not None else q


def _public_withheld(s: Session, published_only: bool) -> Any:
    """Public mode leaves out incidents with testimony whose witness did not consent to publication (read on
    every request, so a withdrawal shows at once)."""
    if not published_only:
        return None
    from nkwatch.vault.policy import PUBLIC, incident_clause, withheld_incidents

    return incident_clause(withheld_incidents(s, PUBLIC))


def overview(s: Session, *, published_only: bool = False) -> Overview:
    w = _public_withheld(s, published_only)
    totals = {"incidents": s.scalar(_scope(select(func.count()).select_from(Incident), published_only, w)) or 0}
    if not published_only:
        totals["sources"] = s.scalar(select(func.count()).select_from(Source)) or 0
        totals["claims"] = s.scalar(select(func.count()).select_from(Claim)) or 0
        totals["to_review"] = s.scalar(select(func.count()).select_from(Claim).where(Claim.status == "machine")) or 0
        totals["publishable"] = s.scalar(select(func.count()).select_from(Incident)
                                         .where(Incident.status == "publishable")) or 0  # fmt: skip
    by_year = {(y, c or "other"): n for y, c, n in s.execute(_scope(
        select(Incident.year, Incident.category, func.count()).where(Incident.year.is_not(None),
                                                                    Incident.kind != "statistic")
        .group_by(Incident.year, Incident.category), published_only, w))}  # fmt: skip
    by_place = {p: n for p, n in s.execute(_scope(
        select(Incident.place_id, func.count()).where(Incident.place_id.is_not(None)).group_by(Incident.place_id),
        published_only, w))}  # fmt: skip
    return Overview(totals, by_year, by_place, indicator_series(s, published_only=published_only, withheld=w))


def indicator_series(s: Session, *, published_only: bool = False,
                     withheld: Any = None) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """Per indicator, one point per statistic incident: its year (when it happened, else the period the
    figure covers, else the year it was published) and the range of figures its sources give."""
    stats = _scope(select(Incident.id, Incident.indicator, Incident.year, Incident.value_min, Incident.value_max,
                          Incident.n_sources).where(Incident.kind == "statistic"), published_only,
                   withheld).subquery()  # fmt: skip
    q = (select(stats, func.min(Claim.period), func.min(Source.published_at))
         .join(Claim, Claim.incident_id == stats.c.id).join(Source, Source.id == Claim.source_id)
         .group_by(*stats.c))  # fmt: skip
    out: dict[str, list[dict[str, Any]]] = {}
    for iid, indicator, year, lo, hi, n_sources, period, published in s.execute(q):
        yr = year or _year(period) or _year(published)
        if yr is None or (lo is None and hi is None):
            continue
        out.setdefault(indicator or "other", []).append({
            "incident_id": iid, "year": yr, "low": lo if lo is not None else hi, "high": hi if hi is not None else lo,
            "n_sources": n_sources, "dated_by": "event" if year else "period" if _year(period) else "publication",
        })  # fmt: skip
    return out


def _year(v: str | None) -> int | None:
    return int(v[:4]) if v and v[:4].isdigit() else None
