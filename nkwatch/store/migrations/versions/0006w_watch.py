"""Watched sources (feeds, sitemaps, listing pages) and the items taken from them, version by version.

Revision ID: 0006w
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006w"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watched_sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("feed_type", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("publisher", sa.Text),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("every_seconds", sa.Integer, nullable=False),
        sa.Column("allow_private", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("proxy", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_pass_at", sa.DateTime(timezone=True)),
        sa.Column("next_due_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("items_taken", sa.Integer, nullable=False),
        sa.Column("last_new", sa.Integer, nullable=False),
        sa.Column("last_unchanged", sa.Integer, nullable=False),
        sa.Column("last_failed", sa.Integer, nullable=False),
    )
    op.create_table(
        "watch_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("watched_source_id", sa.Integer, sa.ForeignKey("watched_sources.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("source_id", sa.String(64)),
        sa.Column("previous_source_id", sa.String(64)),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_watch_items_source_url", "watch_items", ["watched_source_id", "canonical_url"])


def downgrade() -> None:
    op.drop_index("ix_watch_items_source_url", "watch_items")
    op.drop_table("watch_items")
    op.drop_table("watched_sources")
