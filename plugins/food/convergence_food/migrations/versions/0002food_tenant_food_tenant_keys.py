"""food: tenant keys and row-level security

Revision ID: 0002food_tenant
Revises: 0001food
Create Date: 2026-12-02 12:35:00

The core helper (federation.tenancy.ddl) on the plugin's tables: UNIQUE (commune_id, id),
composite keys for references between tenant tables (to core tables too), RLS on
PostgreSQL.
"""

from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0002food_tenant"
down_revision = "0001food"
branch_labels = None
depends_on = "0009tenant"


def upgrade() -> None:
    secure_tenant_tables(op, prefix="food_")


def downgrade() -> None:
    unsecure_tenant_tables(op, prefix="food_")
