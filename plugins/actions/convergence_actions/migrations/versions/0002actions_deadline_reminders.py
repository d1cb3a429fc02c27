"""actions: when a campaign's carriers and supporters were told its deadline is near

Revision ID: 0002actions
Revises: 0001actions
Create Date: 2026-12-03 08:05:00

Issue 18 item 1: ``convergence actions deadlines`` (a scheduled task) tells them once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002actions"
down_revision = "0001actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actions_campaigns") as batch_op:
        batch_op.add_column(
            sa.Column("deadline_reminded_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("actions_campaigns") as batch_op:
        batch_op.drop_column("deadline_reminded_at")
