"""Watch tables: the sources being watched, and each version of each item taken from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from nkwatch.store.base import Base, utcnow


class WatchedSource(Base):
    """A feed, sitemap or listing page, with what its items are ingested as and when it is next due."""

    __tablename__ = "watched_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    feed_type: Mapped[str] = mapped_column(String(10), default="auto")  # auto, feed, sitemap, listing
    kind: Mapped[str] = mapped_column(String(20), default="news")  # what its items are ingested as
    publisher: Mapped[str | None] = mapped_column(Text)
    reliability: Mapped[str] = mapped_column(String(1), default="F")
    every_seconds: Mapped[int] = mapped_column(Integer, default=6 * 3600)
    allow_private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    proxy: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)  # of the feed itself, for conditional requests
    last_modified: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_pass_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    items_taken: Mapped[int] = mapped_column(Integer, default=0)  # new sources, all passes
    last_new: Mapped[int] = mapped_column(Integer, default=0)
    last_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    last_failed: Mapped[int] = mapped_column(Integer, default=0)


class WatchItem(Base):
    """One version of one item (canonical URL) of a watched source. A page whose text changed gets a new row
    pointing at the source it replaces, so every version stays; the newest row of a URL is its state."""

    __tablename__ = "watch_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    watched_source_id: Mapped[int] = mapped_column(ForeignKey("watched_sources.id", ondelete="CASCADE"))
    canonical_url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str | None] = mapped_column(String(64))  # None while the item has never been taken
    previous_source_id: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(12))  # new, known, changed, unchanged, failed
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_watch_items_source_url", "watched_source_id", "canonical_url"),)
