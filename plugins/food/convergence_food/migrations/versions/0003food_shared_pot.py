"""food: a solidarity pot shared by the communes of a federation that opt in

Revision ID: 0003food_shared
Revises: 0002food_tenant
Create Date: 2026-12-02 19:30:00

Federation rows (federation.tenancy.federation_data, topic ``food.pot``): the shared pot and
its movements, with row-level security on PostgreSQL repeating the ORM rule (members of the
communes of the federation that opted in). The policies read the core's opt-ins table: when
the core's 0012food has not run yet, it creates them when it does.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.federation_data import (
    secure_federation_tables,
    unsecure_federation_tables,
)

revision = "0003food_shared"
down_revision = "0002food_tenant"
branch_labels = None
depends_on = "0011scale"

TABLES = {"food_shared_pots": "food.pot", "food_shared_pot_movements": "food.pot"}


def upgrade() -> None:
    op.create_table(
        "food_shared_pots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("received", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("spent", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "balance >= 0", name=op.f("ck_food_shared_pots_balance_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_food_shared_pots_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_food_shared_pots")),
        sa.UniqueConstraint("federation_id", name=op.f("uq_food_shared_pots_federation_id")),
        info={"plugin": "food"},
    )
    op.create_index(
        op.f("ix_food_shared_pots_federation_id"), "food_shared_pots", ["federation_id"]
    )
    op.create_table(
        "food_shared_pot_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("balance_after", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("origin_commune_id", sa.Integer(), nullable=True),
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_food_shared_pot_movements_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["origin_commune_id"],
            ["communes.id"],
            name=op.f("fk_food_shared_pot_movements_origin_commune_id_communes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pot_id"],
            ["food_shared_pots.id"],
            name=op.f("fk_food_shared_pot_movements_pot_id_food_shared_pots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_food_shared_pot_movements")),
        info={"plugin": "food"},
    )
    op.create_index(
        op.f("ix_food_shared_pot_movements_federation_id"),
        "food_shared_pot_movements",
        ["federation_id"],
    )
    op.create_index(
        "ix_food_shared_pot_movements_federation_pot",
        "food_shared_pot_movements",
        ["federation_id", "pot_id"],
    )
    secure_federation_tables(op, TABLES)


def downgrade() -> None:
    unsecure_federation_tables(op, list(TABLES))
    op.drop_table("food_shared_pot_movements")
    op.drop_table("food_shared_pots")
