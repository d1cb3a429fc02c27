"""Roster pages, REST API, calendar feeds, CLI and personal data (issue 14 items 1-3)."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from federation import roster
from federation.db import db, utcnow
from federation.roster.models import Shift, Signup
from tests.core.roster.conftest import soon, user


def _payload(**kw):
    start = soon()
    return {
        "title": "Distribution",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "roles": [{"name": "accueil", "needed": 1}],
        **kw,
    }


def test_api_create_sign_up_full_and_cancel(client, village, factory):
    fac = factory.token(village.facilitator.user)
    member = factory.token(village.members[0].user)
    other = factory.token(village.members[1].user)
    assert client.post(f"{village.api}/shifts", json=_payload()).status_code == 401
    assert client.post(f"{village.api}/shifts", json=_payload(), headers=member).status_code == 403
    created = client.post(f"{village.api}/shifts", json=_payload(), headers=fac)
    assert created.status_code == 201, created.json
    shift = created.json
    role_id = shift["roles"][0]["id"]
    url = f"{village.api}/shifts/{shift['id']}/signups"
    signed = client.post(url, json={"role_id": role_id}, headers=member)
    assert signed.status_code == 201, signed.json
    full = client.post(url, json={"role_id": role_id}, headers=other)
    assert full.status_code == 409 and "role" in full.json["errors"]["json"]
    listing = client.get(f"{village.api}/shifts").json
    assert listing[0]["roles"][0]["taken"] == 1
    assert client.get(url, headers=member).status_code == 403
    assert [s["user_id"] for s in client.get(url, headers=fac).json] == [village.members[0].user.id]
    cancel = client.post(f"{village.api}/signups/{signed.json['id']}/cancel", headers=member)
    assert cancel.status_code == 204
    # someone else's sign-up: the circle only
    again = client.post(url, json={"role_id": role_id}, headers=other).json
    assert (
        client.post(f"{village.api}/signups/{again['id']}/cancel", headers=member).status_code
        == 403
    )


def test_api_bad_input_names_the_field_and_writes_nothing(client, village, factory, in_commune):
    fac = factory.token(village.facilitator.user)
    cases = [
        (_payload(roles=[]), "roles"),
        (_payload(title=""), "title"),
        (_payload(starts_at="tomorrow"), "starts_at"),
        (_payload(commune_id=2), "commune_id"),
        ({**_payload(), "ends_at": soon(-5).isoformat()}, "ends_at"),
    ]
    for body, field in cases:
        answer = client.post(f"{village.api}/shifts", json=body, headers=fac)
        assert answer.status_code == 422, (field, answer.json)
        assert field in answer.json["errors"]["json"], (field, answer.json)
    bad = client.post(f"{village.api}/shifts/999/signups", json={"role_id": 1}, headers=fac)
    assert bad.status_code == 404
    with in_commune(village.commune):
        assert db.session.scalars(select(Shift)).all() == []


def test_api_attendance_duty_and_ledger(client, village, factory, make_shift, in_commune):
    fac = factory.token(village.facilitator.user)
    member = factory.token(village.members[0].user)
    duty = client.post(f"{village.api}/duties", json={"cycle_weeks": 2}, headers=fac)
    assert duty.status_code == 201, duty.json
    shift_id = make_shift(village.commune, starts_in=-1)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        signup_id = roster.sign_up(
            shift,
            shift.roles[0],
            user(village.members[0]),
            now=shift.starts_at - timedelta(hours=30),
        ).id
    marks = {"marks": [{"signup_id": signup_id, "attendance": "attended"}]}
    url = f"{village.api}/shifts/{shift_id}/attendance"
    assert client.post(url, json=marks, headers=member).status_code == 403
    answer = client.post(url, json=marks, headers=fac)
    assert answer.json == {"attended": 1, "missed": 0, "excused": 0}
    mine = client.get(f"{village.api}/me/duty", headers=member).json
    assert [(s["code"], s["balance"]) for s in mine] == [("up_to_date", 0)]
    ledger = client.get(f"{village.api}/me/duty/{duty.json['id']}/ledger", headers=member).json
    assert [e["kind"] for e in ledger] == ["credit"]
    statuses = client.get(f"{village.api}/duties/{duty.json['id']}/statuses", headers=fac)
    assert len(statuses.json) == 5
    assert (
        client.get(f"{village.api}/duties/{duty.json['id']}/statuses", headers=member).status_code
        == 403
    )


def test_api_series_creates_shifts_weeks_ahead(client, village, factory):
    fac = factory.token(village.facilitator.user)
    body = {
        "title": "Récolte",
        "first_starts_at": soon(24).isoformat(),
        "duration_minutes": 120,
        "rule": {"freq": "weekly", "interval": 1},
        "weeks_ahead": 3,
        "roles": [{"name": "récolte", "needed": 4}],
    }
    answer = client.post(f"{village.api}/series", json=body, headers=fac)
    assert answer.status_code == 201, answer.json
    assert answer.json["shifts_created"] == 3
    wrong = client.post(
        f"{village.api}/series", json={**body, "rule": {"freq": "hourly"}}, headers=fac
    )
    assert wrong.status_code == 422


def test_pages_list_shift_signup_and_mine(client, village, factory, make_shift):
    shift_id = make_shift(village.commune, title="Chantier <script>x</script>")
    page = client.get(f"{village.base}/")
    assert page.status_code == 200 and "Chantier &lt;script&gt;" in page.text
    shift_page = client.get(f"{village.base}/shifts/{shift_id}")
    assert shift_page.status_code == 200
    assert "Je m'inscris" not in shift_page.text  # a visitor is asked to sign in
    factory.login(client, village.members[0])
    shift_page = client.get(f"{village.base}/shifts/{shift_id}")
    assert "Je m&#39;inscris" in shift_page.text or "Je m'inscris" in shift_page.text
    role_id = int(shift_page.text.split('name="role_id" value="')[1].split('"')[0])
    done = client.post(f"{village.base}/shifts/{shift_id}/signup", data={"role_id": role_id})
    assert done.status_code == 302
    mine = client.get(f"{village.base}/mine")
    assert mine.status_code == 200 and "Chantier &lt;script&gt;" in mine.text
    english = client.get(f"{village.base}/mine", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_signup_form_needs_a_csrf_token(make_app, village, factory, make_shift):
    shift_id = make_shift(village.commune)
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    factory.login(client, village.members[0])
    answer = client.post(f"{village.base}/shifts/{shift_id}/signup", data={"role_id": 1})
    assert answer.status_code == 400


def test_duty_page_for_the_circle_only(client, village, factory):
    factory.login(client, village.members[0])
    assert client.get(f"{village.base}/duty").status_code == 403
    factory.login(client, village.facilitator)
    assert client.get(f"{village.base}/duty").status_code == 200
    set_duty = client.post(f"{village.base}/duty", data={"action": "set", "cycle_weeks": "4"})
    assert set_duty.status_code == 302
    page = client.get(f"{village.base}/duty")
    assert "à jour" in page.text


def test_personal_feed_is_secret_and_revocable(client, village, factory, make_shift, in_commune):
    shift_id = make_shift(village.commune, title="Récolte, pesée; tri")
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        roster.sign_up(shift, shift.roles[0], user(village.members[0]))
    factory.login(client, village.members[0])
    assert client.post(f"{village.base}/feed", data={"action": "renew"}).status_code == 302
    mine = client.get(f"{village.base}/mine").text
    url = mine.split("/roster/feed/")[1].split('"')[0]
    feed = client.get(f"{village.base}/feed/{url}")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert (
        b"BEGIN:VCALENDAR" in feed.data
        and b"SUMMARY:R\xc3\xa9colte\\, pes\xc3\xa9e\\; tri" in feed.data
    )
    token = url[: -len(".ics")]
    row_id, signature = token.split(".")
    forged = f"{row_id}.{'0' * len(signature)}.ics"
    assert client.get(f"{village.base}/feed/{forged}").status_code == 404
    other = factory.commune()
    assert client.get(f"/c/{other.slug}/roster/feed/{url}").status_code == 404
    client.post(f"{village.base}/feed", data={"action": "renew"})
    assert client.get(f"{village.base}/feed/{url}").status_code == 404  # the old link
    client.post(f"{village.base}/feed", data={"action": "revoke"})
    assert "/roster/feed/" not in client.get(f"{village.base}/mine").text


def test_circle_feed(client, village, factory, make_shift, in_commune):
    from federation.governance.bodies import create_body

    with in_commune(village.commune):
        body = create_body("action_circle", "Cercle alimentation")
        slug = body.slug
        body_id = body.id
    make_shift(village.commune, title="Tri des légumes", body=body_id)
    feed = client.get(f"{village.base}/circles/{slug}.ics")
    assert feed.status_code == 200 and "Tri des légumes" in feed.data.decode()
    assert client.get(f"{village.base}/circles/nope.ics").status_code == 404


def test_cli_create_list_remind_settle_status(app, village, in_commune):
    from federation.roster.cli import roster_cli

    runner = CliRunner()
    start = (utcnow() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    with app.app_context():
        made = runner.invoke(
            roster_cli,
            ["create", village.commune.slug, "--title", "Tri", "--start", start, "--role", "tri:2"],
        )
        assert made.exit_code == 0, made.output
        bad = runner.invoke(
            roster_cli,
            ["create", village.commune.slug, "--title", "Tri", "--start", start, "--role", "tri"],
        )
        assert bad.exit_code == 1 and "--role #1" in bad.output
        listed = runner.invoke(roster_cli, ["shifts", village.commune.slug])
        assert "Tri" in listed.output and "tri 0/2" in listed.output
    with in_commune(village.commune):
        shift = db.session.scalars(select(Shift)).one()
        roster.sign_up(shift, shift.roles[0], user(village.members[0]))
        roster.set_duty()
    with app.app_context():
        assert "1 reminder(s) sent." in runner.invoke(roster_cli, ["remind"]).output
        assert "5 debit(s) written." in runner.invoke(roster_cli, ["settle"]).output
        status = runner.invoke(
            roster_cli, ["status", village.commune.slug, village.members[0].user.email]
        )
        assert "up_to_date balance=-1" in status.output


def test_personal_data_export_and_erase(app, village, make_shift, in_commune, in_db):
    from federation.identity.models import User
    from federation.identity.personal_data import erase_user, export_user

    shift_id = make_shift(village.commune)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        roster.sign_up(shift, shift.roles[0], user(village.members[0]))
    with in_db():
        person = db.session.get(User, village.members[0].user.id)
        data = export_user(person)
        assert data["plugins"]["roster"]["signups"][0]["shift"] == "Distribution"
        erase_user(person)
    with in_commune(village.commune):
        assert db.session.scalars(select(Signup)).all() == []
