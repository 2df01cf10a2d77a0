"""SQLAlchemy models of the claim model in spec/claims.md: Source, Claim and a claim's status history.

Nested claim fields (`when`, `where`, `victims`, ...) are kept as JSON exactly as the spec writes them,
and the few values people filter on (act, kind, year, place, perpetrator, indicator) are copied into
indexed columns when a claim is written (see `Claim.from_dict`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nkwatch.store.base import Base, utcnow  # here too for every module that imports them from here


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
    # Copy detection: the source this one copies or syndicates (it then adds no independent corroboration).
    derived_from: Mapped[str | None] = mapped_column(String(64))
    derivation: Mapped[str | None] = mapped_column(Text)  # why: "near-duplicate 0.91" or "attribution: Yonhap"
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary)  # MinHash signature of the text

    claims: Mapped[list[Claim]] = relationship(back_populates="source", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_sources_published_at", "published_at"), Index("ix_sources_kind", "kind"),
                      Index("ix_sources_derived_from", "derived_from"))

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
    rule: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extractor_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Denormalised for filtering and sorting.
    year: Mapped[int | None] = mapped_column(Integer)
    # "YYYY-MM" of when.start for a claim dated to a day, month or season; None for a year, decade or no date.
    month: Mapped[str | None] = mapped_column(String(7))
    place_id: Mapped[str | None] = mapped_column(String(64))
    perpetrator_id: Mapped[str | None] = mapped_column(String(32))
    # Linking: the incident this claim reports, and whether a person put it there (machine keeps off).
    incident_id: Mapped[str | None] = mapped_column(String(32))
    link_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    source: Mapped[Source] = relationship(back_populates="claims")
    history: Mapped[list[ClaimStatusChange]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimStatusChange.id"
    )

    __table_args__ = (
        Index("ix_claims_source", "source_id"),
        Index("ix_claims_act", "act"),
        Index("ix_claims_year", "year"),
        Index("ix_claims_place", "place_id"),
        Index("ix_claims_indicator", "indicator"),
        Index("ix_claims_incident", "incident_id"),
        # Linking reads the stored claims of a new claim's act and month (nkwatch.link.run._load).
        Index("ix_claims_link_block", "act", "year", "month", "place_id"),
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
        if self.incident_id:  # after linking, each claim says which incident it reports
            out["incident_id"] = self.incident_id
        return out

    def set_fields(self, fields: dict[str, Any]) -> None:
        """Set the spec fields and the denormalised columns derived from them."""
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))
        for name, value in self.derived_columns(fields).items():
            setattr(self, name, value)

    @staticmethod
    def derived_columns(fields: dict[str, Any]) -> dict[str, Any]:
        """The indexed copies of nested fields that filters and linking use (year, month, place, perpetrator)."""
        when = fields.get("when") or {}
        start = str(when.get("start") or "")
        month = start[:7] if len(start) >= 7 and when.get("precision") in MONTH_PRECISIONS else None
        return {"year": int(start[:4]) if start[:4].isdigit() else None, "month": month,
                "place_id": (fields.get("where") or {}).get("place_id"),
                "perpetrator_id": (fields.get("perpetrator") or {}).get("id")}  # fmt: skip


MONTH_PRECISIONS = ("day", "month", "season")


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


class Incident(Base):
    """One occurrence (or one standing practice, or one statistic's period) reported by one or more claims."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    act: Mapped[str | None] = mapped_column(String(32))
    indicator: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(40))
    when_start: Mapped[str | None] = mapped_column(String(10))
    when_end: Mapped[str | None] = mapped_column(String(10))
    when_precision: Mapped[str | None] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column(Integer)
    place_id: Mapped[str | None] = mapped_column(String(64))
    perpetrator_id: Mapped[str | None] = mapped_column(String(32))
    victim_group: Mapped[str | None] = mapped_column(String(32))
    count_min: Mapped[int | None] = mapped_column(Integer)
    count_max: Mapped[int | None] = mapped_column(Integer)
    value_min: Mapped[float | None] = mapped_column(Float)
    value_max: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # merged value of each field + where it came from
    n_claims: Mapped[int] = mapped_column(Integer, default=0)
    n_sources: Mapped[int] = mapped_column(Integer, default=0)
    n_independent: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    confidence_breakdown: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="machine")  # machine | reviewed | publishable
    sequel_of: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (*(Index(f"ix_incidents_{c}", c) for c in
                        ("act", "kind", "year", "place_id", "confidence", "status", "indicator")),
                      Index("ix_incidents_sequel_of", "sequel_of", sqlite_where=sql_text("sequel_of IS NOT NULL"),
                            postgresql_where=sql_text("sequel_of IS NOT NULL")))  # fmt: skip


class LinkConstraint(Base):
    """A person's decision that two claims are (must) or are not (cannot) about the same occurrence."""

    __tablename__ = "link_constraints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_a: Mapped[str] = mapped_column(String(32), index=True)
    claim_b: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DuplicateProposal(Base):
    """Two incidents that agree on everything but one hard field: shown to reviewers, never merged by the machine."""

    __tablename__ = "duplicate_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_a: Mapped[str] = mapped_column(String(32), index=True)
    incident_b: Mapped[str] = mapped_column(String(32), index=True)
    conflict: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClaimRevision(Base):
    """A person's correction of a claim: the values before (the machine's, kept) and after."""

    __tablename__ = "claim_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """One entry of the append-only audit log; `hash` chains it to the entry before (see nkwatch.review.audit)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_target", "target_type", "target_id"),)


# --- Accounts (web app, API, vault custodians) -------------------------------------------------------------

ROLES = ("admin", "custodian", "editor", "analyst", "viewer")


class User(Base):
    """A person who signs in. `role` is one of ROLES; the password is kept only as an Argon2id hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored (`id`)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for /api. Only the token's SHA-256 is stored; the token is shown once when made."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LoginAttempt(Base):
    """A failed sign-in, kept for rate limiting by user name and by client address (shared by all workers)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160))  # "user:NAME" or "ip:ADDRESS"
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)


# The vault's tables share this metadata (backup walks every table). They import Base from store.base, not
# from here, so this import goes one way.
from nkwatch.vault import models as _vault_models  # noqa: E402, F401
from nkwatch.watch import models as _watch_models  # noqa: E402, F401 - the watch tables, for backups too
