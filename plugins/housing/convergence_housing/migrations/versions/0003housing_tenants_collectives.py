"""housing: tenants' collectives and their grievances

Revision ID: 0003housing
Revises: 0002housing_tenant
Create Date: 2026-12-02 13:50:00

Written by hand (the core revision graph was being re-chained while this was written);
the tenant keys and row-level security come from the core helper, as in 0002.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables

revision = "0003housing"
down_revision = "0002housing_tenant"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "housing_collectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("landlord", sa.String(length=200), nullable=False),
        sa.Column("landlord_address", sa.String(length=300), nullable=False),
        sa.Column("founder_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"],
            name=op.f("fk_housing_collectives_commune_id_communes"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["founder_id"], ["users.id"],
            name=op.f("fk_housing_collectives_founder_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing_collectives")),
        info={"plugin": "housing"},
    )
    with op.batch_alter_table("housing_collectives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_housing_collectives_commune_id"), ["commune_id"], unique=False
        )
    op.create_table(
        "housing_grievances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collective_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("letter", sa.Text(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"], ["housing_collectives.id"],
            name=op.f("fk_housing_grievances_collective_id_housing_collectives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"],
            name=op.f("fk_housing_grievances_commune_id_communes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing_grievances")),
        info={"plugin": "housing"},
    )
    with op.batch_alter_table("housing_grievances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_housing_grievances_commune_id"), ["commune_id"], unique=False
        )
    secure_tenant_tables(op, ["housing_collectives", "housing_grievances"])


def downgrade() -> None:
    op.drop_table("housing_grievances")
    op.drop_table("housing_collectives")
