"""search index: search_entries, SQLite FTS5 / PostgreSQL tsvector + GIN; places

Revision ID: 0014search
Revises: 0013texts
Create Date: 2026-12-03 05:00:00

Issue 16 item 4. One tenant table, ``search_entries`` (a row per searchable object), kept in
sync in the flush that writes the object (federation.search.index). The full-text part is
dialect-specific and outside the models (federation.search.models.OUTSIDE_METADATA):

* SQLite: an external-content FTS5 table ``search_fts`` (unicode61, diacritics removed) kept
  in step with ``search_entries`` by triggers, in the writing transaction;
* PostgreSQL: a generated ``search_vector`` column (French and English configurations, the
  title weighted above the text) and its GIN index.

Existing proposals, concerns, decisions, meetings and commune journal entries are indexed
here; ``convergence search reindex`` rebuilds everything (plugins' objects included, and
journal entries with their sentence in both languages).

Issue 16 item 7: ``places``, a commune's places with optional coordinates (the map).
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0014search"
down_revision = "0013texts"
branch_labels = None
depends_on = None

FTS_TRIGGERS = {
    "search_entries_fts_insert": (
        "AFTER INSERT ON search_entries BEGIN "
        "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    ),
    "search_entries_fts_delete": (
        "AFTER DELETE ON search_entries BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); END"
    ),
    "search_entries_fts_update": (
        "AFTER UPDATE ON search_entries BEGIN "
        "INSERT INTO search_fts(search_fts, rowid, title, body) "
        "VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    ),
}

PG_VECTOR = (
    "setweight(to_tsvector('french'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('french'::regconfig, coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')"
)

#: the objects that exist today: (kind, table, title, body, public, date, extra condition)
EXISTING = [
    (
        "governance.proposal",
        "gov_proposals",
        "title",
        "text",
        "status NOT IN ('draft', 'withdrawn')",
        "COALESCE(decided_at, opened_at, created_at)",
        "",
    ),
    (
        "governance.concern",
        "gov_concerns",
        "title",
        "description || ' ' || place || ' ' || affected || ' ' || theme",
        "TRUE",
        "created_at",
        "",
    ),
    ("governance.decision", "gov_decisions", "title", "text", "TRUE", "adopted_at", ""),
    (
        "governance.meeting",
        "gov_meetings",
        "title",
        "place || ' ' || CASE WHEN minutes_published_at IS NULL THEN '' ELSE minutes END",
        "status <> 'cancelled'",
        "starts_at",
        "",
    ),
    (
        "journal.entry",
        "journal_entries",
        "CASE WHEN summary = '' THEN kind ELSE summary END",
        "payload",
        "TRUE",
        "NULL",
        "WHERE commune_id IS NOT NULL",
    ),
]


def existing_rows_sql() -> list[str]:
    """One ``INSERT … SELECT`` per kind of object that exists before this revision."""
    return [
        "INSERT INTO search_entries "  # noqa: S608 - constants above
        "(commune_id, kind, ref, title, body, public, happened_at) "
        f"SELECT commune_id, '{kind}', CAST(id AS VARCHAR(60)), SUBSTR({title}, 1, 300), "
        f"{body}, CASE WHEN {public} THEN TRUE ELSE FALSE END, {when} "
        f"FROM {source} {condition}"
        for kind, source, title, body, public, when, condition in EXISTING
    ]


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("ref", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_search_entries_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_entries")),
        sa.UniqueConstraint(
            "commune_id", "kind", "ref", name=op.f("uq_search_entries_commune_id_kind_ref")
        ),
    )
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.create_index("ix_search_entries_commune_id_public", ["commune_id", "public"])
        batch_op.create_index(op.f("ix_search_entries_commune_id"), ["commune_id"])
    secure_tenant_tables(op, ["search_entries"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_entries', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        for name, body in FTS_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute(
            f"ALTER TABLE search_entries ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_search_entries_search_vector ON search_entries "
            "USING gin (search_vector)"
        )
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_places_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("commune_id", "name", name=op.f("uq_places_commune_id_name")),
    )
    with op.batch_alter_table("places") as batch_op:
        batch_op.create_index(op.f("ix_places_commune_id"), ["commune_id"])
    secure_tenant_tables(op, ["places"])
    for statement in existing_rows_sql():
        op.execute(statement)


def downgrade() -> None:
    unsecure_tenant_tables(op, ["places"])
    with op.batch_alter_table("places") as batch_op:
        batch_op.drop_index(op.f("ix_places_commune_id"))
    op.drop_table("places")
    if op.get_bind().dialect.name == "sqlite":
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    unsecure_tenant_tables(op, ["search_entries"])
    with op.batch_alter_table("search_entries") as batch_op:
        batch_op.drop_index(op.f("ix_search_entries_commune_id"))
        batch_op.drop_index("ix_search_entries_commune_id_public")
    op.drop_table("search_entries")
