"""elections: the movement's treasury (contributions, expenses, the decision behind each)

Revision ID: 0002elections
Revises: 0001elections
Create Date: 2026-12-03 07:45:00

Issue 19 item 1: what the platform offers before "in office". A tenant table with the
tenant keys and, on PostgreSQL, row-level security (``secure_tenant_tables``).
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0002elections"
down_revision = "0001elections"
branch_labels = None
depends_on = None

TABLE = "elections_treasury"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("counterpart", sa.String(length=200), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("journal_seq", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_elections_treasury_amount_positive")),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_elections_treasury_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["gov_decisions.id"],
            name=op.f("fk_elections_treasury_decision_id_gov_decisions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_elections_treasury_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections_treasury")),
        info={"plugin": "elections"},
    )
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.create_index(batch_op.f("ix_elections_treasury_commune_id"), ["commune_id"])
    secure_tenant_tables(op, tables=[TABLE])


def downgrade() -> None:
    unsecure_tenant_tables(op, tables=[TABLE])
    op.drop_table(TABLE)
