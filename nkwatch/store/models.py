"""SQLAlchemy models of the claim model in spec/claims.md: Source, Claim and a claim's status history.

Nested claim fields (`when`, `where`, `victims`, ...) are kept as JSON exactly as the spec writes them,
and the few values people filter on (act, kind, year, place, perpetrator, indicator) are copied into
indexed columns when a claim is written (see `Claim.from_dict`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Source(Base):
    """One original document. Its id is the SHA-256 of its bytes, so the same file is one source."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[str | None] = mapped_column(String(10))  # ISO, as precise as known
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    language: Mapped[str | None] = mapped_column(String(8))
    reliability: Mapped[str] = mapped_column(String(1), default="F")
    text: Mapped[str] = mapped_column(Text)
    # How the text was obtained, so a claim can cite a page and a reader can find the original.
    filename: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[list[int] | None] = mapped_column(JSON)
    extractor_version: Mapped[str | None] = mapped_column(String(32))

    claims: Mapped[list[Claim]] = relationship(back_populates="source", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_sources_published_at", "published_at"), Index("ix_sources_kind", "kind"))

    def page_of(self, offset: int) -> int | None:
        """1-based page of a character offset (PDFs only)."""
        if not self.pages:
            return None
        page = 0
        for i, start in enumerate(self.pages):
            if start <= offset:
                page = i
        return page + 1


class Claim(Base):
    """One thing one source asserts, located by a character span in the source text."""

    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    act: Mapped[str | None] = mapped_column(String(32))
    grounds: Mapped[str | None] = mapped_column(String(20))
    when: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    where: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    perpetrator: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    victims: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    punishment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    law: Mapped[str | None] = mapped_column(String(32))
    hedged: Mapped[bool] = mapped_column(Boolean, default=False)
    indicator: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    value_min: Mapped[float | None] = mapped_column(Float)
    value_max: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(32))
    period: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), default="machine")
    # Provenance of the claim itself: the coder rule that produced it and what that rule matched.
    rule: Mapped[str] = mapped_column(String(120))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extractor_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Denormalised for filtering and sorting.
    year: Mapped[int | None] = mapped_column(Integer)
    place_id: Mapped[str | None] = mapped_column(String(64))
    perpetrator_id: Mapped[str | None] = mapped_column(String(32))

    source: Mapped[Source] = relationship(back_populates="claims")
    history: Mapped[list[ClaimStatusChange]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimStatusChange.id"
    )

    __table_args__ = (
        Index("ix_claims_source", "source_id"),
        Index("ix_claims_act", "act"),
        Index("ix_claims_kind", "kind"),
        Index("ix_claims_year", "year"),
        Index("ix_claims_place", "place_id"),
        Index("ix_claims_indicator", "indicator"),
        Index("ix_claims_status", "status"),
    )

    FIELDS = (
        "kind", "act", "grounds", "when", "where", "perpetrator", "victims", "punishment", "law",
        "hedged", "indicator", "value", "value_min", "value_max", "unit", "period",
    )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The claim as one line of `export claims --format jsonl` (spec/claims.md)."""
        out: dict[str, Any] = {
            "id": self.id,
            "source_id": self.source_id,
            "span": {"start": self.span_start, "end": self.span_end},
            "quote": self.quote,
        }
        for name in self.FIELDS:
            out[name] = getattr(self, name)
        out["status"] = self.status
        return out

    def set_fields(self, fields: dict[str, Any]) -> None:
        """Set the spec fields and the denormalised columns derived from them."""
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))
        when = fields.get("when") or {}
        start = str(when.get("start") or "")
        self.year = int(start[:4]) if start[:4].isdigit() else None
        self.place_id = (fields.get("where") or {}).get("place_id")
        self.perpetrator_id = (fields.get("perpetrator") or {}).get("id")


class ClaimStatusChange(Base):
    """Append-only history of a claim's status: who vouched for it, when, and why."""

    __tablename__ = "claim_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))  # "nkwatch/<version>" for the machine, else a user
    note: Mapped[str | None] = mapped_column(Text)

    claim: Mapped[Claim] = relationship(back_populates="history")
