"""housing: tenant keys and row-level security

Revision ID: 0002housing_tenant
Revises: 0001housing
Create Date: 2026-12-02 12:40:00

The core helper (federation.tenancy.ddl) on the plugin's tables: UNIQUE (commune_id, id),
composite keys for references between tenant tables (core tables too), RLS on PostgreSQL.
Idempotent: the keys the first revision already created are kept as they are.
"""

from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0002housing_tenant"
down_revision = "0001housing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    secure_tenant_tables(op, prefix="housing_")


def downgrade() -> None:
    unsecure_tenant_tables(op, prefix="housing_")
