"""communes.search_name: the name folded for an indexed prefix search

Revision ID: 0012scale
Revises: 0011scale
Create Date: 2026-12-02 19:15:00

Issue 12 item 6: the commune search was ``lower(name) LIKE '%q%'``, a scan of every commune
(7.8x slower with the 34,875 communes of the official list than with 10). The name folded
(accents, case and punctuation dropped: ``saint etienne du rouvray``) is kept in a column
with an index on (search_name, id); a search reads a prefix of it as a range of that index
and alphabetical lists read it in order. A plain B-tree on a column does the same on SQLite
and PostgreSQL (collation "C" there, so a prefix is a range whatever the database's
collation); SQLite FTS5 and PostgreSQL trigrams would be two engines with two behaviours,
and the folding (NFKD, ligatures) is done once in Python where both read it.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.models import SEARCH_KEY_TYPE, search_key

revision = "0012scale"
down_revision = "0011scale"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.add_column(
        "communes",
        sa.Column("search_name", SEARCH_KEY_TYPE, nullable=False, server_default=""),
    )
    communes = sa.table(
        "communes",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("search_name", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(communes.c.id, communes.c.name)).all()
    statement = (
        sa.update(communes)
        .where(communes.c.id == sa.bindparam("commune"))
        .values(search_name=sa.bindparam("key"))
    )
    for start in range(0, len(rows), BATCH):
        bind.execute(
            statement,
            [
                {"commune": cid, "key": search_key(name)}
                for cid, name in rows[start : start + BATCH]
            ],
        )
    op.create_index("ix_communes_search_name", "communes", ["search_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_communes_search_name", table_name="communes")
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_column("search_name")
