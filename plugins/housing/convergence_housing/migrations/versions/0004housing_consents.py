"""housing: consents of a household's commune to an allocation in another commune;
the allocation's chosen request when it is another commune's; the day a grievance
became a letter (rendered from its template in the reader's language)

Revision ID: 0004housing
Revises: 0003housing
Create Date: 2026-12-02 19:10:00

Issue 13 item 6: a request open to several communes of a federation; the household's own
commune consents per allocation. Tenant keys and row-level security from the core helper.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables

revision = "0004housing"
down_revision = "0003housing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "housing_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("host_commune_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["housing_requests.id"],
            name=op.f("fk_housing_consents_request_id_housing_requests"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_commune_id"], ["communes.id"],
            name=op.f("fk_housing_consents_host_commune_id_communes"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"],
            name=op.f("fk_housing_consents_answered_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"],
            name=op.f("fk_housing_consents_commune_id_communes"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_housing_consents")),
        sa.UniqueConstraint(
            "commune_id", "host_commune_id", "allocation_id", "request_id",
            name=op.f("uq_housing_consents_one_answer"),
        ),
        info={"plugin": "housing"},
    )
    with op.batch_alter_table("housing_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_housing_consents_commune_id"), ["commune_id"], unique=False
        )
    secure_tenant_tables(op, ["housing_consents"])
    with op.batch_alter_table("housing_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chosen_elsewhere_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("housing_grievances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("letter_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("housing_grievances", schema=None) as batch_op:
        batch_op.drop_column("letter_on")
    with op.batch_alter_table("housing_allocations", schema=None) as batch_op:
        batch_op.drop_column("chosen_elsewhere_id")
    op.drop_table("housing_consents")
