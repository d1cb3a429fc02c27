"""Accent-insensitive full-text search on PostgreSQL: "ecole" finds "École".

SQLite's FTS5 table removes diacritics itself (``unicode61 remove_diacritics 2``). On
PostgreSQL the index and the queries use two text search configurations of their own,
:data:`FRENCH` and :data:`ENGLISH`, copies of ``french`` and ``english`` in which the
``unaccent`` dictionary (contrib extension ``unaccent``, trusted since PostgreSQL 13)
filters every word before the stemmer — the approach PostgreSQL's documentation gives. The
index expression stays immutable (``to_tsvector`` with a constant configuration) and
``ts_headline`` highlights "École" for "ecole", both going through the same configuration.

The extension is created by the migration, which runs as the owner of the tables (the
application's role, which row-level security restricts, never creates anything). When the
owner may not create it (an old server, a managed database refusing it), the migration
still passes: the configurations stay plain copies (search is then accent-sensitive) and a
warning says so; once a superuser has run ``CREATE EXTENSION unaccent``,
``convergence search accents`` puts the dictionary in and recomputes the index.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

FRENCH = "convergence_french"
ENGLISH = "convergence_english"
#: our configuration → the built-in one it copies (and its stemmer's dictionary)
CONFIGS = {FRENCH: ("french", "french_stem"), ENGLISH: ("english", "english_stem")}
#: the token types that can carry accents (the ascii ones cannot)
WORD_TOKENS = "word, hword, hword_part"


def vector_sql(french: str = FRENCH, english: str = ENGLISH) -> str:
    """The ``search_vector`` expression: titles above texts, in both languages."""
    return (
        f"setweight(to_tsvector('{french}'::regconfig, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector('{french}'::regconfig, coalesce(body, '')), 'B') || "
        f"setweight(to_tsvector('{english}'::regconfig, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector('{english}'::regconfig, coalesce(body, '')), 'B')"
    )


def unaccent_schema(conn: Any) -> str | None:
    """The schema of the ``unaccent`` extension, or None when it is not installed."""
    return conn.execute(
        text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'"
        )
    ).scalar()


def create_extension(conn: Any) -> str | None:
    """Create ``unaccent`` if this role may (in a savepoint: a refusal leaves the
    transaction usable); its schema, or None."""
    schema = unaccent_schema(conn)
    if schema is not None:
        return schema
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except DBAPIError as exc:
        log.warning(
            "PostgreSQL extension unaccent not created (%s): search stays accent-sensitive "
            "until a superuser runs CREATE EXTENSION unaccent, then convergence search accents",
            str(exc.orig).strip().splitlines()[0] if exc.orig else exc,
        )
        return None
    return unaccent_schema(conn)


def install(conn: Any) -> bool:
    """Create (or complete) the two configurations; whether they ignore accents."""
    schema = create_extension(conn)
    for name, (base, stemmer) in CONFIGS.items():
        exists = conn.execute(
            text("SELECT 1 FROM pg_ts_config WHERE cfgname = :name"), {"name": name}
        ).scalar()
        if not exists:
            conn.execute(
                text(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{base})")
            )
        if schema is not None:
            conn.execute(
                text(
                    f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {WORD_TOKENS} "
                    f'WITH "{schema}".unaccent, pg_catalog.{stemmer}'
                )
            )
    return schema is not None


def ignores_accents(conn: Any) -> bool:
    """Whether the French configuration reads "École" as "ecole" would be read."""
    return bool(
        conn.execute(
            text(
                f"SELECT to_tsvector('{FRENCH}'::regconfig, 'École') "
                f"= to_tsvector('{FRENCH}'::regconfig, 'ecole')"
            )
        ).scalar()
    )


def refresh(conn: Any) -> int:
    """Recompute every row's vector (a generated column is computed again on update)."""
    return conn.execute(text("UPDATE search_entries SET body = body")).rowcount


def drop(conn: Any) -> None:
    """Remove the configurations (downgrade; the extension stays: others may use it)."""
    for name in CONFIGS:
        conn.execute(text(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}"))
