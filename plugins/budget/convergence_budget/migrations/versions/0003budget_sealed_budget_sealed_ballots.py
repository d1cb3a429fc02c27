"""budget: sealed ballots of participatory budgeting (issue 10 item 3)

Revision ID: 0003budget_sealed
Revises: 0002budget_tenant
Create Date: 2026-12-02 10:40:00

A ballot cast while the vote is open is sealed here (core ballot box) in the voter's
transaction; the closing transaction opens them into budget_pb_ballots in random order and
deletes them. Tenant keys and row-level security as in 0002budget_tenant.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0003budget_sealed"
down_revision = "0002budget_tenant"
branch_labels = None
depends_on = None

TABLE = "budget_pb_sealed_ballots"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_budget_pb_sealed_ballots_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["budget_pb_processes.id"],
            name=op.f("fk_budget_pb_sealed_ballots_process_id_budget_pb_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_pb_sealed_ballots")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_pb_sealed_ballots_commune_id"), ["commune_id"], unique=False
        )
        batch_op.create_index(
            "ix_budget_pb_sealed_ballots_commune_process",
            ["commune_id", "process_id"],
            unique=False,
        )
    secure_tenant_tables(op, tables=[TABLE])


def downgrade() -> None:
    unsecure_tenant_tables(op, tables=[TABLE])
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index("ix_budget_pb_sealed_ballots_commune_process")
        batch_op.drop_index(batch_op.f("ix_budget_pb_sealed_ballots_commune_id"))
    op.drop_table(TABLE)
