"""Campaign deadline reminders (a scheduled task, once per campaign, each person told as
their digest preference says) and events outside any campaign (page, API and CLI through
the one scheduling service)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from convergence_actions import services
from convergence_actions.models import Campaign, Event
from sqlalchemy import select

from federation.db import db, utcnow
from federation.identity.models import Notification, User
from tests.plugins.actions.conftest import user


def _cli(app):
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    return lambda *args: runner.invoke(main, list(args), obj=info)


def _set_deadline(town, in_commune, days: int) -> None:
    with in_commune(town.commune):
        campaign = services.get_campaign(town.campaign_id)
        campaign.deadline = utcnow().date() + timedelta(days=days)
        db.session.commit()


def _notices(kind: str) -> list[int]:
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_a_near_deadline_is_told_once_to_carriers_and_supporters(app, town, in_commune):
    from federation.identity.notifications import OUTBOX

    OUTBOX.clear()
    _set_deadline(town, in_commune, 5)
    with in_commune(town.commune):
        services.support(services.get_campaign(town.campaign_id), user(town.members[3]))
        # the supporter wants each notice by e-mail; the circle member a weekly digest
        db.session.get(User, town.members[3].user.id).digest = "none"
        db.session.get(User, town.circle_member.user.id).digest = "weekly"
        db.session.commit()
    run = _cli(app)
    done = run("actions", "deadlines", "--commune", town.commune.slug)
    assert done.exit_code == 0, done.output
    assert "2 people told" in done.output
    with in_commune(town.commune):
        told = _notices("actions.deadline")
        assert told == sorted([town.circle_member.user.id, town.members[3].user.id])
        note = db.session.scalar(
            select(Notification).where(Notification.kind == "actions.deadline")
        )
        assert "Vélorution" in note.text and "compte rendu" in note.text
    mailed = [m["To"] for m in OUTBOX]
    assert town.members[3].user.email in mailed  # no digest: e-mailed at once
    assert town.circle_member.user.email not in mailed  # in the weekly digest instead
    again = run("actions", "deadlines", "--commune", town.commune.slug)
    assert "0 people told" in again.output  # once per campaign


def test_a_far_or_past_deadline_or_a_closed_campaign_is_not_told(app, town, in_commune):
    _set_deadline(town, in_commune, 30)
    with in_commune(town.commune):
        assert services.remind_deadlines(days=7) == 0
    _set_deadline(town, in_commune, -1)
    with in_commune(town.commune):
        assert services.remind_deadlines(days=7) == 0
    _set_deadline(town, in_commune, 2)
    with in_commune(town.commune):
        db.session.get(Campaign, town.campaign_id).status = "reported"
        assert services.remind_deadlines(days=7) == 0


def test_the_scheduler_runs_the_deadline_task_per_commune(app, town, in_commune):
    from federation.ops.scheduler import run_task, task_named

    assert task_named(app, "actions.deadlines").per_commune
    _set_deadline(town, in_commune, 1)
    output = run_task("actions.deadlines", app=app)
    assert "1 people told" in output


def _form(start_days: float = 3) -> dict:
    start = utcnow() + timedelta(days=start_days)
    return {
        "title": "Journée de chantier au jardin",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        "location": "Jardin partagé",
        "capacity": "12",
    }


def test_an_event_outside_any_campaign_through_the_page(client, factory, town, in_commune):
    assert client.get(f"{town.base}/events/new").status_code == 401
    factory.login(client, town.members[0])
    assert client.get(f"{town.base}/events/new").status_code == 403  # not an organiser
    factory.login(client, town.facilitator)
    page = client.get(f"{town.base}/events/new")
    assert page.status_code == 200 and 'name="starts_at"' in page.text
    refused = client.post(f"{town.base}/events/new", data={**_form(), "ends_at": "demain"})
    assert refused.status_code == 422 and 'href="#f-ends_at"' in refused.text
    done = client.post(f"{town.base}/events/new", data=_form())
    assert done.status_code == 302
    with in_commune(town.commune):
        row = db.session.scalar(select(Event).where(Event.title.startswith("Journée")))
        assert row.campaign_id is None and row.capacity == 12
        row_id = row.id
    assert done.headers["Location"].endswith(f"/events/{row_id}")
    assert f"{town.base}/events/new" in client.get(f"{town.base}/").text


def test_an_event_outside_any_campaign_through_the_api_and_the_cli(
    app, client, factory, town, in_commune
):
    headers = factory.token(town.facilitator.user)
    made = client.post(f"{town.api}/events", json=_form(), headers=headers)
    assert made.status_code == 201, made.json
    assert made.json["campaign_id"] is None
    run = _cli(app)
    start = utcnow() + timedelta(days=4)
    args = [
        "actions",
        "schedule",
        "--commune",
        town.commune.slug,
        "--by",
        town.facilitator.user.email,
        "--title",
        "Réunion publique",
        "--starts",
        start.strftime("%Y-%m-%dT%H:%M"),
        "--location",
        "Salle des fêtes",
    ]
    refused = run(*args, "--ends", "pas une date")
    assert refused.exit_code == 1 and "ends_at" in refused.output
    done = run(*args, "--ends", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    assert done.exit_code == 0, done.output
    with in_commune(town.commune):
        titles = set(db.session.scalars(select(Event.title).where(Event.campaign_id.is_(None))))
    assert titles == {"Journée de chantier au jardin", "Réunion publique"}


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_the_cli_refuses_someone_who_does_not_organise(app, town, who):
    run = _cli(app)
    person = town.members[0] if who == "member" else town.outsider
    start = utcnow() + timedelta(days=4)
    refused = run(
        "actions",
        "schedule",
        "--commune",
        town.commune.slug,
        "--by",
        person.user.email,
        "--title",
        "X",
        "--starts",
        start.isoformat(),
        "--ends",
        (start + timedelta(hours=1)).isoformat(),
        "--location",
        "L",
    )
    assert refused.exit_code == 1 and "user" in refused.output
