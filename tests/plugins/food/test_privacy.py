"""Food-aid requests are anonymous to all but the food circle: every URL of the plugin
(web and API) walked as a visitor, a member, a commune admin outside the circle and a member
of another commune; the exports; the public journal. A planted leak (the circle check
switched off) is caught by the same walk."""

from __future__ import annotations

import json
import re

import pytest
from convergence_food import contracts, services, solidarity
from sqlalchemy import select

from federation.db import db
from federation.journal.models import JournalEntry
from tests.plugins.food.conftest import make_town, user

SECRET_NAME = "Zoé Secrète-Aidée"
SECRET_NOTE = "NOTE-CONFIDENTIELLE-FRIGO-VIDE"


@pytest.fixture
def aid_town(factory, in_commune):
    town = make_town(factory, in_commune, "discrete")
    asker = factory.member(town.commune, user=factory.user(display_name=SECRET_NAME))
    with in_commune(town.commune):
        row = solidarity.request_aid(user(asker), {"household_size": 3, "note": SECRET_NOTE})
        solidarity.decide_request(row.id, True, user(town.circle_member))
        solidarity.gift("100")
        contracts.subscribe(
            contracts.get_contract(town.contract_id),
            user(asker),
            {town.lines[0]: "1"},
            "solidarity",
        )
    town.asker = asker
    return town


def _urls(app, town) -> list[str]:
    """Every GET route of the plugin, its integer arguments filled with small ids."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("food.", "food_api.")) or "GET" not in rule.methods:
            continue
        path = rule.rule.replace("<commune>", town.commune.slug)
        ints = re.findall(r"<int:(\w+)>", path)
        if not ints:
            urls.append(path)
            continue
        for ident in (1, 2, 3):
            urls.append(re.sub(r"<int:\w+>", str(ident), path))
    return urls


def leaks(app, client, factory, town, who) -> list[str]:
    """URLs whose answer names the person who asked for aid, or shows her note."""
    if who is not None:
        factory.login(client, who)
    found = []
    for url in _urls(app, town):
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        if SECRET_NAME in body or SECRET_NOTE in body or "Secr\\u00e8te" in body:
            found.append(url)
    return found


def test_only_the_circle_sees_who_asked(app, factory, aid_town):
    town = aid_town
    for who in (None, town.members[0], town.admin, town.outsider):
        client = app.test_client()
        assert leaks(app, client, factory, town, who) == [], who
    circle = app.test_client()
    factory.login(circle, town.circle_member)
    page = circle.get(f"{town.base}/aid/requests")
    assert page.status_code == 200 and SECRET_NAME in page.text and SECRET_NOTE in page.text


def test_requests_page_is_404_outside_the_circle(app, factory, aid_town):
    town = aid_town
    for who in (town.members[0], town.admin, town.outsider):
        client = app.test_client()
        factory.login(client, who)
        assert client.get(f"{town.base}/aid/requests").status_code == 404
        refused = client.post(
            f"{town.api}/aid/requests/1", json={"granted": True}, headers=factory.token(who.user)
        )
        assert refused.status_code == 404


def test_planted_leak_is_caught(app, factory, aid_town, monkeypatch):
    """The circle check switched off: the walk finds the requester's name."""
    town = aid_town
    monkeypatch.setattr(services, "can_see_aid", lambda _user: True)
    monkeypatch.setattr(solidarity, "can_see_aid", lambda _user: True)
    client = app.test_client()
    assert leaks(app, client, factory, town, town.members[0]) != []


def test_journal_and_exports_carry_no_name(app, in_commune, aid_town):
    town = aid_town
    with in_commune(town.commune):
        from convergence_food.transfer import export_commune

        exported = json.dumps(export_commune(), default=str, ensure_ascii=False)
        entries = db.session.scalars(
            select(JournalEntry).where(JournalEntry.kind.like("food.%"))
        ).all()
        assert entries
        for entry in entries:
            text = entry.summary + entry.text + entry.payload + entry.actor
            assert SECRET_NAME not in text and SECRET_NOTE not in text
            assert str(town.asker.user.id) not in json.loads(entry.payload).values()
    assert SECRET_NAME not in exported and SECRET_NOTE not in exported


def test_personal_export_and_erasure(app, in_db, aid_town):
    town = aid_town
    from convergence_food.models import AidRequest, Subscription
    from convergence_food.transfer import erase_personal_data, personal_data

    with in_db():
        person = user(town.asker)
        mine = personal_data(person)
        assert mine["aid_requests"][0]["note"] == SECRET_NOTE
        assert mine["subscriptions"][0]["tier"] == "solidarity"
        erase_personal_data(person)
        assert not db.session.scalars(
            select(AidRequest).where(AidRequest.account_id == person.id)
        ).all()
        assert not db.session.scalars(
            select(Subscription).where(Subscription.account_id == person.id)
        ).all()
