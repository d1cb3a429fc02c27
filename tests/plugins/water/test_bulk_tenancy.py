"""Issue 11 item 8: the bulk writer of meter readings (COPY on PostgreSQL, ORM bulk INSERT
elsewhere) keeps every row in the current commune.

Run on SQLite (the ORM path) and on PostgreSQL with psycopg (the COPY path). The last test
plants the guard off and proves the foreign row then lands in the other commune.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from convergence_water import readings
from convergence_water.bulk import BulkWriter, bulk_insert
from convergence_water.models import MeterReading
from sqlalchemy import func, select

from federation.db import db
from federation.tenancy.context import federation_scope, unscoped
from federation.tenancy.scoping import CrossCommuneWrite, TenantScopeError
from tests.core.test_tenancy_writes import skip_under_row_security
from tests.plugins.water.conftest import make_town

DAY = date.today() - timedelta(days=2)


@pytest.fixture
def towns(factory, in_commune):
    a = make_town(factory, in_commune)
    b = make_town(factory, in_commune, slug="autre-source", name="Autre-Source")
    return a, b


def _readings(app) -> dict[int, int]:
    with app.app_context(), unscoped():
        rows = db.session.execute(
            select(MeterReading.commune_id, func.count()).group_by(MeterReading.commune_id)
        ).all()
        db.session.rollback()
    return dict(rows)


def _foreign_row(b):
    return (b.commune.id, b.users["dupuy"], DAY, 7000, "api")


def test_a_foreign_commune_id_in_the_rows_stores_nothing(app, in_commune, towns):
    a, b = towns
    own = (a.commune.id, a.users["dupuy"], DAY, 5000, "api")
    with in_commune(a.commune):
        with pytest.raises(CrossCommuneWrite):
            bulk_insert(MeterReading.__table__, readings.READING_COLUMNS, [own, _foreign_row(b)])
        db.session.rollback()
    assert _readings(app) == {}


def test_rows_without_commune_id_are_stamped_with_the_scope(app, in_commune, towns):
    a, _b = towns
    columns = ("water_user_id", "read_on", "index_l", "source")
    with in_commune(a.commune):
        assert bulk_insert(MeterReading.__table__, columns, [(a.users["dupuy"], DAY, 1, "api")])
    assert _readings(app) == {a.commune.id: 1}


def test_no_bulk_write_without_a_commune_scope_or_in_a_federation_scope(app, towns):
    a, b = towns
    with app.app_context():
        with pytest.raises(TenantScopeError):
            BulkWriter(MeterReading.__table__, readings.READING_COLUMNS)
        with federation_scope([a.commune.id, b.commune.id]), pytest.raises(CrossCommuneWrite):
            BulkWriter(MeterReading.__table__, readings.READING_COLUMNS)
        db.session.rollback()
    assert _readings(app) == {}


def test_the_unscoped_context_writes_the_commune_it_names(app, towns):
    _a, b = towns
    with app.app_context(), unscoped():
        bulk_insert(MeterReading.__table__, readings.READING_COLUMNS, [_foreign_row(b)])
        db.session.commit()
    assert _readings(app) == {b.commune.id: 1}


def test_a_csv_import_never_reaches_the_other_communes_meters(app, in_commune, towns):
    """Both communes have a meter M2: A's file stores on A's meter only."""
    a, b = towns
    with in_commune(a.commune):
        report = readings.import_text(f"compteur;date;index\nM2;{DAY.isoformat()};3\n")
        assert report.stored == 1
    assert _readings(app) == {a.commune.id: 1}


def test_the_foreign_row_lands_in_the_other_commune_when_the_guard_is_planted_off(
    app, in_commune, towns, monkeypatch
):
    """The planted bypass: with the checks off, the test above would see the leak."""
    from federation.tenancy import scoping

    skip_under_row_security(app)
    a, b = towns
    monkeypatch.setattr(scoping, "bulk_write_commune", lambda *_a: None)
    monkeypatch.setattr(scoping, "_check_dml", lambda *_a, **_k: None)
    with in_commune(a.commune):
        bulk_insert(MeterReading.__table__, readings.READING_COLUMNS, [_foreign_row(b)])
    assert _readings(app) == {b.commune.id: 1}
