"""A person's home ("À faire"), the notices of what awaits them, and the menu's communes and
federations (issue 16 item 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from federation.db import db, utcnow
from federation.identity.models import Notification, User
from federation.testing.queries import count_queries


def _login(client, user):
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 302
    return response


def _vote(client, factory, commune, facilitator, title="Vote", open_=True, **kw):
    headers = factory.token(facilitator.user)
    base = f"/api/v1/communes/{commune.slug}"
    body = {"body": "assemblee", "title": title, "method": "majority", **kw}
    created = client.post(f"{base}/votes", json=body, headers=headers)
    assert created.status_code == 201, created.json
    if open_:
        opened = client.post(f"{base}/votes/{created.json['id']}/open", headers=headers)
        assert opened.status_code == 200, opened.json
    return created.json["id"]


def _notices(app, user_id, kind=None):
    from sqlalchemy import select

    with app.app_context():
        query = select(Notification).where(Notification.user_id == user_id)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(db.session.scalars(query))


def test_login_lands_on_the_home(client, factory):
    commune = factory.commune()
    member = factory.member(commune)
    assert _login(client, member.user).location.endswith("/home")
    page = client.get("/home")
    assert page.status_code == 200
    assert "À faire" in page.text and commune.name in page.text


def test_home_needs_an_account(client):
    assert client.get("/home").status_code == 302


@pytest.fixture
def town(factory):
    commune = factory.commune("faux", "Faux-la-Montagne")
    other = factory.commune("tarnac", "Tarnac")
    federation = factory.federation("plateau", communes=[commune, other], name="Plateau")
    facilitator = factory.member(commune, "facilitator")
    members = [factory.member(commune) for _ in range(3)]
    return commune, other, federation, facilitator, members


def test_an_open_vote_is_announced_and_listed_until_cast(app, client, factory, town):
    from federation.identity.notifications import OUTBOX

    commune, _other, _fed, facilitator, members = town
    with app.app_context():
        db.session.get(User, members[1].user.id).digest = "daily"  # no mail per notice
        db.session.commit()
    OUTBOX.clear()
    vote_id = _vote(client, factory, commune, facilitator, title="Cuves de pluie")
    for person in members:
        [note] = _notices(app, person.user.id, "vote.opened_for_you")
        assert note.link == f"/c/faux/votes/{vote_id}"
    assert _notices(app, facilitator.user.id, "vote.opened_for_you") == []  # she opened it
    mailed = {m["To"] for m in OUTBOX}
    assert members[0].user.email in mailed and members[1].user.email not in mailed

    voter = app.test_client()
    _login(voter, members[0].user)
    home = voter.get("/home").text
    assert "Cuves de pluie" in home and "Un vote vous attend" in home
    headers = factory.token(members[0].user)
    cast = voter.post(
        f"/api/v1/communes/faux/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=headers,
    )
    assert cast.status_code == 201
    assert f'/c/faux/votes/{vote_id}"' not in voter.get("/home").text.split("h-notices")[0]


def test_the_notice_reads_in_the_readers_language(app, client, factory, town):
    commune, _other, _fed, facilitator, members = town
    with app.app_context():
        db.session.get(User, members[0].user.id).locale = "en"
        db.session.commit()
    _vote(client, factory, commune, facilitator, title="Rain tanks")
    reader = app.test_client()
    _login(reader, members[0].user)
    page = reader.get("/notifications").text
    assert "A vote awaits you" in page and "Un vote vous attend" not in page


def test_a_join_request_reaches_the_people_who_may_approve_it(app, client, factory, town):
    commune, _other, _fed, facilitator, members = town
    admin = factory.member(commune, "admin")
    newcomer = factory.user(display_name="Léa")
    _login(client, newcomer)
    page = client.get(f"/c/{commune.slug}/join")
    assert page.status_code == 200
    with app.app_context():
        from federation.identity import joining
        from federation.plugins.services import verification_methods
        from federation.tenancy.models import Commune

        joining.join(
            db.session.get(Commune, commune.id),
            db.session.get(User, newcomer.id),
            verification_methods(),
        )
        db.session.commit()
    for approver in (facilitator, admin):
        [note] = _notices(app, approver.user.id, "membership.requested")
        assert note.link == f"/c/{commune.slug}/admin/members"
    assert _notices(app, members[0].user.id, "membership.requested") == []
    approver = app.test_client()
    _login(approver, facilitator.user)
    home = approver.get("/home").text
    assert "Léa demande à rejoindre Faux-la-Montagne" in home
    assert "1 demande en attente" in home


def test_a_meeting_is_announced_and_listed_once_registered(app, client, factory, town):
    from federation.governance import bodies, meetings
    from federation.tenancy.context import commune_scope

    commune, _other, _fed, facilitator, members = town
    with app.app_context(), commune_scope(commune.id):
        body = bodies.find_assembly()
        meeting = meetings.schedule(
            body, "Assemblée de printemps", utcnow() + timedelta(days=3), place="Salle des fêtes"
        )
        meetings.register(meeting, db.session.get(User, members[0].user.id))
        db.session.commit()
    [note] = _notices(app, members[1].user.id, "meeting.scheduled")
    assert "meetings/" in note.link
    person = app.test_client()
    _login(person, members[0].user)
    home = person.get("/home").text
    assert "Réunions où vous êtes inscrit·e" in home and "Assemblée de printemps" in home


def test_ratifications_wait_for_the_delegate_and_the_facilitator(app, client, factory, town):
    commune, other, federation, facilitator, members = town
    coordinator = factory.user()
    factory.federation_role(federation, coordinator, "coordinator")
    factory.member(other)  # Tarnac can answer too
    headers = factory.token(coordinator)
    base = f"/api/v1/federations/{federation.slug}"
    created = client.post(
        f"{base}/proposals", json={"title": "Régie de l'eau", "text": "…"}, headers=headers
    )
    assert created.status_code == 201, created.json
    sent = client.post(f"{base}/proposals/{created.json['id']}/send", headers=headers)
    assert sent.status_code == 200, sent.json
    [note] = _notices(app, facilitator.user.id, "federation.ratification_requested")
    assert "/c/faux/proposals/" in note.link
    assert _notices(app, members[0].user.id, "federation.ratification_requested") == []
    person = app.test_client()
    _login(person, facilitator.user)
    home = person.get("/home").text
    assert "à ratifier" in home and "Régie de l&#39;eau" in home
    assert "Plateau demande à votre assemblée de ratifier" in home
    plain = app.test_client()
    _login(plain, members[0].user)
    assert "Régie de l" not in plain.get("/home").text.split("h-notices")[0]
    coordinating = app.test_client()
    _login(coordinating, coordinator)
    page = coordinating.get("/home").text
    assert "/f/plateau/coordination" in page  # her federation, in her home and her menu
    menu = coordinating.get("/notifications").text  # the header, on every page
    assert "Mes fédérations" in menu and 'href="/f/plateau/"' in menu


def test_hook_federation_todo_items(app, client, factory, in_commune):
    from tests.support.notes_plugin import CALLS, Note

    commune = factory.commune()
    off = factory.commune()
    factory.enable(commune, "notes")
    factory.enable(commune, "broken")  # raises: logged, the home still renders
    member = factory.member(commune)
    factory.member(off, user=member.user)
    with in_commune(commune):
        db.session.add(Note(title="À faire : réparer le lavoir"))
    CALLS.clear()
    _login(client, member.user)
    page = client.get("/home")
    assert page.status_code == 200
    assert "À faire : réparer le lavoir" in page.text
    assert ("todo_items", [commune.id]) in CALLS  # only the communes where the plugin is on


def test_the_home_reads_a_constant_number_of_statements(app, client, factory, in_commune):
    """Two communes with little, then many more votes, meetings, requests and notices:
    the home reads the same number of statements."""
    from federation.governance import bodies, meetings
    from federation.tenancy.context import commune_scope

    commune = factory.commune()
    second = factory.commune()
    factory.enable(commune, "notes")
    facilitator = factory.member(commune, "facilitator")
    factory.member(second, "facilitator", user=facilitator.user)
    person = factory.member(commune, user=None)

    def add(n):
        for i in range(n):
            _vote(client, factory, commune, facilitator, title=f"Vote {i}")
            factory.user()
            factory.member(second, status="pending")
            with app.app_context(), commune_scope(commune.id):
                meeting = meetings.schedule(
                    bodies.find_assembly(),
                    f"Réunion {i}",
                    utcnow() + timedelta(days=i + 1),
                    place="Mairie",
                )
                meetings.register(meeting, db.session.get(User, facilitator.user.id))
                db.session.commit()

    reader = app.test_client()
    _login(reader, facilitator.user)
    add(1)
    reader.get("/home")
    with count_queries(app) as few:
        assert reader.get("/home").status_code == 200
    add(5)
    with count_queries(app) as many:
        page = reader.get("/home")
    assert page.status_code == 200 and "Réunion 4" in page.text
    assert len(many.reads_and_writes) == len(few.reads_and_writes)
    assert len(many.reads_and_writes) <= 12, many.reads_and_writes  # measured: 12
    del person


def test_the_home_shows_nothing_of_a_commune_the_person_is_not_in(app, client, factory):
    """The home reads under a federation scope of the person's own active communes: a vote
    of another commune never shows, even a vote open to everyone there. The planted twin
    reads the same query unscoped and finds the other commune's vote: the scope is what
    keeps it out."""
    from federation.tenancy.context import unscoped
    from federation.web.home import _votes

    mine = factory.commune("mine", "Mine")
    theirs = factory.commune("theirs", "Theirs")
    person = factory.member(mine)
    factory.member(theirs, user=person.user, status="pending")  # asked, not admitted
    fac = factory.member(theirs, "facilitator")
    _vote(client, factory, theirs, fac, title="Their secret plans", electorate="commune")
    reader = app.test_client()
    _login(reader, person.user)
    assert "Their secret plans" not in reader.get("/home").text
    with app.app_context(), unscoped():
        from federation.tenancy.models import Commune

        by_id = {c.id: c for c in db.session.query(Commune)}
        leaked = _votes(person.user.id, by_id, utcnow())
    assert [v["title"] for v in leaked] == ["Their secret plans"]  # the twin: no scope, a leak


def test_a_large_notice_is_mailed_by_a_background_job(app, client, factory):
    from sqlalchemy import select

    from federation.identity.notices import INLINE_MAILS
    from federation.identity.notifications import OUTBOX
    from federation.jobs.models import BackgroundJob
    from federation.tenancy.context import commune_scope

    commune = factory.commune("grand", "Grand-Bourg")
    facilitator = factory.member(commune, "facilitator")
    people = [factory.member(commune) for _ in range(INLINE_MAILS + 2)]
    OUTBOX.clear()
    _vote(client, factory, commune, facilitator, title="Budget de l'école")
    assert {m["To"] for m in OUTBOX} == {p.user.email for p in people}
    assert all("Budget de l'école" in m["Subject"] for m in OUTBOX)
    with app.app_context(), commune_scope(commune.id):
        [job] = db.session.scalars(
            select(BackgroundJob).where(BackgroundJob.kind == "notices.mail")
        )
        assert job.state == "finished"
