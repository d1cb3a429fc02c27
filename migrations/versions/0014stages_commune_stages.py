"""stages: a commune's stage on the path from movement to town hall (issue 19)

Revision ID: 0014stages
Revises: 0013texts
Create Date: 2026-12-03 04:40:00

One row per move (core group → programme → list → campaign → in office → opened wide),
with the decision that moved it and its journal entry; the latest row is the stage.
Tenant keys and row-level security through secure_tenant_tables, as 0010roster.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0014stages"
down_revision = "0013texts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gov_stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("previous", sa.String(length=32), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("journal_seq", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_gov_stage_changes_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["gov_decisions.id"],
            name=op.f("fk_gov_stage_changes_decision_id_gov_decisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gov_stage_changes")),
    )
    op.create_index(
        op.f("ix_gov_stage_changes_commune_id"), "gov_stage_changes", ["commune_id"], unique=False
    )
    secure_tenant_tables(op, tables=["gov_stage_changes"])


def downgrade() -> None:
    unsecure_tenant_tables(op, tables=["gov_stage_changes"])
    op.drop_index(op.f("ix_gov_stage_changes_commune_id"), table_name="gov_stage_changes")
    op.drop_table("gov_stage_changes")
