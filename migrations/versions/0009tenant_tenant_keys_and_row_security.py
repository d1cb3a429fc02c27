"""tenant keys and row-level security

Revision ID: 0009tenant
Revises: 0008journal
Create Date: 2026-12-02 09:30:00

Issue 11 items 3 and 4. Data-driven: every tenant table present at this point (a
``commune_id`` and an ``id`` column, see federation.tenancy.ddl) gets UNIQUE (commune_id,
id), a composite foreign key beside each single-column reference to another tenant table,
and, on PostgreSQL, ENABLE + FORCE row-level security with the tenant policies. Existing
rows stay where they are; rows that already reference another commune are listed and the
migration stops before changing anything. Plugin branches call the same helper.
"""

from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0009tenant"
down_revision = "0008journal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    secure_tenant_tables(op)


def downgrade() -> None:
    unsecure_tenant_tables(op)
