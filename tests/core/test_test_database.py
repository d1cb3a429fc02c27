"""The test database's reset between tests (federation/testing/database.py): every table a
test wrote to is empty again and every sequence starts over, on SQLite and PostgreSQL —
including the journal, whose triggers refuse deletes to the application."""

from __future__ import annotations

from sqlalchemy import func, select

from federation.db import db
from federation.journal.models import JournalEntry
from federation.journal.services import record
from federation.tenancy.context import commune_scope, unscoped
from federation.tenancy.models import Commune


def _fill(app, factory) -> int:
    commune = factory.commune("reset-check", "Resetville")
    factory.member(commune, "admin", factory.user("reset@example.org"))
    with app.app_context(), commune_scope(commune.id):
        record("reset.check", "entry", {}, commune_id=commune.id, actor="test")
        db.session.commit()
    return commune.id


def _counts(app) -> dict[str, int]:
    from tests.core.test_isolation_walk import as_owner

    with app.app_context(), as_owner() as conn:
        tables = [t for t in db.metadata.sorted_tables if t.name != "alembic_version"]
        existing = set(db.inspect(db.engine).get_table_names())
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in tables
            if t.name in existing
        }


def test_a_reset_empties_what_a_test_wrote_and_restarts_ids(app, factory):
    first = _fill(app, factory)
    assert _counts(app)["journal_entries"] > 0
    app.extensions["convergence_test_db"].reset(app)
    assert {t: n for t, n in _counts(app).items() if n} == {}
    assert _fill(app, factory) == first  # sequences started over
    with app.app_context(), unscoped():
        assert db.session.scalar(select(func.count()).select_from(Commune)) == 1
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 1
