"""The witness vault: key description, witnesses, interviews (sealed) and consents.

Revision ID: 0004
Revises: 0003a
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("kdf_salt", sa.LargeBinary),
        sa.Column("kdf_params", sa.JSON),
        sa.Column("check", sa.LargeBinary, nullable=False),
        sa.Column("wrapped_index_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "vault_witnesses",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=False),
        sa.Column("blind_index", sa.String(64)),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("identity", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_vault_witnesses_blind_index", "vault_witnesses", ["blind_index"])
    op.create_table(
        "vault_interviews",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("witness_id", sa.String(16), sa.ForeignKey("vault_witnesses.id"), nullable=False),
        sa.Column("source_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_vault_interviews_witness_id", "vault_interviews", ["witness_id"])
    op.create_index("ix_vault_interviews_source_id", "vault_interviews", ["source_id"])
    op.create_table(
        "vault_consents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("witness_id", sa.String(16), sa.ForeignKey("vault_witnesses.id"), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("bodies", sa.JSON, nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.Column("recorded_by", sa.String(120), nullable=False),
    )
    op.create_index("ix_vault_consents_witness_id", "vault_consents", ["witness_id"])


def downgrade() -> None:
    for t in ("vault_consents", "vault_interviews", "vault_witnesses", "vault_keys"):
        op.drop_table(t)
