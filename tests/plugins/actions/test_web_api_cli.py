"""Pages, API and CLI go through the same services: the page answers only where the plugin
is on, forms show a refused field (422), the API names the bad field, the CLI exits 1 with
the reason; the main pages keep a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

from convergence_actions import events
from convergence_actions.models import Registration
from sqlalchemy import select

from federation.db import db, utcnow
from tests.plugins.actions.conftest import new_event


def test_pages_answer_only_where_the_plugin_is_on(client, factory, town):
    off = factory.commune("sans-actions")
    assert client.get(f"{town.base}/").status_code == 200
    assert client.get(f"/c/{off.slug}/actions/").status_code == 404
    assert client.get(f"/api/v1/communes/{off.slug}/actions/campaigns").status_code == 404


def test_a_member_registers_through_the_page_and_gets_a_code(client, factory, town, in_commune):
    event_id = new_event(town, in_commune, capacity=1)
    factory.login(client, town.members[0])
    answer = client.post(
        f"{town.base}/events/{event_id}", data={"action": "register", "public_name": "Lou"}
    )
    assert answer.status_code == 302
    page = client.get(f"{town.base}/events/{event_id}").text
    assert "Lou" in page and "Votre code" in page
    factory.login(client, town.members[1])
    client.post(f"{town.base}/events/{event_id}", data={"action": "register"})
    with in_commune(town.commune):
        assert db.session.scalars(select(Registration.status).order_by(Registration.id)).all() == [
            "confirmed",
            "waiting",
        ]


def test_a_visitor_registers_by_email_where_allowed(client, town, in_commune):
    event_id = new_event(town, in_commune, open_to_email=True)
    bad = client.post(f"{town.base}/events/{event_id}", data={"action": "register", "email": "x"})
    assert bad.status_code == 422 and 'href="#f-email"' in bad.text
    good = client.post(
        f"{town.base}/events/{event_id}", data={"action": "register", "email": "a@example.org"}
    )
    assert good.status_code == 302


def test_organisers_schedule_check_in_and_report_through_pages(client, factory, town, in_commune):
    factory.login(client, town.circle_member)
    start = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(
        f"{town.base}/campaigns/{town.campaign_id}",
        data={"action": "event", "title": "", "starts_at": start, "ends_at": end, "location": "L"},
    )
    assert refused.status_code == 422 and 'href="#f-title"' in refused.text
    made = client.post(
        f"{town.base}/campaigns/{town.campaign_id}",
        data={
            "action": "event",
            "title": "Vélorution",
            "starts_at": start,
            "ends_at": end,
            "location": "Mairie",
        },
    )
    assert made.status_code == 302
    event_id = int(made.location.rstrip("/").split("/")[-1])
    with in_commune(town.commune):
        event = events.get_event(event_id)
        code = events.register(
            event, db.session.merge(_user(town.members[0])), now=event.starts_at - timedelta(days=1)
        ).code
    door = client.post(f"{town.base}/events/{event_id}/door", data={"code": code})
    assert door.status_code == 302
    again = client.post(f"{town.base}/events/{event_id}/door", data={"code": code})
    assert again.status_code == 422
    report = client.post(
        f"{town.base}/campaigns/{town.campaign_id}", data={"action": "report", "report": "Fait."}
    )
    assert report.status_code == 302
    assert "Fait." in client.get(f"{town.base}/campaigns/{town.campaign_id}").text
    factory.login(client, town.members[1])
    assert client.get(f"{town.base}/events/{event_id}/door").status_code == 403


def _user(ref):
    from federation.identity.models import User

    return db.session.get(User, ref.user.id)


def test_the_api_registers_checks_in_and_names_bad_fields(client, factory, town, in_commune):
    event_id = new_event(town, in_commune, days=0.01, capacity=1)
    member = factory.token(town.members[0].user)
    organiser = factory.token(town.facilitator.user)
    url = f"{town.api}/events/{event_id}/registrations"
    created = client.post(url, json={"public_name": "Zoé"}, headers=member)
    assert created.status_code == 201, created.json
    assert created.json["status"] == "confirmed"
    waiting = client.post(url, json={}, headers=factory.token(town.members[1].user))
    assert waiting.json["status"] == "waiting"
    assert client.get(url, headers=member).status_code == 403
    assert len(client.get(url, headers=organiser).json) == 2
    bad = client.post(f"{town.api}/events/{event_id}/check-in", json={}, headers=organiser)
    assert bad.status_code == 422 and "code" in bad.json["errors"]["json"]
    done = client.post(
        f"{town.api}/events/{event_id}/check-in",
        json={"code": created.json["code"]},
        headers=organiser,
    )
    assert done.status_code == 200 and done.json["attended"] is True
    gone = client.delete(f"{url}/{created.json['id']}", headers=member)
    assert gone.status_code == 204
    assert client.get(f"{town.api}/events/{event_id}").json["confirmed"] == 1
    bad_event = client.post(
        f"{town.api}/events",
        json={"title": "X", "starts_at": "pas une date", "ends_at": "2030-01-01T10:00:00"},
        headers=organiser,
    )
    assert bad_event.status_code == 422 and "starts_at" in bad_event.json["errors"]["json"]
    forbidden = client.post(
        f"{town.api}/events",
        json={
            "title": "X",
            "starts_at": "2030-01-01T10:00:00",
            "ends_at": "2030-01-01T12:00:00",
            "location": "L",
        },
        headers=member,
    )
    assert forbidden.status_code == 403


def test_the_api_launches_a_campaign_and_proposes_a_mandate(client, factory, town):
    member = factory.token(town.members[0].user)
    proposed = client.post(
        f"{town.api}/mandates",
        json={"title": "Grève des loyers", "goal": "Baisser les loyers", "body_id": town.circle_id},
        headers=member,
    )
    assert proposed.status_code == 201 and proposed.json["proposal_id"]
    missing = client.post(f"{town.api}/campaigns", json={"title": "X"}, headers=member)
    assert missing.status_code == 422 and "decision_id" in missing.json["errors"]["json"]
    assert [c["title"] for c in client.get(f"{town.api}/campaigns").json] == ["Vélorution"]


def test_the_cli_lists_reminds_checks_in_and_refuses(app, town, in_commune):
    event_id = new_event(town, in_commune, days=0.5)
    with in_commune(town.commune):
        code = events.register(events.get_event(event_id), _user(town.members[0])).code
    from flask.cli import ScriptInfo

    from federation.cli import main

    cli = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)

    class runner:
        @staticmethod
        def invoke(args):
            return cli.invoke(main, args, obj=info)

    listed = runner.invoke(args=["actions", "events", "--commune", town.commune.slug])
    assert listed.exit_code == 0 and "1/∞ confirmed" in listed.output
    reminded = runner.invoke(args=["actions", "remind", "--commune", town.commune.slug])
    assert reminded.exit_code == 0 and "1 reminders sent" in reminded.output
    refused = runner.invoke(
        args=[
            "actions",
            "check-in",
            str(event_id),
            "NOPE",
            "--commune",
            town.commune.slug,
            "--by",
            town.facilitator.user.email,
        ],
    )
    assert refused.exit_code == 1 and "Error: code" in refused.output
    early = runner.invoke(
        args=[
            "actions",
            "check-in",
            str(event_id),
            code,
            "--commune",
            town.commune.slug,
            "--by",
            town.facilitator.user.email,
        ],
    )
    assert early.exit_code == 1  # the desk opens two hours before
    campaigns = runner.invoke(args=["actions", "campaigns", "--commune", town.commune.slug])
    assert "Vélorution" in campaigns.output


def test_main_pages_keep_a_constant_number_of_queries(client, town, in_commune, count_queries):
    def measure() -> list[int]:
        counts = []
        for url in (f"{town.base}/", f"{town.base}/campaigns/{town.campaign_id}"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append(counter.count)
        return counts

    new_event(town, in_commune)
    before = measure()
    for n in range(5):
        event_id = new_event(town, in_commune, title=f"Action {n}", capacity=3)
        with in_commune(town.commune):
            for ref in town.members[:2]:
                events.register(events.get_event(event_id), _user(ref))
    assert measure() == before
