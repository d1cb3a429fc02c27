"""index on communes.name

Revision ID: 0011scale
Revises: 0010jobs
Create Date: 2026-12-02 14:00:00

Issue 12 item 6: the portal and the commune search list communes by name (ORDER BY name
LIMIT 61): with the whole official list (34,875 communes) an index reads the first page
instead of sorting every commune.
"""

from alembic import op

revision = "0011scale"
down_revision = "0010jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_communes_name", "communes", ["name"])


def downgrade() -> None:
    op.drop_index("ix_communes_name", table_name="communes")
