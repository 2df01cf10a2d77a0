"""What every table shares: the declarative Base (one metadata for the store's, the vault's and the watch's
tables, which a backup walks whole) and the clock their timestamps come from.

Apart from nkwatch.store.models so that the modules of other tables (nkwatch.vault.models) import this, and
store.models imports them to register their tables, without either importing the other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass
