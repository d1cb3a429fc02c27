"""epci: each commune's intercommunality as the official list gives it (issue 20 item 7)

Revision ID: 0015epci
Revises: 0015titles
Create Date: 2026-12-03 07:50:00

``communes.epci_siren`` and ``communes.epci_name``, written by ``convergence commune
import`` (columns ``epci_siren``, ``epci_nom``); ``--create-federations`` makes each a
federation ``epci-<siren>``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015epci"
down_revision = "0015titles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("communes", sa.Column("epci_siren", sa.String(length=9), nullable=True))
    op.add_column("communes", sa.Column("epci_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("communes") as batch:
        batch.drop_column("epci_name")
        batch.drop_column("epci_siren")
