"""generated titles as data; accent-insensitive search on PostgreSQL (issue 16)

Revision ID: 0015titles
Revises: 0014stages, 0014search
Create Date: 2026-12-03 07:40:00

Issue 16 item 1: the title a plugin writes for a proposal (a food contract, a water
allocation, a housing allocation, a pooled project), its vote and the decision are data:
``title_kind`` (a renderer declared through ``federation_text_kinds``) and ``title_params``
(JSON), read in the reader's language; ``text_kind`` renders the generated part of a
proposal's (decision's, federation proposal's: a pooled project's figures) text from the
same parameters. Nullable: existing rows keep
their stored title and text, which stay what is shown (the fallback).

Issue 16 item 4: on PostgreSQL, ``search_vector`` is computed with the configurations of
:mod:`federation.search.accents` (``unaccent`` before the stemmer), so that "ecole" finds
"École" as it does with SQLite's FTS5. It changes the index of ``0014search``: it merges
the two heads of the chain (``0014stages`` and ``0014search``).
"""

import sqlalchemy as sa
from alembic import op

from federation.search import accents

revision = "0015titles"
down_revision = ("0014stages", "0014search")
branch_labels = None
depends_on = None

TITLED = ("gov_proposals", "gov_votes", "gov_decisions", "federation_proposals")
WITH_TEXT = ("gov_proposals", "gov_decisions", "federation_proposals")
#: the search vector as 0014search created it (downgrade)
PLAIN_VECTOR = accents.vector_sql("french", "english")


def _vector(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_search_entries_search_vector")
    op.execute("ALTER TABLE search_entries DROP COLUMN IF EXISTS search_vector")
    op.execute(
        f"ALTER TABLE search_entries ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute(
        "CREATE INDEX ix_search_entries_search_vector ON search_entries USING gin (search_vector)"
    )


def upgrade() -> None:
    for table in TITLED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("title_kind", sa.String(length=80), nullable=True))
            batch_op.add_column(sa.Column("title_params", sa.JSON(), nullable=True))
            if table in WITH_TEXT:
                batch_op.add_column(sa.Column("text_kind", sa.String(length=80), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        accents.install(bind)
        _vector(accents.vector_sql())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _vector(PLAIN_VECTOR)
        accents.drop(bind)
    for table in TITLED:
        with op.batch_alter_table(table) as batch_op:
            if table in WITH_TEXT:
                batch_op.drop_column("text_kind")
            batch_op.drop_column("title_params")
            batch_op.drop_column("title_kind")
