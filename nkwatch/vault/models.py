"""Vault tables. Identifying values exist here only as AES-GCM ciphertext; the rest is not identifying."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from nkwatch.store.base import Base, utcnow


class VaultKeys(Base):
    """The one row that describes the vault key: how it is derived, a check value, the wrapped index key."""

    __tablename__ = "vault_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    mode: Mapped[str] = mapped_column(String(16))  # "passphrase" (Argon2id) or "keyfile"
    kdf_salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    kdf_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    check: Mapped[bytes] = mapped_column(LargeBinary)  # a known text sealed under the vault key
    wrapped_index_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Witness(Base):
    """A person who gave testimony, known outside the vault only by the pseudonym `id` (W-0042)."""

    __tablename__ = "vault_witnesses"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    risk_level: Mapped[str] = mapped_column(String(10), default="high")
    blind_index: Mapped[str | None] = mapped_column(String(64), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    identity: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON: name, dob, home town, ...


class BlindIndex(Base):
    """One keyed digest (HMAC of a normalised name form and the date of birth) per name form of a witness."""

    __tablename__ = "vault_blind_index"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    witness_id: Mapped[str] = mapped_column(ForeignKey("vault_witnesses.id"), primary_key=True, index=True)


class Interview(Base):
    """One interview; everything said and attached is in the sealed payload."""

    __tablename__ = "vault_interviews"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # I-0001
    witness_id: Mapped[str] = mapped_column(ForeignKey("vault_witnesses.id"), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the redacted testimony source
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # sealed JSON: date, place, interviewer, text, files


class Consent(Base):
    """What a witness agreed to, when; a withdrawal is a new fact (withdrawn_at), never an edit."""

    __tablename__ = "vault_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    witness_id: Mapped[str] = mapped_column(ForeignKey("vault_witnesses.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20))  # internal | share | publish
    bodies: Mapped[list[str]] = mapped_column(JSON, default=list)  # for "share": e.g. ["OHCHR"]
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(120))
