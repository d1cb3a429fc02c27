"""Follow-up of vacant dwellings: moves only along the vocabulary, every counter equal to a
recount of the event log, reports confirmed by the circle, the vacancy-file import (errors
by line, nothing written; a re-import updates without duplicating)."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest
from convergence_housing import services
from convergence_housing.constants import STATUSES, SUBSTATUS_REQUIRED, SUBSTATUSES, TRANSITIONS
from convergence_housing.models import Dwelling, DwellingEvent, Owner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from federation.db import db
from federation.errors import Conflict, Forbidden, ValidationFailed

from .conftest import user

MOVES = st.lists(
    st.tuples(
        st.sampled_from(list(STATUSES)),
        st.sampled_from(["", "works", "back_in_use", "succession", "interested", "bogus"]),
    ),
    max_size=25,
)


def _recount() -> Counter:
    """Replay the log from the start: the last status event of each dwelling."""
    last: dict[int, str] = {}
    for event in db.session.scalars(
        select(DwellingEvent).where(DwellingEvent.field == "status").order_by(DwellingEvent.id)
    ):
        last[event.dwelling_id] = event.new
    return Counter(last.values())


def test_check_move_is_exactly_the_vocabulary():
    for current in STATUSES:
        for target in STATUSES:
            for sub in ["", *SUBSTATUSES[target], "bogus"]:
                allowed = (
                    target in TRANSITIONS[current]
                    and (sub == "" or sub in SUBSTATUSES[target])
                    and not (sub == "" and target in SUBSTATUS_REQUIRED)
                )
                try:
                    services.check_move(current, target, sub)
                except (Conflict, ValidationFailed):
                    assert not allowed, (current, target, sub)
                else:
                    assert allowed, (current, target, sub)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=MOVES)
def test_random_moves_follow_vocabulary_and_counters_equal_log(app, factory, in_commune, moves):
    slug = f"prop-{abs(hash(tuple(moves))) % 10**9}"
    commune = factory.commune(slug)
    factory.enable(commune, "housing")
    agent = factory.member(commune, "agent")
    with in_commune(commune):
        actor = user(agent)
        rows = [services.create_dwelling({"address": f"{i} rue"}, actor) for i in range(3)]
        for index, (status, sub) in enumerate(moves):
            row = rows[index % 3]
            before = (row.status, row.substatus)
            try:
                services.set_status(row, status, sub, actor=actor)
            except (Conflict, ValidationFailed):
                assert (row.status, row.substatus) == before
                continue
            assert status in TRANSITIONS[before[0]]
        # every stored status was reached through allowed moves only
        for row in rows:
            chain = [e.new for e in services.events(row) if e.field == "status"]
            for old, new in pairwise(chain[1:]):
                assert new in TRANSITIONS[old]
        counts = services.status_counts()
        assert {k: v for k, v in counts.items() if v} == dict(_recount())
        assert counts == {s: sum(1 for r in rows if r.status == s) for s in STATUSES}


def test_planted_twin_counter_from_column_is_caught(town, in_commune):
    """A counter read from the status column instead of the log disagrees once the column
    is changed behind the log's back: the recount guard notices."""
    with in_commune(town.commune):
        row = services.create_dwelling({"address": "1 rue"}, user(town.facilitator))
        row.status = "in_progress"  # the bug: a write that skips the log
        db.session.flush()
        from_column = Counter(db.session.scalars(select(Dwelling.status)))
        assert from_column != _recount()
        assert services.status_counts()["not_followed"] == 1  # the log-derived counter holds


def test_member_reports_circle_confirms(town, in_commune):
    with in_commune(town.commune):
        row = services.report_dwelling(
            {"address": "Vieille ferme", "note": "volets clos"}, user(town.members[0])
        )
        assert not row.confirmed and row.source == "report"
        with pytest.raises(Forbidden):
            services.confirm_dwelling(row, user(town.members[1]))
        services.confirm_dwelling(row, user(town.circle_member))
        assert row.confirmed
        assert services.flow_counts()["reported"] == 1
        assert services.flow_counts()["confirmed"] == 1


