"""The official commune list is imported in bulk (issue 12 item 6): one query loads the known
communes, new ones go through the one commune-creation service (bulk INSERT, the
``federation_communes_created`` hook in the same transaction), changed ones are updated in
bulk; the report counts created, updated and unchanged communes and names bad lines."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from federation.db import db
from federation.errors import Conflict
from federation.plugins import hookimpl
from federation.tenancy import scoping
from federation.tenancy import services as tenancy
from federation.tenancy.context import unscoped
from federation.tenancy.models import Commune
from federation.testing.queries import count_queries

FIELDS = ["code_insee", "nom", "dep", "population_municipale"]


def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    return path


def _rows(count: int, *, population: int = 100, start: int = 0) -> list[tuple[str, str, str, str]]:
    return [(f"23{n:03d}", f"Ville {n}", "23", str(population + n)) for n in range(start, count)]


def _import(app, path: Path, **kw) -> tenancy.ImportReport:
    with app.app_context(), unscoped():
        report = tenancy.import_communes_csv(path, **kw)
        db.session.commit()
    return report


def _communes(app) -> dict[str, tuple[str, int | None, str | None]]:
    with app.app_context(), unscoped():
        rows = db.session.execute(
            select(Commune.insee_code, Commune.name, Commune.population, Commune.departement)
        ).all()
    return {code: (name, population, dep) for code, name, population, dep in rows}


def test_update_reports_created_updated_unchanged(app, tmp_path):
    first = _import(app, _csv(tmp_path / "a.csv", _rows(5)))
    assert (first.created, first.updated, first.unchanged, first.errors) == (5, 0, 0, [])
    rows = _rows(5)
    rows[1] = ("23001", "Ville Un", "23", "101")  # renamed
    rows[3] = ("23003", "Ville 3", "19", "999")  # moved, grown
    rows.append(("23077", "Faux-la-Montagne", "23", "443"))  # new
    report = _import(app, _csv(tmp_path / "b.csv", rows), update_existing=True)
    assert (report.created, report.updated, report.unchanged, report.skipped) == (1, 2, 3, 0)
    communes = _communes(app)
    assert communes["23001"] == ("Ville Un", 101, "23")
    assert communes["23003"] == ("Ville 3", 999, "19")
    assert communes["23002"] == ("Ville 2", 102, "23")
    assert communes["23077"] == ("Faux-la-Montagne", 443, "23")
    again = _import(app, _csv(tmp_path / "b.csv", rows), update_existing=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    without_update = _import(app, _csv(tmp_path / "c.csv", _rows(5, population=7)))
    assert (without_update.updated, without_update.skipped) == (0, 5)
    assert _communes(app)["23002"] == ("Ville 2", 102, "23")  # not changed without --update


def test_bad_lines_are_named_and_nothing_of_them_is_written(app, tmp_path):
    _import(app, _csv(tmp_path / "a.csv", _rows(2)))
    rows = [
        ("23000", "Ville 0", "23", "beaucoup"),  # line 2: known commune, bad population
        ("23010", "", "23", "5"),  # line 3: no name
        ("23011", "Ville 11", "23", "11"),  # line 4: good
        ("23011", "Ville 11 bis", "23", "12"),  # line 5: the code of line 4 again
        ("2301", "Ville courte", "23", "1"),  # line 6: bad code
    ]
    report = _import(app, _csv(tmp_path / "b.csv", rows), update_existing=True)
    assert report.created == 1 and report.updated == 0
    assert [e.split(" : ")[0] for e in report.errors] == [
        "ligne 2",
        "ligne 3",
        "ligne 5",
        "ligne 6",
    ]
    assert "ligne 4" in report.errors[2]  # the duplicate names the line it repeats
    communes = _communes(app)
    assert communes["23011"] == ("Ville 11", 11, "23")
    assert communes["23000"] == ("Ville 0", 100, "23")
    assert set(communes) == {"23000", "23001", "23011"}


def _queries_for(app, tmp_path: Path, count: int) -> tuple[int, int]:
    """Statements issued to import ``count`` new communes, then to update them all."""
    app.extensions["convergence_test_db"].reset(app)
    path = _csv(tmp_path / f"new{count}.csv", _rows(count))
    with count_queries(app) as created:
        assert _import(app, path).created == count
    changed = _csv(tmp_path / f"changed{count}.csv", _rows(count, population=5000))
    with count_queries(app) as updated:
        assert _import(app, changed, update_existing=True).updated == count
    return created.count, updated.count


def test_import_and_update_issue_a_constant_number_of_queries(app, tmp_path):
    """10 or 200 lines: the same statements (one query loads every known commune; inserts,
    the plugins' seeding and updates are bulk statements)."""
    assert _queries_for(app, tmp_path, 10) == _queries_for(app, tmp_path, 200)


def test_planted_one_commune_at_a_time_is_caught(app, tmp_path, monkeypatch):
    """Planted twin: creating the communes one by one (what the import did before) makes
    the query count grow with the file, which the test above refuses."""
    original = tenancy.create_communes
    monkeypatch.setattr(
        tenancy, "create_communes", lambda specs: [c for s in specs for c in original([s])]
    )
    small, large = _queries_for(app, tmp_path, 10), _queries_for(app, tmp_path, 30)
    assert small[0] < large[0]


class _Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[str]] = []
        self.visible: list[int] = []
        self.fail_on = fail_on

    @hookimpl
    def federation_communes_created(self, communes):
        self.batches.append([c.insee_code for c in communes])
        ids = [c.id for c in communes]
        self.visible.append(
            db.session.scalar(select(func.count(Commune.id)).where(Commune.id.in_(ids))) or 0
        )
        if self.fail_on is not None and len(self.batches) == self.fail_on:
            raise RuntimeError("plugin failed")


