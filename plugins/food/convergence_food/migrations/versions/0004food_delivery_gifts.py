"""food: a delivery given to another household (who picks it up)

Revision ID: 0004food_gifts
Revises: 0003food_shared
Create Date: 2026-12-02 19:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004food_gifts"
down_revision = "0003food_shared"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("food_delivery_changes") as batch:
        batch.add_column(sa.Column("recipient_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_food_delivery_changes_recipient_id_users"),
            "users",
            ["recipient_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("food_delivery_changes") as batch:
        batch.drop_constraint(
            batch.f("fk_food_delivery_changes_recipient_id_users"), type_="foreignkey"
        )
        batch.drop_column("recipient_id")
