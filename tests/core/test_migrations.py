"""Migrations build the whole schema from empty, and models and migrations never drift."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from federation import migrate
from federation.db import db

TEST_ONLY_TABLES = {"notes_notes"}


def _fresh_database(app_url: str, tmp_path):
    """A new empty database of the same kind as the test database."""
    if app_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}", None
    name = f"convergence_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(app_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return app_url.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def _drop(created) -> None:
    if created:
        admin, name = created
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_has_no_drift_and_downgrades(
    make_app, app, convergence_database_url, tmp_path
):
    url, created = _fresh_database(convergence_database_url, tmp_path)
    try:
        fresh = make_app(database_url=url)
        with fresh.app_context():
            migrate.upgrade(fresh)
            assert migrate.current(fresh) == set(migrate.heads(fresh))
            differences = [
                d
                for d in migrate.drift(fresh)
                if not (d[0] == "add_table" and d[1].name in TEST_ONLY_TABLES)
                and not (d[0] == "add_index" and d[1].table.name in TEST_ONLY_TABLES)
            ]
            assert differences == [], differences
            migrate.downgrade(fresh, "base")
            assert migrate.current(fresh) == set()
            migrate.upgrade(fresh)
            db.engine.dispose()
    finally:
        _drop(created)


def test_every_plugin_branch_depends_on_core(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(app))
    for base in script.get_bases():
        revision = script.get_revision(base)
        labels = set(revision.branch_labels or ())
        assert labels, f"base revision {base} needs a branch label"
        if "core" not in labels:
            assert revision.dependencies, f"plugin branch {labels} must depend on core"
