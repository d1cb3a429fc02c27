"""federation-shared plugin data (opt-ins) and shift titles stored as kind + parameters

Revision ID: 0012food
Revises: 0012auth
Create Date: 2026-12-02 19:20:00

Issue 14 item 6: ``shared_data_optins`` (a commune shares a topic's federation rows with the
other communes of a federation that opted in; federation.tenancy.federation_data), a tenant
table with its keys and, on PostgreSQL, row-level security. Shift and series titles may be
stored as a registered kind and its parameters (federation.roster.titles), rendered in the
reader's language at read time.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables
from federation.tenancy.federation_data import (
    drop_registered_federation_policies,
    secure_registered_federation_tables,
)

revision = "0012food"
down_revision = "0012auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_data_optins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("federation_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_shared_data_optins_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["federations.id"],
            name=op.f("fk_shared_data_optins_federation_id_federations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shared_data_optins")),
        sa.UniqueConstraint(
            "commune_id",
            "federation_id",
            "topic",
            name=op.f("uq_shared_data_optins_commune_id_federation_id_topic"),
        ),
    )
    op.create_index(op.f("ix_shared_data_optins_commune_id"), "shared_data_optins", ["commune_id"])
    op.create_index(
        "ix_shared_data_optins_federation_topic",
        "shared_data_optins",
        ["federation_id", "topic"],
    )
    for table in ("roster_shifts", "roster_series"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("title_kind", sa.String(length=60), nullable=False, server_default="")
            )
            batch.add_column(
                sa.Column("title_params", sa.JSON(), nullable=False, server_default="{}")
            )
    secure_tenant_tables(op, tables=["shared_data_optins"])
    # plugins' federation tables migrated before this revision get their policies now
    secure_registered_federation_tables(op)


def downgrade() -> None:
    # plugins' federation tables may outlive this revision (their branches depend on an
    # earlier core revision): their policies read the opt-ins, so they go first
    drop_registered_federation_policies(op)
    unsecure_tenant_tables(op, tables=["shared_data_optins"])
    for table in ("roster_shifts", "roster_series"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("title_params")
            batch.drop_column("title_kind")
    op.drop_index("ix_shared_data_optins_federation_topic", table_name="shared_data_optins")
    op.drop_index(op.f("ix_shared_data_optins_commune_id"), table_name="shared_data_optins")
    op.drop_table("shared_data_optins")
