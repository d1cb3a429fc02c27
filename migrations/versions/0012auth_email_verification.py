"""e-mail verification of accounts

Revision ID: 0012auth
Revises: 0012scale
Create Date: 2026-12-02 19:00:00

Issue 16 item 5: no verification method (residents list, invitation code, a facilitator's
approval) grants a membership before the person has proved they receive mail at their
address. Existing accounts are not marked verified: nobody proved it for them, and the
residents list admitted anyone who typed a listed address. Their memberships stay as they
are; a new join request asks them to confirm first.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012auth"
down_revision = "0012scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
