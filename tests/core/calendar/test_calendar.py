"""Calendars and places (issue 16 item 7): iCalendar feeds fold lines per RFC 5545 through
one helper (a planted hand-written twin is seen to fail the same check), the month views of
a commune and of a person, the commune's feed, places with an optional map and a list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from federation.calendar.ical import CalendarEvent, feed
from federation.db import db, utcnow
from federation.governance.models import Body, Meeting, MeetingAttendance, Vote

LONG = "Assemblée populaire extraordinaire sur l'eau, les forêts communales et les sources " * 2


def folding_problems(data: bytes) -> list[str]:
    """RFC 5545 §3.1: lines end with CRLF, no line is longer than 75 octets, a folded
    line goes on with one space, and no UTF-8 character is cut in two."""
    problems = []
    if not data.endswith(b"\r\n"):
        problems.append("no final CRLF")
    lines = data.split(b"\r\n")[:-1]
    for number, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: bare line break")
        if len(line) > 75:
            problems.append(f"line {number}: {len(line)} octets")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number}: a character cut in two")
    return problems


def _event(title: str = LONG) -> CalendarEvent:
    start = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
    return CalendarEvent(uid="x-1@test", start=start, summary=title, location="Salle; 1, rue")


def test_helper_folds_long_lines_and_round_trips():
    data = feed("Calendrier — Faux-la-Montagne", [_event()])
    assert folding_problems(data) == []
    assert b"\r\n " in data  # the long title was folded
    parsed = Calendar.from_ical(data)
    (event,) = parsed.walk("VEVENT")
    assert str(event["SUMMARY"]) == LONG
    assert str(event["LOCATION"]) == "Salle; 1, rue"
    assert event.decoded("DTSTART") == datetime(2027, 3, 1, 18, 0, tzinfo=UTC)


def _hand_written(title: str) -> bytes:
    """Planted twin: the feeds as they were written by hand before (escaped, not folded)."""
    text = title.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "BEGIN:VEVENT",
        f"SUMMARY:{text}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_planted_twin_unfolded_feed_fails_the_check():
    assert folding_problems(_hand_written(LONG)) != []
    assert folding_problems(_hand_written("court")) == []  # the check is not always failing


@pytest.fixture
def commune_with_events(factory, in_commune):
    commune = factory.commune("cal-ville", "Cal-Ville")
    other = factory.commune("autre-ville", "Autre-Ville")
    member = factory.member(commune)
    now = utcnow().replace(day=10, hour=18, minute=0, second=0, microsecond=0)
    with in_commune(commune):
        body = db.session.scalar(select(Body).limit(1))
        meeting = Meeting(body_id=body.id, title="Assemblée de quartier", starts_at=now)
        db.session.add(meeting)
        db.session.add(
            Meeting(body_id=body.id, title="Cercle eau", starts_at=now + timedelta(hours=1))
        )
        db.session.add(
            Vote(
                body_id=body.id,
                title="Budget des fontaines",
                method="majority",
                status="open",
                electorate="commune",
                closes_at=now + timedelta(days=2),
            )
        )
        from federation.roster.models import Shift

        db.session.add(
            Shift(
                title="Chantier de récolte",
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=1, hours=3),
                signup_deadline=now + timedelta(days=1),
                cancel_deadline=now + timedelta(days=1),
            )
        )
        db.session.flush()
        db.session.add(MeetingAttendance(meeting_id=meeting.id, user_id=member.user.id))
    with in_commune(other):
        body = db.session.scalar(select(Body).limit(1))
        db.session.add(Meeting(body_id=body.id, title="Réunion secrète d'ailleurs", starts_at=now))
        db.session.add(
            Vote(
                body_id=body.id,
                title="Scrutin d'ailleurs",
                method="majority",
                status="open",
                electorate="commune",
                closes_at=now + timedelta(days=1),
            )
        )
    return commune, member, now


def test_commune_month_lists_meetings_votes_and_no_other_commune(client, commune_with_events):
    commune, _member, now = commune_with_events
    page = client.get(f"/c/{commune.slug}/calendar?month={now:%Y-%m}")
    assert page.status_code == 200
    assert "Assemblée de quartier" in page.text and "Cercle eau" in page.text
    assert "Budget des fontaines" in page.text and "Chantier de récolte" in page.text
    assert "ailleurs" not in page.text
    assert re.search(r"<table class=\"month\">\s*<caption>", page.text)
    assert 'scope="col"' in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script
    assert not re.search(r"\son\w+=", page.text)
    empty = client.get(f"/c/{commune.slug}/calendar?month=1999-01")
    assert "Assemblée de quartier" not in empty.text
    assert client.get(f"/c/{commune.slug}/calendar?month=n'importe").status_code == 200


def test_person_month_shows_only_their_meetings(client, factory, commune_with_events):
    commune, member, now = commune_with_events
    url = f"/c/{commune.slug}/calendar/mine?month={now:%Y-%m}"
    assert client.get(url).status_code == 302  # sign in first
    factory.login(client, member)
    page = client.get(url).text
    assert "Assemblée de quartier" in page  # registered
    assert "Cercle eau" not in page  # not registered
    assert "Budget des fontaines" in page  # open to every member
    assert "Chantier de récolte" not in page  # not signed up


def test_commune_feed_is_folded_rfc5545(client, commune_with_events):
    commune, _member, _now = commune_with_events
    response = client.get(f"/c/{commune.slug}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert folding_problems(response.data) == []
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]
    assert "Assemblée de quartier" in summaries
    assert not any("ailleurs" in s for s in summaries)


def test_meeting_feed_goes_through_the_helper(client, factory, in_commune):
    commune = factory.commune("feed-ville")
    with in_commune(commune):
        body = db.session.scalar(select(Body).limit(1))
        db.session.add(Meeting(body_id=body.id, title=LONG, starts_at=utcnow()))
        slug = body.slug
    data = client.get(f"/c/{commune.slug}/bodies/{slug}/calendar.ics").data
    assert folding_problems(data) == []
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert str(event["SUMMARY"]) == LONG


def test_places_list_without_tiles_and_map_with_them(app, client, factory, in_commune):
    from federation.calendar import views
    from federation.governance.models import Concern

    commune = factory.commune("lieux")
    facilitator = factory.member(commune, "facilitator")
    member = factory.member(commune)
    factory.login(client, member)
    form = {"name": "Lavoir", "latitude": "45.75", "longitude": "1.93"}
    assert client.post("/c/lieux/places", data=form).status_code == 403
    factory.login(client, facilitator)
    assert client.post("/c/lieux/places", data=form).status_code == 302
    bad = client.post("/c/lieux/places", data={"name": "Pont", "latitude": "123"})
    assert bad.status_code == 302
    with in_commune(commune):
        db.session.add(Concern(title="Fuite au lavoir", place="lavoir"))
    page = client.get("/c/lieux/places")
    assert "Lavoir" in page.text and "Fuite au lavoir" in page.text and "Pont" not in page.text
    assert 'id="places-map"' not in page.text  # no tile server configured: the list only
    app.config["MAP_TILES_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    try:
        with app.app_context():
            installed = views.leaflet_installed()
        if not installed:
            pytest.skip("Leaflet not installed (make static-deps needs npm)")
        page = client.get("/c/lieux/places")
        assert 'id="places-map"' in page.text and 'data-lat="45.75"' in page.text
        assert "leaflet.js" in page.text and "places-map.js" in page.text
        assert (
            "img-src 'self' data: https://tiles.example.org;"
            in page.headers["Content-Security-Policy"]
        )
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    finally:
        app.config["MAP_TILES_URL"] = ""


def test_person_calendar_across_their_communes(client, factory, in_commune, commune_with_events):
    commune, member, now = commune_with_events
    second = factory.commune("second-ville", "Second-Ville")
    factory.member(second, user=member.user)
    with in_commune(second):
        body = db.session.scalar(select(Body).limit(1))
        meeting = Meeting(body_id=body.id, title="Comité des fêtes", starts_at=now)
        db.session.add(meeting)
        db.session.flush()
        db.session.add(MeetingAttendance(meeting_id=meeting.id, user_id=member.user.id))
    assert client.get("/calendar").status_code == 302
    factory.login(client, member)
    page = client.get(f"/calendar?month={now:%Y-%m}").text
    assert "Assemblée de quartier" in page and "(Cal-Ville)" in page
    assert "Comité des fêtes" in page and "(Second-Ville)" in page
    assert "Cercle eau" not in page and "ailleurs" not in page


def test_planted_twin_person_calendar_without_the_commune_scope_leaks(
    client, factory, commune_with_events, monkeypatch
):
    """The month across communes reads each commune in its own scope; with the scope
    replaced by the unscoped context, a vote of a commune the person is not in shows."""
    from federation.tenancy import context

    commune, member, now = commune_with_events
    factory.login(client, member)
    monkeypatch.setattr(context, "commune_scope", lambda _commune_id: context.unscoped())
    page = client.get(f"/calendar?month={now:%Y-%m}").text
    assert "Scrutin d&#39;ailleurs" in page


@pytest.mark.parametrize(
    ("first", "second"), [("École", "École"), ("École", "école"), ("Lavoir", "LAVOIR")]
)
def test_a_place_named_twice_in_any_case_is_a_conflict(factory, in_commune, first, second):
    """SQLite's lower() folds only ASCII: "École" twice passed the case-insensitive check and
    hit the unique constraint, a 500 the API fuzz found. Both databases now answer 409."""
    from federation.calendar.services import add_place
    from federation.errors import Conflict

    commune = factory.commune("noms")
    with in_commune(commune):
        add_place(first)
        with pytest.raises(Conflict):
            add_place(second)


def test_planted_twin_ascii_only_lower_lets_the_same_name_through(factory, in_commune, monkeypatch):
    """With the check in SQL's lower(), "École" twice reaches the unique constraint."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from federation.calendar import services
    from federation.calendar.models import Place

    monkeypatch.setattr(
        services,
        "place_named",
        lambda name: db.session.scalar(select(Place).where(func.lower(Place.name) == name.lower())),
    )
    commune = factory.commune("noms2")
    with in_commune(commune):
        services.add_place("École")
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's lower() folds É: the twin only exists on SQLite")
        with pytest.raises(IntegrityError):
            services.add_place("École")
        db.session.rollback()
