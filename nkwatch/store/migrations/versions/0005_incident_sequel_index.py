"""An index on incidents.sequel_of: the incident page lists an incident's sequels (the incidents whose
sequel_of is this one), which without it reads every incident (6 ms for 15,000). Partial, on the few
incidents that are sequels: a full index of mostly NULLs makes SQLite's planner (after ANALYZE) take it for
useless and scan the table anyway.

Revision ID: 0005
Revises: 0004a
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004a"
branch_labels = None
depends_on = None
SEQUELS = "sequel_of IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_incidents_sequel_of", "incidents", ["sequel_of"], sqlite_where=sa.text(SEQUELS),
                    postgresql_where=sa.text(SEQUELS))


def downgrade() -> None:
    op.drop_index("ix_incidents_sequel_of", table_name="incidents")
