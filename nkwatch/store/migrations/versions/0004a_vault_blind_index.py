"""The vault's blind index, one row per name form of a witness (Latin, Hangul, other names).

Revision ID: 0004a
Revises: 0004
Create Date: 2026-11-25

A single keyed digest per witness (vault_witnesses.blind_index, kept) could only match the same witness when
the name was given in the same script; one row per form lets "Kim Chol-su" find the witness recorded as
"김철수" with the same date of birth, still without any plain value.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004a"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_blind_index",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("witness_id", sa.String(16), sa.ForeignKey("vault_witnesses.id"), primary_key=True),
    )
    op.create_index("ix_vault_blind_index_witness_id", "vault_blind_index", ["witness_id"])


def downgrade() -> None:
    op.drop_table("vault_blind_index")
