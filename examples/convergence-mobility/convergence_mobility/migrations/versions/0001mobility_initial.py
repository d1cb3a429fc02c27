"""mobility: first revision (the base of the plugin's own branch).

Revision ID: 0001mobility
Revises:
Create Date: 2026-12-02 19:14:41

The branch is labelled with the plugin's name and depends on the core revision that
introduced tenant keys; ``convergence db upgrade`` runs it with every other branch.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0001mobility"
down_revision = None
branch_labels = ("mobility",)
depends_on = "0009tenant"


def upgrade() -> None:
    op.create_table(
        "mobility_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_mobility_items_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_mobility_items_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobility_items")),
        info={"plugin": "mobility"},
    )
    with op.batch_alter_table("mobility_items") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mobility_items_commune_id"), ["commune_id"], unique=False
        )
    # UNIQUE (commune_id, id), composite keys, row-level security on PostgreSQL
    secure_tenant_tables(op, prefix="mobility_")


def downgrade() -> None:
    unsecure_tenant_tables(op, prefix="mobility_")
    op.drop_table("mobility_items")
