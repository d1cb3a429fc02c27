"""water: tenant keys and row-level security

Revision ID: 0002water_tenant
Revises: 0001water
Create Date: 2026-12-02 09:30:00

The core helper (federation.tenancy.ddl) on the plugin's tables: UNIQUE (commune_id, id),
composite keys for references between tenant tables (to core tables too), RLS on
PostgreSQL.
"""

from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0002water_tenant"
down_revision = "0001water"
branch_labels = None
depends_on = None


def upgrade() -> None:
    secure_tenant_tables(op, prefix="water_")


def downgrade() -> None:
    unsecure_tenant_tables(op, prefix="water_")
