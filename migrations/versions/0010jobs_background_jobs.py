"""background jobs

Revision ID: 0010jobs
Revises: 0010roster
Create Date: 2026-12-02 12:40:00

Issue 12 item 4: one row per background job (federation.jobs), a tenant row of its
commune: UNIQUE (commune_id, id) and, on PostgreSQL, row-level security through
secure_tenant_tables, like every tenant table.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0010jobs"
down_revision = "0010roster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "background_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("function", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error_kind", sa.String(length=80), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_background_jobs_state_known"),
        ),
        sa.CheckConstraint(
            "done >= 0 AND total >= 0", name=op.f("ck_background_jobs_progress_positive")
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_background_jobs_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_background_jobs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_jobs")),
    )
    with op.batch_alter_table("background_jobs") as batch_op:
        batch_op.create_index(
            "ix_background_jobs_commune_id_created_at", ["commune_id", "created_at"]
        )
        batch_op.create_index(
            "ix_background_jobs_commune_id_subject", ["commune_id", "subject"]
        )
        batch_op.create_index(op.f("ix_background_jobs_commune_id"), ["commune_id"])
    secure_tenant_tables(op, ["background_jobs"])


def downgrade() -> None:
    unsecure_tenant_tables(op, ["background_jobs"])
    with op.batch_alter_table("background_jobs") as batch_op:
        batch_op.drop_index(op.f("ix_background_jobs_commune_id"))
        batch_op.drop_index("ix_background_jobs_commune_id_subject")
        batch_op.drop_index("ix_background_jobs_commune_id_created_at")
    op.drop_table("background_jobs")
