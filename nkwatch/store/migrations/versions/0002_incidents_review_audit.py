"""Incidents, copy detection, review constraints and revisions, and the hash-chained audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): on SQLite, batch mode rebuilds the table and drops the triggers
    # that keep the full-text index in step.
    op.add_column("sources", sa.Column("derived_from", sa.String(64)))
    op.add_column("sources", sa.Column("derivation", sa.Text))
    op.add_column("sources", sa.Column("fingerprint", sa.LargeBinary))
    op.create_index("ix_sources_derived_from", "sources", ["derived_from"])

    op.create_table(
        "incidents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("act", sa.String(32)),
        sa.Column("indicator", sa.String(32)),
        sa.Column("category", sa.String(40)),
        sa.Column("when_start", sa.String(10)),
        sa.Column("when_end", sa.String(10)),
        sa.Column("when_precision", sa.String(10)),
        sa.Column("year", sa.Integer),
        sa.Column("place_id", sa.String(64)),
        sa.Column("perpetrator_id", sa.String(32)),
        sa.Column("victim_group", sa.String(32)),
        sa.Column("count_min", sa.Integer),
        sa.Column("count_max", sa.Integer),
        sa.Column("value_min", sa.Float),
        sa.Column("value_max", sa.Float),
        sa.Column("fields", sa.JSON),
        sa.Column("n_claims", sa.Integer, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("n_independent", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("confidence_breakdown", sa.JSON),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("sequel_of", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for col in ("act", "kind", "year", "place_id", "confidence", "status", "indicator"):
        op.create_index(f"ix_incidents_{col}", "incidents", [col])

    op.add_column("claims", sa.Column("incident_id", sa.String(32)))
    op.add_column("claims", sa.Column("link_locked", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_claims_incident", "claims", ["incident_id"])
    # Incremental linking looks claims up by act and year (one OR term per block of the new claims).
    op.create_index("ix_claims_act_year", "claims", ["act", "year"])

    op.create_table(
        "link_constraints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_a", sa.String(32), nullable=False, index=True),
        sa.Column("claim_b", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),  # "must" or "cannot"
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "duplicate_proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_a", sa.String(32), nullable=False, index=True),
        sa.Column("incident_b", sa.String(32), nullable=False, index=True),
        sa.Column("conflict", sa.String(20), nullable=False),
        sa.Column("detail", sa.JSON),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "claim_revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(32), sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("before", sa.JSON, nullable=False),
        sa.Column("after", sa.JSON, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),  # ISO text: hashed exactly as stored
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("before", sa.Text, nullable=False),  # canonical JSON text, hashed as stored
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_target", "audit_log", ["target_type", "target_id"])


def downgrade() -> None:
    for t in ("audit_log", "claim_revisions", "duplicate_proposals", "link_constraints"):
        op.drop_table(t)
    op.drop_index("ix_claims_act_year", "claims")
    op.drop_index("ix_claims_incident", "claims")
    with op.batch_alter_table("claims") as b:
        b.drop_column("link_locked")
        b.drop_column("incident_id")
    op.drop_table("incidents")
    op.drop_index("ix_sources_derived_from", "sources")
    with op.batch_alter_table("sources") as b:
        for c in ("fingerprint", "derivation", "derived_from"):
            b.drop_column(c)
