"""roster: shifts, roles, sign-ups, series, duties, ledger, exemptions, skills, settings, feeds

Revision ID: 0010roster
Revises: 0009tenant
Create Date: 2026-12-02 12:55:00

Issue 14 items 1-3: the core roster. Tenant keys (UNIQUE (commune_id, id), composite foreign
keys) and, on PostgreSQL, row-level security through secure_tenant_tables, as 0009tenant.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0010roster"
down_revision = "0009tenant"
branch_labels = None
depends_on = None

TABLES = [
    "roster_feed_tokens",
    "roster_settings",
    "roster_skills",
    "roster_duties",
    "roster_series",
    "roster_exemptions",
    "roster_ledger",
    "roster_shifts",
    "roster_shift_roles",
    "roster_signups",
]


def upgrade() -> None:
    op.create_table(
        "roster_feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_feed_tokens_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_roster_feed_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_feed_tokens")),
        sa.UniqueConstraint(
            "commune_id", "user_id", name=op.f("uq_roster_feed_tokens_commune_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_roster_feed_tokens_commune_id"), "roster_feed_tokens", ["commune_id"], unique=False
    )
    op.create_table(
        "roster_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("federated_credit", sa.Boolean(), nullable=False),
        sa.Column("remind_hours_before", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_settings_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_settings")),
        sa.UniqueConstraint("commune_id", name=op.f("uq_roster_settings_commune_id")),
    )
    op.create_index(
        op.f("ix_roster_settings_commune_id"), "roster_settings", ["commune_id"], unique=False
    )
    op.create_table(
        "roster_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=80), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_skills_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_roster_skills_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_skills")),
        sa.UniqueConstraint(
            "commune_id", "user_id", "skill", name=op.f("uq_roster_skills_commune_id_user_id_skill")
        ),
    )
    op.create_index(
        op.f("ix_roster_skills_commune_id"), "roster_skills", ["commune_id"], unique=False
    )
    op.create_table(
        "roster_duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("shifts_per_cycle", sa.Integer(), nullable=False),
        sa.Column("cycle_weeks", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("alert_after", sa.Integer(), nullable=False),
        sa.Column("suspend_after", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["gov_bodies.id"],
            name=op.f("fk_roster_duties_body_id_gov_bodies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_duties_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_roster_duties_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_duties")),
    )
    op.create_index(
        "ix_roster_duties_commune_body", "roster_duties", ["commune_id", "body_id"], unique=False
    )
    op.create_index(
        op.f("ix_roster_duties_commune_id"), "roster_duties", ["commune_id"], unique=False
    )
    op.create_table(
        "roster_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("source_kind", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("first_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("weeks_ahead", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("signup_hours_before", sa.Integer(), nullable=False),
        sa.Column("cancel_hours_before", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["gov_bodies.id"],
            name=op.f("fk_roster_series_body_id_gov_bodies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_series_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_roster_series_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_series")),
    )
    op.create_index(
        op.f("ix_roster_series_commune_id"), "roster_series", ["commune_id"], unique=False
    )
    op.create_table(
        "roster_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_exemptions_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["duty_id"],
            ["roster_duties.id"],
            name=op.f("fk_roster_exemptions_duty_id_roster_duties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_roster_exemptions_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_roster_exemptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_exemptions")),
    )
    op.create_index(
        op.f("ix_roster_exemptions_commune_id"), "roster_exemptions", ["commune_id"], unique=False
    )
    op.create_index(
        "ix_roster_exemptions_commune_user",
        "roster_exemptions",
        ["commune_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "roster_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(length=40), nullable=True),
        sa.Column("shift_commune_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_ledger_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["duty_id"],
            ["roster_duties.id"],
            name=op.f("fk_roster_ledger_duty_id_roster_duties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_ledger_shift_commune_id_communes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_roster_ledger_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_ledger")),
        sa.UniqueConstraint(
            "commune_id", "duty_id", "ref", name=op.f("uq_roster_ledger_commune_id_duty_id_ref")
        ),
        sa.UniqueConstraint(
            "commune_id",
            "duty_id",
            "user_id",
            "cycle",
            name=op.f("uq_roster_ledger_commune_id_duty_id_user_id_cycle"),
        ),
    )
    op.create_index(
        op.f("ix_roster_ledger_commune_id"), "roster_ledger", ["commune_id"], unique=False
    )
    op.create_index(
        "ix_roster_ledger_commune_user", "roster_ledger", ["commune_id", "user_id"], unique=False
    )
    op.create_table(
        "roster_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("source_kind", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("signup_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["gov_bodies.id"],
            name=op.f("fk_roster_shifts_body_id_gov_bodies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_shifts_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_roster_shifts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["roster_series.id"],
            name=op.f("fk_roster_shifts_series_id_roster_series"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_shifts")),
        sa.UniqueConstraint(
            "commune_id",
            "series_id",
            "starts_at",
            name=op.f("uq_roster_shifts_commune_id_series_id_starts_at"),
        ),
    )
    op.create_index(
        op.f("ix_roster_shifts_commune_id"), "roster_shifts", ["commune_id"], unique=False
    )
    op.create_index(
        "ix_roster_shifts_commune_source",
        "roster_shifts",
        ["commune_id", "source_kind", "source_ref"],
        unique=False,
    )
    op.create_index(
        "ix_roster_shifts_commune_starts",
        "roster_shifts",
        ["commune_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "roster_shift_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("required_skill", sa.String(length=80), nullable=False),
        sa.Column("required_role", sa.String(length=40), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_shift_roles_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["roster_shifts.id"],
            name=op.f("fk_roster_shift_roles_shift_id_roster_shifts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_shift_roles")),
    )
    op.create_index(
        op.f("ix_roster_shift_roles_commune_id"), "roster_shift_roles", ["commune_id"], unique=False
    )
    op.create_index(
        "ix_roster_shift_roles_commune_shift",
        "roster_shift_roles",
        ["commune_id", "shift_id"],
        unique=False,
    )
    op.create_table(
        "roster_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attendance", sa.String(length=10), nullable=True),
        sa.Column("credit_commune_id", sa.Integer(), nullable=False),
        sa.Column("gift_to_id", sa.Integer(), nullable=True),
        sa.Column("signed_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_signups_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credit_commune_id"],
            ["communes.id"],
            name=op.f("fk_roster_signups_credit_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["gift_to_id"],
            ["users.id"],
            name=op.f("fk_roster_signups_gift_to_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_roster_signups_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roster_shift_roles.id"],
            name=op.f("fk_roster_signups_role_id_roster_shift_roles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["roster_shifts.id"],
            name=op.f("fk_roster_signups_shift_id_roster_shifts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_roster_signups_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_signups")),
        sa.UniqueConstraint(
            "commune_id",
            "shift_id",
            "user_id",
            name=op.f("uq_roster_signups_commune_id_shift_id_user_id"),
        ),
    )
    op.create_index(
        op.f("ix_roster_signups_commune_id"), "roster_signups", ["commune_id"], unique=False
    )
    op.create_index(
        "ix_roster_signups_commune_role",
        "roster_signups",
        ["commune_id", "role_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_roster_signups_commune_user", "roster_signups", ["commune_id", "user_id"], unique=False
    )
    # ### end Alembic commands ###
    secure_tenant_tables(op, tables=TABLES)


def downgrade() -> None:
    unsecure_tenant_tables(op, tables=TABLES)
    op.drop_table("roster_signups")
    op.drop_table("roster_shift_roles")
    op.drop_table("roster_shifts")
    op.drop_table("roster_ledger")
    op.drop_table("roster_exemptions")
    op.drop_table("roster_series")
    op.drop_table("roster_duties")
    op.drop_table("roster_skills")
    op.drop_table("roster_settings")
    op.drop_table("roster_feed_tokens")
