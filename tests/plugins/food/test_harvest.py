"""Issue 14, done when: a market gardener opens harvest shifts that fill to capacity. The
page, the API and the demo go through one service (convergence_food.harvest.open_harvest,
which calls the core roster); the shifts' titles are stored as a kind and parameters and
shown in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from convergence_food.constants import HARVEST_SOURCE
from flask_babel import force_locale
from sqlalchemy import select

from federation import roster
from federation.db import db
from federation.errors import Conflict
from federation.journal.models import JournalEntry
from federation.roster.models import Shift
from tests.plugins.food.conftest import user


def _when(days: int = 5) -> str:
    return (
        (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).strftime("%Y-%m-%dT07:00")
    )


def test_a_gardener_opens_harvest_shifts_that_fill_to_capacity(
    app, client, factory, in_commune, food_town
):
    town = food_town
    factory.login(client, town.facilitator)
    page = f"{town.base}/producers/{town.producer_id}"
    bad = client.post(page, data={"action": "harvest", "starts_at": "demain", "needed": "2"})
    assert bad.status_code == 422 and 'id="f-starts_at-error"' in bad.text
    response = client.post(
        page,
        data={"action": "harvest", "starts_at": _when(), "needed": "2", "place": "Serre 2"},
    )
    assert response.status_code == 302, response.text
    with in_commune(town.commune):
        shift = roster.shifts_for(HARVEST_SOURCE, town.producer_id)[0]
        assert (shift.title_kind, shift.title_params) == (
            "food.harvest",
            {"producer": "Jardins de la Source"},
        )
        with force_locale("en"):
            assert shift.display_title == "Harvest help — Jardins de la Source"
        assert shift.display_title == "Chantier de récolte — Jardins de la Source"
        assert db.session.scalar(
            select(JournalEntry.id).where(JournalEntry.kind == "roster.shift_created")
        )
        for ref in town.members[:2]:
            roster.sign_up(shift, shift.roles[0], user(ref))
        with pytest.raises(Conflict):
            roster.sign_up(shift, shift.roles[0], user(town.members[2]))
        shift_id = shift.id
    assert "2 / 2" in client.get(page).text
    # the roster's page shows the same shift, its title in the reader's language
    assert (
        "Chantier de récolte" in client.get(f"/c/{town.commune.slug}/roster/shifts/{shift_id}").text
    )


def test_the_api_opens_a_monthly_series_and_outsiders_are_refused(
    app, client, factory, in_commune, food_town
):
    town = food_town
    url = f"{town.api}/producers/{town.producer_id}/harvest-shifts"
    body = {"starts_at": _when(3) + ":00+00:00", "needed": 3, "repeat": "monthly"}
    refused = client.post(url, json=body, headers=factory.token(town.outsider.user))
    assert refused.status_code in (403, 404)
    bad = client.post(url, json={**body, "needed": 0}, headers=factory.token(town.facilitator.user))
    assert bad.status_code == 422 and "needed" in bad.text
    created = client.post(
        url, json={**body, "weeks_ahead": 10}, headers=factory.token(town.facilitator.user)
    )
    assert created.status_code == 201, created.text
    shifts = created.json
    assert len(shifts) >= 2 and all(s["needed"] == 3 and s["taken"] == 0 for s in shifts)
    days = [datetime.fromisoformat(s["starts_at"]) for s in shifts]
    assert days[1].month != days[0].month and days[1].day == days[0].day
    assert client.get(url).json[0]["title"].startswith("Chantier de récolte")
    with in_commune(town.commune):
        assert db.session.scalar(select(Shift.series_id).where(Shift.id == shifts[0]["id"]))


def test_the_distribution_rota_titles_are_data(app, factory, in_commune, food_town):
    from convergence_food import distributions

    town = food_town
    with in_commune(town.commune):
        day = distributions.create_distribution(
            {"day": (datetime.now(UTC) + timedelta(days=9)).date().isoformat(), "place": "Halle"}
        )
        shifts = distributions.open_rota(day, user(town.facilitator))
        assert {s.title_kind for s in shifts} == {"food.distribution", "food.setup"}
        with force_locale("en"):
            assert shifts[0].display_title == "Basket distribution — Halle"
        assert shifts[0].display_title == "Distribution des paniers — Halle"


def test_the_cli_opens_harvest_shifts_through_the_same_service(app, in_commune, food_town):
    from flask.cli import ScriptInfo

    from federation.cli import main

    town = food_town
    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    args = ["food", "harvest", str(town.producer_id), "--commune", town.commune.slug]
    bad = runner.invoke(main, [*args, "--starts", "demain"], obj=info)
    assert bad.exit_code == 1 and "starts_at" in bad.output
    good = runner.invoke(main, [*args, "--starts", _when(4), "--needed", "2"], obj=info)
    assert good.exit_code == 0 and "1 harvest shift(s) open" in good.output, good.output
    with in_commune(town.commune):
        assert len(roster.shifts_for(HARVEST_SOURCE, town.producer_id)) == 1
