"""Filters, sorting and paging read from the query string, so that every list is a shareable address.

Pages and /api read the same parameters through these functions: `act`, `category`, `kind`, `place`,
`perpetrator`, `indicator`, `status`, `year`, `year_from`, `year_to`, `min_confidence`, `q` (full text),
`sort`, `page`, `per_page`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from nkwatch.link.query import SORTS, IncidentFilter
from nkwatch.store.queries import ClaimFilter
from nkwatch.web.security import Principal

PER_PAGE = 50
MAX_PER_PAGE = 500


class BadParameter(ValueError):
    pass


def _int(request: Request, name: str, lo: int | None = None, hi: int | None = None) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        v = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, not {raw!r}") from None
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise BadParameter(f"{name} must be between {lo} and {hi}")
    return v


def _str(request: Request, name: str) -> str | None:
    return request.query_params.get(name, "").strip()[:200] or None


@dataclass
class Paging:
    page: int
    per_page: int
    sort: str

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(request: Request, sorts: dict | None = None, default_sort: str = "confidence") -> Paging:
    sort = _str(request, "sort") or default_sort
    if sorts is not None and sort not in sorts:
        raise BadParameter(f"sort must be one of {', '.join(sorts)}")
    return Paging(_int(request, "page", 1, 100_000) or 1, _int(request, "per_page", 1, MAX_PER_PAGE) or PER_PAGE, sort)


def incident_filter(request: Request, p: Principal) -> IncidentFilter:
    raw_conf = _str(request, "min_confidence")
    try:
        conf = float(raw_conf) if raw_conf else 0.0
    except ValueError:
        raise BadParameter("min_confidence must be a number from 0 to 1") from None
    flt = IncidentFilter(
        act=_str(request, "act"), category=_str(request, "category"), kind=_str(request, "kind"),
        place=_str(request, "place"), perpetrator=_str(request, "perpetrator"), indicator=_str(request, "indicator"),
        status=_str(request, "status"), year=_int(request, "year", 1900, 2100),
        year_from=_int(request, "year_from", 1900, 2100), year_to=_int(request, "year_to", 1900, 2100),
        min_confidence=conf, text=_str(request, "q"),
    )  # fmt: skip
    if p.public:  # public visitors see published incidents only, whatever they ask for
        flt.status = "publishable"
        flt.where = public_withheld(request)
    return flt


def public_withheld(request: Request) -> object:
    """For public visitors: the condition leaving out incidents whose testimony an export to the public would
    withhold (nkwatch.vault.policy; read per change of the store, so a withdrawal applies at once)."""
    from nkwatch.vault.policy import incident_clause
    from nkwatch.web.state import public_withheld_ids

    return incident_clause(public_withheld_ids(request))


def incident_paging(request: Request) -> Paging:
    return paging(request, SORTS, "confidence")


def claim_filter(request: Request) -> ClaimFilter:
    return ClaimFilter(act=_str(request, "act"), kind=_str(request, "kind"), year=_int(request, "year", 1900, 2100),
                       place=_str(request, "place"), source=_str(request, "source"),
                       indicator=_str(request, "indicator"), status=_str(request, "status"))  # fmt: skip
