"""claims.month ("YYYY-MM" of when.start, for claims dated to a day, month or season) and an index on
(act, year, month, place_id).

An incremental link reads, for each new event, the stored claims of its act in the same month and at a
place that can be the same. Filtered on the JSON `when` that read visits every claim of the act and year (a
few thousand each in a store of a million); along this index it visits only the month's at those places.
The index replaces the one on (act, year), which its first two columns serve as well.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("claims", sa.Column("month", sa.String(7), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        start, precision = "json_extract(\"when\", '$.start')", "json_extract(\"when\", '$.precision')"
    else:
        start, precision = "(\"when\"::json ->> 'start')", "(\"when\"::json ->> 'precision')"
    op.execute(f"UPDATE claims SET month = substr({start}, 1, 7) WHERE length({start}) >= 7 "
               f"AND {precision} IN ('day', 'month', 'season')")
    op.drop_index("ix_claims_act_year", "claims")
    op.create_index("ix_claims_link_block", "claims", ["act", "year", "month", "place_id"])


def downgrade() -> None:
    op.drop_index("ix_claims_link_block", "claims")
    op.create_index("ix_claims_act_year", "claims", ["act", "year"])
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("month")
