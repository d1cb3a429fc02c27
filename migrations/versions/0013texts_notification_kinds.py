"""notifications stored as a kind and parameters, rendered in the reader's language

Revision ID: 0013texts
Revises: 0012food
Create Date: 2026-12-03 04:50:00

Issue 16 item 1: a notification keeps ``kind`` + ``params`` (JSON) and is rendered at read
time (federation.texts); ``message`` stays for older notices and kinds without a renderer.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013texts"
down_revision = "0012food"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("kind", sa.String(80), nullable=False, server_default=""))
        batch.add_column(sa.Column("params", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("params")
        batch.drop_column("kind")