def test_outsider_cannot_report(town, in_commune):
    with in_commune(town.commune), pytest.raises(Forbidden):
        services.report_dwelling({"address": "x"}, user(town.outsider))


HEADER = (
    "invariant;adresse;type;nb_pieces;surface;annee_construction;debut_vacance;dpe;"
    "proprietaire;adresse_proprietaire;categorie_proprietaire"
)
FILE = (
    HEADER
    + """
A1;1 rue Haute;MAISON;4;80;1900;2019;F;Jeanne Proprio;Limoges;Personne physique
A2;2 rue Basse;APPARTEMENT;2;40;1960;2021;D;Commune;Mairie;Commune
"""
)


def test_import_errors_by_line_and_nothing_written(town, in_commune):
    bad = (
        FILE
        + "A3;;MAISON;3;60;1900;2020;C;;;\n"
        + "A4;4 rue;CHATEAU;x;60;1900;2020;Z;;;\n"
        + "A1;dup;MAISON;1;1;1900;2020;C;;;\n"
    )
    with in_commune(town.commune):
        report = services.import_vacancies(bad, year=2024)
        assert [e.split(" :")[0] for e in report.errors] == ["Ligne 4", "Ligne 5", "Ligne 6"]
        assert "adresse" in report.errors[0]  # the file's own column name
        assert "type" in report.errors[1]
        assert "ligne 2" in report.errors[2]  # the line where the reference was first seen
        db.session.rollback()
    with in_commune(town.commune):
        assert db.session.scalar(select(func.count(Dwelling.id))) == 0


def test_import_missing_columns_named(town, in_commune):
    with in_commune(town.commune):
        report = services.import_vacancies("foo;bar\n1;2\n")
        assert report.errors and "Ligne 1" in report.errors[0] and "invariant" in report.errors[0]


def test_reimport_is_idempotent_and_newer_year_updates(town, in_commune):
    with in_commune(town.commune):
        first = services.import_vacancies(FILE, year=2024)
        assert (first.created, first.updated) == (2, 0)
    with in_commune(town.commune):
        again = services.import_vacancies(FILE, year=2024)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
        row = services.get_dwelling_by_ref("A1")
        services.set_status(row, "first_contact", actor=user(town.facilitator))
    newer = FILE.replace("1 rue Haute;MAISON;4;80", "1 rue Haute;MAISON;5;82")
    with in_commune(town.commune):
        third = services.import_vacancies(newer, year=2025)
        assert (third.created, third.updated) == (0, 2)
        row = services.get_dwelling_by_ref("A1")
        assert (row.rooms, row.surface, row.lovac_year) == (5, 82, 2025)
        assert row.status == "first_contact"  # the follow-up is kept
        assert db.session.scalar(select(func.count(Dwelling.id))) == 2
        assert db.session.scalar(select(func.count(Owner.id))) == 2
        older = services.import_vacancies(FILE, year=2023)
        assert older.created == 0
        assert services.get_dwelling_by_ref("A1").lovac_year == 2025


def test_cli_import_vacancies(app, town, tmp_path):
    path = tmp_path / "lovac.csv"
    path.write_text(FILE, encoding="utf-8")
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(
        main,
        [
            "housing",
            "import-vacancies",
            str(path),
            "--commune",
            town.commune.slug,
            "--year",
            "2024",
        ],
        obj=info,
    )
    assert result.exit_code == 0, result.output
    assert "2 dwellings created" in result.output
    result = runner.invoke(
        main,
        obj=info,
        args=["housing", "import-vacancies", str(path), "--commune", town.commune.slug],
    )
    assert "0 dwellings created, 0 updated, 2 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(FILE + "A9;;MAISON;1;1;1;1;A;;;\n", encoding="utf-8")
    result = runner.invoke(
        main,
        obj=info,
        args=["housing", "import-vacancies", str(bad), "--commune", town.commune.slug],
    )
    assert result.exit_code == 1
    assert "Ligne 4" in result.output and "nothing imported" in result.output
    result = runner.invoke(
        main,
        obj=info,
        args=["housing", "set-status", "--commune", town.commune.slug, "--dwelling", "A1", "done"],
    )
    assert result.exit_code == 1 and "status" in result.output
