"""Protecting people: on a sensitive action the participant list stays with the organisers,
people take part with an e-mail address only, and no name is public; elsewhere a name is
public only when its person chose it. The attack: an anonymous visitor, another commune's
admin and a member who does not organise request every page and API route of the action;
none may see a registrant's name, address or code. The planted twin (a public-name rule that
forgets the private list) must be caught by the same check."""

from __future__ import annotations

import pytest
from convergence_actions import events, services

from federation.db import db
from tests.plugins.actions.conftest import make_town, new_event, user


@pytest.fixture
def sensitive(factory, in_commune):
    town = make_town(factory, in_commune, "discrete", sensitive=True)
    event_id = new_event(town, in_commune, title="Réquisition")
    secrets: list[str] = []
    with in_commune(town.commune):
        event = events.get_event(event_id)
        assert event.private_list and event.open_to_email
        for ref in town.members[:2]:
            person = user(ref)
            row = events.register(event, person, public_name=person.display_name)
            assert row.public_name == ""  # never stored on a private list
            secrets += [person.display_name, person.email, row.code]
        row = events.register(event, email="refuge@example.org", public_name="Refuge Secret")
        secrets += ["refuge@example.org", "Refuge Secret", row.code]
        campaign = services.get_campaign(town.campaign_id)
        services.support(campaign, user(town.members[2]), public=True)  # not public: sensitive
        secrets.append(user(town.members[2]).display_name)
    town.extra.update(event_id=event_id, secrets=secrets)
    return town


def leaks(client, factory, town) -> list[tuple[str, str, str]]:
    """Every (who, url, secret) an attacker saw."""
    event_id = town.extra["event_id"]
    urls = [
        f"{town.base}/",
        f"{town.base}/campaigns/{town.campaign_id}",
        f"{town.base}/events/{event_id}",
        f"{town.base}/events/{event_id}/participants",
        f"{town.base}/events/{event_id}/door",
        f"{town.base}/events/{event_id}/event.ics",
        f"{town.base}/calendar.ics",
        f"/c/{town.commune.slug}/",
        f"{town.api}/events",
        f"{town.api}/events/{event_id}",
        f"{town.api}/events/{event_id}/registrations",
        f"{town.api}/campaigns/{town.campaign_id}",
        f"{town.api}/campaigns/{town.campaign_id}/pledges",
    ]
    found = []
    attackers = {"anonymous": None, "outsider": town.outsider, "member": town.members[3]}
    for who, ref in attackers.items():
        with client.session_transaction() as session:
            session.clear()
        if ref is not None:
            factory.login(client, ref)
        for url in urls:
            body = client.get(url).get_data(as_text=True)
            found += [(who, url, s) for s in town.extra["secrets"] if s in body]
    return found


def test_no_attacker_sees_who_takes_part_in_a_sensitive_action(client, factory, sensitive):
    assert leaks(client, factory, sensitive) == []


def test_the_organisers_do_see_the_list(client, factory, sensitive):
    factory.login(client, sensitive.facilitator)
    page = client.get(f"{sensitive.base}/events/{sensitive.extra['event_id']}/participants")
    assert page.status_code == 200
    assert "refuge@example.org" in page.text
    api = client.get(
        f"{sensitive.api}/events/{sensitive.extra['event_id']}/registrations",
        headers=factory.token(sensitive.circle_member.user),
    )
    assert api.status_code == 200 and len(api.json) == 3


def test_planted_leak_is_caught(client, factory, sensitive, monkeypatch):
    """The twin: public names ignore the private list and fall back to the account's name."""

    def leaky(event):
        from convergence_actions.models import Registration
        from sqlalchemy import select

        from federation.identity.models import User

        return list(
            db.session.scalars(
                select(User.display_name)
                .join(Registration, Registration.user_id == User.id)
                .where(Registration.event_id == event.id)
            )
        )

    monkeypatch.setattr(events, "public_names", leaky)
    assert leaks(client, factory, sensitive) != []


def test_elsewhere_a_name_is_public_only_when_chosen(client, factory, town, in_commune):
    event_id = new_event(town, in_commune)
    with in_commune(town.commune):
        event = events.get_event(event_id)
        shown = user(town.members[0])
        hidden = user(town.members[1])
        events.register(event, shown, public_name="Camille à vélo")
        events.register(event, hidden)
        hidden_name = hidden.display_name
    page = client.get(f"{town.base}/events/{event_id}").text
    assert "Camille à vélo" in page and hidden_name not in page
    assert client.get(f"{town.base}/events/{event_id}/participants").status_code in (401, 302)
    factory.login(client, town.members[2])
    assert client.get(f"{town.base}/events/{event_id}/participants").status_code == 403
