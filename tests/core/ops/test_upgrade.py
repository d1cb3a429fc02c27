"""Upgrading from the previous release's schema with the demo data keeps every row (issue
17 item 6). The demo is loaded at head, the schema taken back to the previous release's
core revision (this release's migrations undone), then upgraded again: every table of the
previous release has as many rows after the upgrade as before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation import migrate
from federation.db import db
from tests.core.test_migrations import _drop, _fresh_database

#: the core's head at the previous release (the revision this release's migrations follow)
PREVIOUS_RELEASE = "0013texts"
DEMO = Path(__file__).resolve().parents[3] / "instances" / "demo" / "demo.toml"
#: tables this release merges into another (source: destination): the actions plugin's
#: places go into the core's ``places`` (migration 0003actions), a place of the same name
#: in the same commune becoming one row. Their rows are checked as moved, not as kept.
MOVED = {"actions_places": "places"}


@pytest.fixture(scope="module")
def demo_database(make_app, convergence_database_url, tmp_path_factory):
    """A database of its own with the demo data, at head (built once for this file)."""
    from federation.demo import load_demo
    from federation.tenancy.context import unscoped

    url, created = _fresh_database(convergence_database_url, tmp_path_factory.mktemp("up"))
    fresh = make_app(database_url=url, extra_plugins=[])  # the installed plugins only
    try:
        with fresh.app_context():
            migrate.upgrade(fresh)
            with unscoped():
                load_demo(fresh, path=DEMO)
                db.session.commit()
            db.session.remove()
        yield fresh
    finally:
        with fresh.app_context():
            db.engine.dispose()
        _drop(created)


@pytest.fixture
def demo_at_previous_release(demo_database):
    """The demo database taken back to the previous release's schema."""
    with demo_database.app_context():
        migrate.downgrade(demo_database, PREVIOUS_RELEASE)
    return demo_database


def table_counts(app) -> dict[str, int]:
    """Rows of every table, read as the tables' owner (raw SQL: a test's privilege)."""
    from sqlalchemy import inspect, text

    from federation.tenancy.scoping import raw_tenant_sql

    counts = {}
    with (
        raw_tenant_sql("the upgrade test counts every table's rows"),
        migrate.owner_engine(app) as engine,
        engine.connect() as connection,
    ):
        for name in sorted(inspect(connection).get_table_names()):
            if name != "alembic_version":
                quoted = connection.dialect.identifier_preparer.quote(name)
                counts[name] = connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar()
    return counts


def upgrade_keeps_every_row(fresh, upgrade=migrate.upgrade) -> dict[str, int]:
    before = table_counts(fresh)
    assert before.get("communes", 0) > 0 and before.get("journal_entries", 0) > 0
    upgrade(fresh)
    assert migrate.current(fresh) == set(migrate.heads(fresh))
    after = table_counts(fresh)
    moved = set(MOVED) | set(MOVED.values())
    changed = {
        t: (n, after.get(t)) for t, n in before.items() if after.get(t) != n and t not in moved
    }
    assert changed == {}, changed
    for source, destination in MOVED.items():
        if source in before:
            assert source not in after, f"{source} should be merged into {destination}"
            kept, merged = before.get(destination, 0), before.get(destination, 0) + before[source]
            assert kept <= after[destination] <= merged, (source, destination, after[destination])
    return before


def test_upgrading_from_the_previous_release_keeps_every_row(demo_at_previous_release):
    counts = upgrade_keeps_every_row(demo_at_previous_release)
    assert sum(counts.values()) > 100


def test_planted_twin_a_lossy_migration_is_caught(demo_at_previous_release):
    from sqlalchemy import text

    def lossy(app):
        migrate.upgrade(app)
        from federation.tenancy.scoping import raw_tenant_sql

        with (
            raw_tenant_sql("the planted lossy migration"),
            migrate.owner_engine(app) as engine,
            engine.begin() as connection,
        ):
            last = connection.execute(text("SELECT max(id) FROM plugin_activations")).scalar()
            connection.execute(text("DELETE FROM plugin_activations WHERE id = :id"), {"id": last})

    with pytest.raises(AssertionError):
        upgrade_keeps_every_row(demo_at_previous_release, upgrade=lossy)