@pytest.fixture
def recorder(app):
    def register(fail_on: int | None = None) -> _Recorder:
        found = _Recorder(fail_on)
        pm.register(found, name="bulk-recorder")
        return found

    pm = app.extensions["convergence"].pm
    yield register
    if pm.has_plugin("bulk-recorder"):
        pm.unregister(name="bulk-recorder")


def test_batches_are_announced_in_the_importing_transaction(app, tmp_path, recorder):
    found = recorder()
    report = _import(app, _csv(tmp_path / "a.csv", _rows(5)), batch_size=2)
    assert report.created == 5
    assert found.batches == [["23000", "23001"], ["23002", "23003"], ["23004"]]
    assert found.visible == [2, 2, 1]  # the rows exist when the plugins hear of them


def test_a_failing_plugin_leaves_nothing_written(app, tmp_path, recorder):
    recorder(fail_on=2)
    with app.app_context(), unscoped():
        with pytest.raises(RuntimeError):
            tenancy.import_communes_csv(_csv(tmp_path / "a.csv", _rows(5)), batch_size=2)
        db.session.rollback()
    assert _communes(app) == {}


def test_one_service_refuses_a_batch_with_a_taken_or_repeated_slug(app, factory):
    factory.commune("tarnac")
    with app.app_context(), unscoped():
        with pytest.raises(Conflict) as taken:
            tenancy.create_communes([tenancy.NewCommune("Gentioux"), tenancy.NewCommune("Tarnac")])
        assert taken.value.field == "slug"
        db.session.rollback()
        with pytest.raises(Conflict) as repeated:
            tenancy.create_communes(
                [
                    tenancy.NewCommune("Nedde", insee_code="87105"),
                    tenancy.NewCommune("Nedde bis", "nedde-bis", insee_code="87105"),
                ]
            )
        assert repeated.value.field == "insee_code"
        db.session.rollback()
    assert set(_communes(app)) == {None}  # only tarnac (no INSEE code)


def _touched_after_import(app, tmp_path: Path) -> list[set[int]]:
    seen: list[set[int]] = []
    scoping.on_commit_touched.append(seen.append)
    try:
        _import(app, _csv(tmp_path / "a.csv", _rows(3)))
        _import(app, _csv(tmp_path / "b.csv", _rows(3, population=9)), update_existing=True)
    finally:
        scoping.on_commit_touched.remove(seen.append)
    return seen


def test_bulk_writes_move_the_indicator_cache_on(app, tmp_path):
    """Bulk statements pass no flush: the creating and the updating commits still announce
    that communes changed (-1: every cached federation figure moves on; populations weigh
    ratios)."""
    assert [-1 in touched for touched in _touched_after_import(app, tmp_path)] == [True, True]
