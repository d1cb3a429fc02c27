"""Commune search (issue 12 item 6): a prefix of the name folded (accents, case and
punctuation dropped) or of the INSEE code, read as a range of an index on SQLite and on
PostgreSQL, so that a page of results costs the same with the 34,875 communes of the
official list as with 10; every path that writes a name keeps the folded name."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select, text

from federation.db import db
from federation.tenancy import services as tenancy
from federation.tenancy.context import unscoped
from federation.tenancy.models import Commune, search_key

NAMES = [
    ("23077", "Faux-la-Montagne"),
    ("95205", "Écouen"),
    ("62288", "Écoivres"),
    ("42218", "Saint-Étienne"),
    ("69202", "Sainte-Foy-lès-Lyon"),
    ("16408", "Vœuil-et-Giget"),
    ("94038", "L'Haÿ-les-Roses"),
    ("2A004", "Ajaccio"),
    ("19265", "Tarnac"),
]


@pytest.fixture
def communes(app):
    with app.app_context(), unscoped():
        tenancy.create_communes([tenancy.NewCommune(name, insee_code=c) for c, name in NAMES])
        db.session.commit()


def _search(app, query: str, **kw) -> list[str]:
    with app.app_context(), unscoped():
        return [c.name for c in tenancy.search_communes(query, **kw)]


def test_search_key_folds_accents_case_ligatures_and_punctuation():
    assert search_key("Saint-Étienne-du-Rouvray") == "saint etienne du rouvray"
    assert search_key("Vœuil-et-Giget") == "voeuil et giget"
    assert search_key("L'Haÿ-les-Roses") == "l hay les roses"
    assert search_key("  ÉCOUEN ") == "ecouen"
    assert search_key("--") == ""


def test_prefix_of_the_folded_name_in_alphabetical_order(app, communes):
    assert _search(app, "eco") == ["Écoivres", "Écouen"]  # accents sort with their letter
    assert _search(app, "ÉCOU") == ["Écouen"]
    assert _search(app, "saint-e") == ["Saint-Étienne"]  # not Sainte-Foy: a word ends
    assert _search(app, "sainte") == ["Sainte-Foy-lès-Lyon"]
    assert _search(app, "voeuil") == ["Vœuil-et-Giget"]
    assert _search(app, "l'hay") == ["L'Haÿ-les-Roses"]
    assert _search(app, "montagne") == []  # a prefix of the name, not any word
    assert _search(app, "!!") == []
    everyone = _search(app, "")
    assert everyone[:3] == ["Ajaccio", "Écoivres", "Écouen"] and len(everyone) == len(NAMES)
    assert _search(app, "", limit=2, offset=1) == ["Écoivres", "Écouen"]
    with app.app_context(), unscoped():
        assert tenancy.count_communes() == len(NAMES)


def test_prefix_of_the_insee_code(app, communes):
    assert _search(app, "23077") == ["Faux-la-Montagne"]
    assert _search(app, "2a") == ["Ajaccio"]
    assert _search(app, "9") == ["L'Haÿ-les-Roses", "Écouen"]  # in code order


def test_every_path_that_writes_a_name_keeps_the_folded_name(app, tmp_path):
    path = tmp_path / "communes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code_insee", "nom", "dep", "population_municipale"])
        writer.writerow(["87105", "Nedde", "87", "400"])
        writer.writerow(["19265", "Tarnac", "19", "330"])
    with app.app_context(), unscoped():
        tenancy.create_commune("Éguzon-Chantôme", insee_code="36070")
        db.session.add(Commune(slug="peyrelevade", name="Péyrelevade"))  # the ORM
        tenancy.import_communes_csv(path)
        db.session.commit()
        gentioux = tenancy.create_commune("Gentioux")
        tenancy.update_commune(gentioux, name="Gentioux-Pigerolles")
        db.session.commit()
        path.write_text(
            "code_insee,nom,dep,population_municipale\n87105,Nèdde,87,401\n19265,Tarnac,19,330\n",
            encoding="utf-8",
        )
        report = tenancy.import_communes_csv(path, update_existing=True)
        db.session.commit()
        assert (report.updated, report.unchanged) == (1, 1)
        rows = db.session.execute(select(Commune.name, Commune.search_name)).all()
    assert sorted(rows) == sorted((name, search_key(name)) for name, _key in rows)
    assert {key for _name, key in rows} >= {"eguzon chantome", "gentioux pigerolles", "nedde"}


# --- the search reads an index (plans, on either database) ---------------------------------


def _plan(statement) -> str:
    """The database's plan for ``statement``, flattened to one string."""
    bind = db.session.get_bind()
    sql = str(statement.compile(dialect=bind.dialect, compile_kwargs={"literal_binds": True}))
    if bind.dialect.name == "sqlite":
        return " / ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: force the choice
    return " / ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {sql}")))


def _reads_the_index(plan: str, index: str, *, ranged: bool) -> bool:
    """The rows come from ``index`` already in order (no table scan, no sort), and from a
    range of it when ``ranged`` (SQLite: SEARCH, not SCAN; PostgreSQL: an Index Cond)."""
    sorts = "TEMP B-TREE FOR ORDER BY" in plan or "Sort" in plan
    if index not in plan or "Seq Scan" in plan or sorts:
        return False
    return not ranged or f"SEARCH communes USING INDEX {index}" in plan or "Index Cond" in plan


@pytest.mark.parametrize("query", ["faux", "saint é", ""])
def test_the_search_reads_a_range_of_the_folded_name_index(app, communes, query):
    with app.app_context(), unscoped():
        plan = _plan(tenancy.search_statement(query).limit(61))
        db.session.rollback()
    assert _reads_the_index(plan, "ix_communes_search_name", ranged=bool(query)), plan


def test_planted_twin_a_substring_search_is_seen_scanning(app, communes):
    """The search before: ``lower(name) LIKE '%q%'`` ordered by name reads every commune."""
    twin = (
        select(Commune)
        .where(func.lower(Commune.name).like("%faux%"))
        .order_by(Commune.search_name, Commune.id)
        .limit(61)
    )
    with app.app_context(), unscoped():
        plan = _plan(twin)
        db.session.rollback()
    assert not _reads_the_index(plan, "ix_communes_search_name", ranged=True), plan
