"""water: basin links and basin-wide allocation runs

Revision ID: 0003water_basin
Revises: 0002water_tenant
Create Date: 2026-12-03 08:00:00

A commune's connection resource draws on a resource another commune shares in a basin
(``water_basin_links``); a basin-wide allocation, ratified by every member assembly
(``water_basin_runs``); each commune's part of it is an allocation run tagged with the
basin run and the intercommunal proposal. Tenant keys and row-level security as for the
plugin's other tables.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0003water_basin"
down_revision = "0002water_tenant"
branch_labels = None
depends_on = "0004inter"


def upgrade() -> None:
    op.create_table(
        "water_basin_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("owner_commune_id", sa.Integer(), nullable=False),
        sa.Column("shared_resource_id", sa.Integer(), nullable=False),
        sa.Column("local_resource_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_water_basin_links_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_water_basin_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_water_basin_links_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["local_resource_id"],
            ["water_resources.id"],
            name=op.f("fk_water_basin_links_local_resource_id_water_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_commune_id"],
            ["communes.id"],
            name=op.f("fk_water_basin_links_owner_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_basin_links")),
        sa.UniqueConstraint(
            "commune_id",
            "local_resource_id",
            name=op.f("uq_water_basin_links_commune_id_local_resource_id"),
        ),
        info={"plugin": "water"},
    )
    with op.batch_alter_table("water_basin_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_water_basin_links_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            "ix_water_basin_links_commune_shared",
            ["commune_id", "shared_resource_id"],
            unique=False,
        )

    op.create_table(
        "water_basin_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("season", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("available_source", sa.String(length=12), nullable=False),
        sa.Column("vital_litres", sa.Integer(), nullable=False),
        sa.Column("priority", sa.JSON(), nullable=False),
        sa.Column("rules_table", sa.JSON(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("communes", sa.JSON(), nullable=False),
        sa.Column("users_count", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("need_total", sa.BigInteger(), nullable=False),
        sa.Column("allocated", sa.BigInteger(), nullable=False),
        sa.Column("federation_proposal_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_water_basin_runs_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_water_basin_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_water_basin_runs_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["federation_proposal_id"],
            ["federation_proposals.id"],
            name=op.f("fk_water_basin_runs_federation_proposal_id_federation_proposals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["water_basin_runs.id"],
            name=op.f("fk_water_basin_runs_parent_id_water_basin_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["water_resources.id"],
            name=op.f("fk_water_basin_runs_resource_id_water_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_basin_runs")),
        info={"plugin": "water"},
    )
    with op.batch_alter_table("water_basin_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_water_basin_runs_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            "ix_water_basin_runs_commune_resource",
            ["commune_id", "resource_id", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_water_basin_runs_commune_proposal",
            ["commune_id", "federation_proposal_id"],
            unique=False,
        )

    with op.batch_alter_table("water_allocation_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basin_run_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("federation_proposal_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_water_allocation_runs_federation_proposal_id_federation_proposals"),
            "federation_proposals",
            ["federation_proposal_id"],
            ["id"],
            ondelete="SET NULL",
        )

    secure_tenant_tables(op, prefix="water_basin_")


def downgrade() -> None:
    unsecure_tenant_tables(op, tables=["water_basin_links", "water_basin_runs"])
    with op.batch_alter_table("water_allocation_runs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_water_allocation_runs_federation_proposal_id_federation_proposals"),
            type_="foreignkey",
        )
        batch_op.drop_column("federation_proposal_id")
        batch_op.drop_column("basin_run_id")
    op.drop_table("water_basin_runs")
    op.drop_table("water_basin_links")
