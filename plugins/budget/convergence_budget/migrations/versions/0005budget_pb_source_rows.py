"""budget: pabulib files kept as imported (issue 21 items 3 and 4)

Revision ID: 0005budget_pb
Revises: 0004budget_m57
Create Date: 2026-12-03 07:40:00

An imported pabulib file exports back as it was: each project's and each vote's row of the
file, every column (description, district, latitude…, age, sex, voting_method…), is kept as
JSON beside the data the platform uses, and the file's vote type (approval, choose-1,
cumulative, scoring, ordinal) is kept as such.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005budget_pb"
down_revision = "0004budget_m57"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_pb_processes") as batch:
        batch.add_column(sa.Column("vote_type", sa.String(length=12), nullable=True))
    with op.batch_alter_table("budget_pb_projects") as batch:
        batch.add_column(sa.Column("source_row", sa.JSON(), nullable=True))
    with op.batch_alter_table("budget_pb_ballots") as batch:
        batch.add_column(sa.Column("source_row", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("budget_pb_ballots") as batch:
        batch.drop_column("source_row")
    with op.batch_alter_table("budget_pb_projects") as batch:
        batch.drop_column("source_row")
    with op.batch_alter_table("budget_pb_processes") as batch:
        batch.drop_column("vote_type")
