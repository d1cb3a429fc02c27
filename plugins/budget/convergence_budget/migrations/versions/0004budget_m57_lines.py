"""budget: M57 direction and nature of a line; spending tied to a decision (issue 21)

Revision ID: 0004budget_m57
Revises: 0003budget_sealed
Create Date: 2026-12-03 07:40:00

Budget lines get their direction (expense / revenue, TOTEM's CodRD) and their M57 nature
account. Spending entries booked before every entry had to point to a decision keep their
kind "manual": they are kept as they are and listed as "without decision".
"""

import sqlalchemy as sa
from alembic import op

revision = "0004budget_m57"
down_revision = "0003budget_sealed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("direction", sa.String(length=8), server_default="expense", nullable=False)
        )
        batch_op.add_column(
            sa.Column("nature", sa.String(length=10), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_lines", schema=None) as batch_op:
        batch_op.drop_column("nature")
        batch_op.drop_column("direction")
