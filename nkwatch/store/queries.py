"""Read queries shared by the CLI, exports and (later) the web app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nkwatch.store.ids import Ambiguous as Ambiguous  # re-exported: callers catch them from here
from nkwatch.store.ids import NotFound as NotFound
from nkwatch.store.ids import resolve
from nkwatch.store.models import Claim, Source
from nkwatch.store.search import claim_match


@dataclass
class ClaimFilter:
    """Filters for listing and exporting claims; None means 'any'."""

    act: str | None = None
    kind: str | None = None
    year: int | None = None
    place: str | None = None
    source: str | None = None  # a source id or its prefix
    indicator: str | None = None
    status: str | None = None
    text: str | None = None  # full-text search over quotes (store/search.py)

    def apply(self, q: Select) -> Select:
        if self.act:
            q = q.where(Claim.act == self.act)
        if self.kind:
            q = q.where(Claim.kind == self.kind)
        if self.year is not None:
            q = q.where(Claim.year == self.year)
        if self.place:
            q = q.where(Claim.place_id == self.place)
        if self.source:
            q = q.where(Claim.source_id.startswith(self.source))
        if self.indicator:
            q = q.where(Claim.indicator == self.indicator)
        if self.status:
            q = q.where(Claim.status == self.status)
        if self.text and self.text.strip():
            q = q.where(claim_match(self.text))
        return q


def iter_claims(session: Session, flt: ClaimFilter | None = None, *, limit: int | None = None,
                chunk: int = 1000) -> Iterator[Claim]:  # fmt: skip
    """Claims in a stable order (source, position), streamed in chunks so memory stays flat."""
    q = (flt or ClaimFilter()).apply(select(Claim)).order_by(Claim.source_id, Claim.span_start, Claim.id)
    if limit is not None:
        q = q.limit(limit)
    yield from session.scalars(q.execution_options(yield_per=chunk))


def page_claims(session: Session, flt: ClaimFilter | None = None, *, limit: int = 50,
                offset: int = 0) -> list[Claim]:  # fmt: skip
    """One page of claims in the order of `iter_claims` (for lists that page through them)."""
    q = (flt or ClaimFilter()).apply(select(Claim)).order_by(Claim.source_id, Claim.span_start, Claim.id)
    return list(session.scalars(q.offset(offset).limit(limit)))


def count_claims(session: Session, flt: ClaimFilter | None = None) -> int:
    return session.scalar((flt or ClaimFilter()).apply(select(func.count()).select_from(Claim))) or 0


def list_sources(session: Session, *, kind: str | None = None, limit: int | None = None) -> list[tuple[Source, int]]:
    """Sources with their number of claims, newest capture first."""
    n = select(Claim.source_id, func.count().label("n")).group_by(Claim.source_id).subquery()
    q = select(Source, func.coalesce(n.c.n, 0)).outerjoin(n, n.c.source_id == Source.id)
    if kind:
        q = q.where(Source.kind == kind)
    q = q.order_by(Source.captured_at.desc(), Source.id)
    if limit:
        q = q.limit(limit)
    return [(s, c) for s, c in session.execute(q)]


def get_claim(session: Session, ident: str) -> Claim:
    """A claim by its id or an unambiguous prefix of it (nkwatch.store.ids)."""
    return resolve(session, Claim, ident)


def get_source(session: Session, ident: str) -> Source:
    """A source by its SHA-256 or an unambiguous prefix of it."""
    return resolve(session, Source, ident)
