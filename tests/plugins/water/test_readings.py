"""Meter readings: bad ones (negative, decreasing meter, future date, unknown meter) get a
clear error naming the field and are not stored; a CSV import reports line numbers and
stores nothing unless asked to keep the good lines; over-use alerts reach the person and
the water circle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from convergence_water import readings, services
from convergence_water.models import MeterReading, OveruseAlert
from sqlalchemy import func, select

from federation.db import db
from federation.errors import ValidationFailed

TODAY = date.today()


def cli(app):
    """Invoke ``convergence …`` on the test app, as tests/core/test_cli.py does."""
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    return lambda *args: runner.invoke(main, list(args), obj=info)


def _count(in_commune, town) -> int:
    with in_commune(town.commune):
        return db.session.scalar(select(func.count(MeterReading.id)))


def _day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


@pytest.mark.parametrize(
    ("index", "day", "field", "words"),
    [
        ("-3", _day(1), "index", "négatif"),
        ("100,000", _day(-1), "date", "futur"),
        ("abc", _day(1), "index", "Index invalide"),
        ("99,999", _day(1), "index", "baisse"),
        ("120", _day(10), "date", "déjà un relevé"),
        ("120", "31/02/2026", "date", "Date invalide"),
    ],
)
def test_a_bad_reading_is_refused_by_form_and_not_stored(
    client, factory, in_commune, water_town, index, day, field, words
):
    town = water_town
    with in_commune(town.commune):
        readings.add_reading(services.get_water_user(town.users["martin"]), _day(10), "100")
    factory.login(client, town.members[0])  # the household's own account
    response = client.post(
        f"{town.base}/me",
        data={"water_user_id": str(town.users["martin"]), "read_on": day, "index_m3": index},
    )
    assert response.status_code == 422
    assert words in response.text
    with in_commune(town.commune), pytest.raises(ValidationFailed) as refused:
        readings.add_reading(services.get_water_user(town.users["martin"]), day, index)
    assert refused.value.field == field
    assert _count(in_commune, town) == 1


def test_unknown_meter_through_the_api_names_the_line(client, factory, water_town, in_commune):
    town = water_town
    headers = factory.token(town.agent.user)
    response = client.post(
        f"{town.api}/readings",
        json={
            "readings": [
                {"meter": "M1", "date": _day(5), "index_m3": "10"},
                {"meter": "NOPE", "date": _day(5), "index_m3": "10"},
            ]
        },
        headers=headers,
    )
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert "Compteur inconnu" in errors["line 2"][0] and "meter" in errors["line 2"][0]
    assert _count(in_commune, town) == 0
    partial = client.post(
        f"{town.api}/readings",
        json={
            "readings": [
                {"meter": "M1", "date": _day(5), "index_m3": "10"},
                {"meter": "NOPE", "date": _day(5), "index_m3": "10"},
            ],
            "partial": True,
        },
        headers=headers,
    )
    assert partial.status_code == 201
    assert partial.json["stored"] == 1 and partial.json["errors"][0]["line"] == 2
    assert _count(in_commune, town) == 1
    # a plain member may not send readings for any meter
    member = client.post(
        f"{town.api}/readings",
        json={"readings": [{"meter": "M2", "date": _day(5), "index_m3": "1"}]},
        headers=factory.token(town.members[1].user),
    )
    assert member.status_code == 403


def test_csv_import_reports_line_numbers_and_stores_nothing(
    client, factory, in_commune, water_town
):
    town = water_town
    csv_text = "\n".join(
        [
            "compteur;date;index",
            f"M1;{_day(20)};100,5",
            f"M1;{_day(10)};101",
            f"M2;{_day(10)};-4",  # line 4: negative
            f"M1;{_day(5)};100",  # line 5: decreasing
            f"M9;{_day(5)};3",  # line 6: unknown meter
            f"M3;{_day(-2)};3",  # line 7: future
            "",
            f"M3;{TODAY.strftime('%d/%m/%Y')};7",
        ]
    )
    factory.login(client, town.agent)
    import io

    response = client.post(
        f"{town.base}/import",
        data={"file": (io.BytesIO(csv_text.encode()), "releves.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.text
    for line in ("ligne 4,", "ligne 5,", "ligne 6,", "ligne 7,"):
        assert line in page
    assert "ligne 2," not in page and "ligne 9," not in page
    assert _count(in_commune, town) == 0

    response = client.post(
        f"{town.base}/import",
        data={"file": (io.BytesIO(csv_text.encode()), "releves.csv"), "partial": "on"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "ligne 4" in response.text and "3 relevés enregistrés, 4 refusés" in response.text
    assert _count(in_commune, town) == 3


def test_csv_needs_its_header(in_commune, water_town):
    with in_commune(water_town.commune), pytest.raises(ValidationFailed) as refused:
        readings.import_text("M1;2026-01-01;3\n")
    assert refused.value.field == "file" and "ligne 1" in str(refused.value.message)


def test_api_csv_import_and_comma_separated_english_headers(
    client, factory, water_town, in_commune
):
    town = water_town
    response = client.post(
        f"{town.api}/readings/csv",
        json={"csv": f"meter,date,index_m3\nM4,{_day(30)},10\nM4,{_day(2)},12.5\n"},
        headers=factory.token(town.agent.user),
    )
    assert response.status_code == 201, response.json
    assert response.json["stored"] == 2
    data = client.get(
        f"{town.api}/users/{town.users['farm']}/readings", headers=factory.token(town.agent.user)
    ).json
    assert [r["index_m3"] for r in data] == ["10.000", "12.500"]


def test_overuse_alerts_the_person_and_the_circle(client, factory, in_commune, water_town):
    town = water_town
    with in_commune(town.commune):
        services.declare_level({"level": "alerte", "resource_id": town.spring_id}, source="manual")
        [run] = services.runs(resource_id=town.spring_id)
        services.apply_run(run)
        readings.import_records(
            [(1, "M1", _day(20), "100"), (2, "M1", _day(10), "130")], source="csv"
        )  # 3,000 L a day, far above the household's share
        alert = db.session.scalar(select(OveruseAlert))
        assert alert.consumption == 3000 and alert.allocation < 3000
    factory.login(client, town.members[0])
    assert "dépasse votre allocation" in client.get("/notifications").text
    factory.login(client, town.circle_member)
    assert "dépassement" in client.get("/notifications").text
    page = client.get(f"{town.base}/alerts")
    assert page.status_code == 200 and "Famille Martin-Secret" in page.text
    factory.login(client, town.members[1])
    assert client.get(f"{town.base}/alerts").status_code == 403


def test_cli_import_with_progress_and_errors(app, water_town, tmp_path):
    town = water_town
    good = tmp_path / "good.csv"
    good.write_text(f"compteur;date;index\nM1;{_day(9)};1\nM2;{_day(9)};2\n", encoding="utf-8")
    invoke = cli(app)
    result = invoke("water", "import-readings", str(good), "--commune", town.commune.slug)
    assert result.exit_code == 0, result.output
    assert "2 readings stored, 0 rejected" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(f"compteur;date;index\nM1;{_day(1)};0,5\n", encoding="utf-8")
    result = invoke("water", "import-readings", str(bad), "--commune", town.commune.slug)
    assert result.exit_code == 1
    assert "Error:" in result.output and "line 2" in result.output and "baisse" in result.output
    result = invoke("water", "import-readings", str(bad), "--commune", "nowhere")
    assert result.exit_code == 1 and "Error:" in result.output


def test_a_concurrent_duplicate_in_a_bulk_insert_is_a_conflict(in_commune, water_town):
    from convergence_water.bulk import bulk_insert

    from federation.errors import Conflict

    town = water_town
    with in_commune(town.commune):
        readings.add_reading(services.get_water_user(town.users["dupuy"]), _day(3), "5")
        row = (town.commune.id, town.users["dupuy"], TODAY - timedelta(days=3), 6000, "api")
        with pytest.raises(Conflict):
            bulk_insert(MeterReading.__table__, readings.READING_COLUMNS, [row])
        assert _count_here() == 1  # the session goes on, the first reading is kept


def _count_here() -> int:
    return db.session.scalar(select(func.count(MeterReading.id)))
