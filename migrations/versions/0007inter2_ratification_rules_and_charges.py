"""ratification: rule for communes that cannot answer; pooled contributions charged

Revision ID: 0007inter2
Revises: 0006gov2
Create Date: 2026-12-02 09:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0007inter2"
down_revision = "0006gov2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("federation_proposals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unable_rule", sa.String(length=10), server_default="abstain", nullable=False)
        )
    with op.batch_alter_table("federation_pooled_contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("charged", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("federation_pooled_contributions", schema=None) as batch_op:
        batch_op.drop_column("charged")
    with op.batch_alter_table("federation_proposals", schema=None) as batch_op:
        batch_op.drop_column("unable_rule")
