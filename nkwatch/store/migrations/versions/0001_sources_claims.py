"""Sources, claims, claim status history and full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# SQLite: standalone FTS5 tables kept in step by triggers. (External-content FTS would key on the
# implicit rowid, which VACUUM may renumber for tables with a text primary key.)
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE sources_fts USING fts5(source_id UNINDEXED, title, text,"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER sources_fts_ai AFTER INSERT ON sources BEGIN"
    " INSERT INTO sources_fts(source_id, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE TRIGGER sources_fts_ad AFTER DELETE ON sources BEGIN"
    " DELETE FROM sources_fts WHERE source_id = old.id; END",
    "CREATE TRIGGER sources_fts_au AFTER UPDATE OF title, text ON sources BEGIN"
    " DELETE FROM sources_fts WHERE source_id = old.id;"
    " INSERT INTO sources_fts(source_id, title, text) VALUES (new.id, new.title, new.text); END",
    "CREATE VIRTUAL TABLE claims_fts USING fts5(claim_id UNINDEXED, quote,"
    " tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER claims_fts_ai AFTER INSERT ON claims BEGIN"
    " INSERT INTO claims_fts(claim_id, quote) VALUES (new.id, new.quote); END",
    "CREATE TRIGGER claims_fts_ad AFTER DELETE ON claims BEGIN"
    " DELETE FROM claims_fts WHERE claim_id = old.id; END",
]

# PostgreSQL: generated tsvector columns with GIN indexes.
POSTGRES_FTS = [
    "ALTER TABLE sources ADD COLUMN tsv tsvector GENERATED ALWAYS AS"
    " (setweight(to_tsvector('english', coalesce(title, '')), 'A') || to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_sources_tsv ON sources USING gin (tsv)",
    "ALTER TABLE claims ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', quote)) STORED",
    "CREATE INDEX ix_claims_tsv ON claims USING gin (tsv)",
]


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("publisher", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("published_at", sa.String(10)),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("filename", sa.Text),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("pages", sa.JSON),
        sa.Column("extractor_version", sa.String(32)),
    )
    op.create_index("ix_sources_published_at", "sources", ["published_at"])
    op.create_index("ix_sources_kind", "sources", ["kind"])

    op.create_table(
        "claims",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source_id", sa.String(64), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("span_start", sa.Integer, nullable=False),
        sa.Column("span_end", sa.Integer, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("act", sa.String(32)),
        sa.Column("grounds", sa.String(20)),
        sa.Column("when", sa.JSON),
        sa.Column("where", sa.JSON),
        sa.Column("perpetrator", sa.JSON),
        sa.Column("victims", sa.JSON),
        sa.Column("punishment", sa.JSON),
        sa.Column("law", sa.String(32)),
        sa.Column("hedged", sa.Boolean, nullable=False),
        sa.Column("indicator", sa.String(32)),
        sa.Column("value", sa.Float),
        sa.Column("value_min", sa.Float),
        sa.Column("value_max", sa.Float),
        sa.Column("unit", sa.String(32)),
        sa.Column("period", sa.String(32)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON),
        sa.Column("extractor_version", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("place_id", sa.String(64)),
        sa.Column("perpetrator_id", sa.String(32)),
    )
    for col in ("source_id", "act", "year", "place_id", "indicator"):
        name = "source" if col == "source_id" else col.removesuffix("_id") if col == "place_id" else col
        op.create_index(f"ix_claims_{name}", "claims", [col])

    op.create_table(
        "claim_status_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(32), sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_claim_status_history_claim_id", "claim_status_history", ["claim_id"])

    for stmt in SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS:
        op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("sources_fts", "claims_fts"):
            op.execute(f"DROP TABLE IF EXISTS {name}")
    op.drop_table("claim_status_history")
    op.drop_table("claims")
    op.drop_table("sources")
