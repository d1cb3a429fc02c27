"""Owners and households never leave the housing circle: every GET route of the plugin
(web and API) is walked as a visitor, a member outside the circle and a member of another
commune; the commune export and the journal are searched too. A planted twin (the privacy
guard switched off) must be caught by the same walk."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from convergence_housing import allocation as alloc
from convergence_housing import collective, decisions, owners, services
from sqlalchemy import select

from federation.db import db
from federation.governance import votes
from federation.governance.models import Proposal
from federation.journal.models import JournalEntry

from .conftest import (
    SECRET_HOUSEHOLD,
    SECRET_NEED,
    SECRET_OWNER,
    response_text,
    user,
    vote_grid,
)

SECRETS = (
    SECRET_OWNER,
    SECRET_HOUSEHOLD,
    SECRET_NEED,
    "secret-owner@example.org",
    "Bailleur-Secret",
)
FILE = (
    "invariant;adresse;type;nb_pieces;proprietaire;adresse_proprietaire\n"
    f"P1;1 rue Haute;MAISON;3;{SECRET_OWNER};Limoges\n"
)


def seed(town, in_commune) -> dict[str, int]:
    vote_grid(in_commune, town)
    ids: dict[str, int] = {}
    with in_commune(town.commune):
        actor = user(town.facilitator)
        services.import_vacancies(FILE, year=2025)
        dwelling = services.get_dwelling_by_ref("P1")
        owner = owners.get_owner(dwelling.owner_id)
        owners.update_owner(owner, {"email": "secret-owner@example.org"}, actor)
        campaign, _ = owners.create_campaign({"title": "Printemps"}, [dwelling.id], actor)
        owners.set_sent(campaign, None, actor)
        services.set_status(dwelling, "first_contact", actor=actor)
        services.set_status(dwelling, "done", "back_in_use", actor=actor)
        for index, ref in enumerate(town.members):
            row = alloc.create_request(
                {"household": f"{SECRET_HOUSEHOLD} {index}", "people": 2, "needs": SECRET_NEED},
                user(ref),
            )
            ids.setdefault("request_id", row.id)
        examination = alloc.start_examination(dwelling, actor)
        proposal = decisions.propose_allocation(
            examination, [e["request"] for e in examination.ranking], "", actor, open_vote=True
        )
        from convergence_housing import tenants

        group = tenants.create_collective(
            {"name": "Locataires", "landlord": "SCI Bailleur-Secret"}, user(town.members[0])
        )
        grievance = tenants.raise_grievance(group, {"description": "fuite"}, user(town.members[0]))
        tenants.write_letter(group, grievance, actor)  # its PDF is walked too
        ids["collective_id"], ids["grievance_id"] = group.id, grievance.id
        project = collective.create_project({"name": "Maison commune", "price": "100"}, actor)
        collective.pledge(project, user(town.members[0]), "gift", "10")
        ids.update(
            dwelling_id=dwelling.id,
            owner_id=owner.id,
            campaign_id=campaign.id,
            letter_id=owners.letters(campaign)[0][0].id,
            allocation_id=examination.id,
            project_id=project.id,
        )
        proposal_id = proposal.id
    with in_commune(town.commune):
        vote = votes.votes(proposal=db.session.get(Proposal, proposal_id))[0]
        for ref in (town.facilitator, town.circle_member):
            votes.cast(vote, user(ref), {"choice": "yes"})
        votes.close_vote(vote, user(town.facilitator))
    return ids


def plugin_urls(app, town, ids: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("housing.", "housing_api.")) or "GET" not in rule.methods:
            continue
        values: dict[str, Any] = {"commune": town.commune.slug}
        for arg in rule.arguments - {"commune"}:
            values[arg] = ids.get(arg, 1)
        urls.append(rule.build(values)[1])
    return sorted(urls)


def walk(client, urls: list[str], headers: dict | None = None) -> list[tuple[str, str]]:
    leaks = []
    for url in urls:
        response = client.get(url, headers=headers or {})
        assert response.status_code < 500, (url, response.status_code)
        body = response_text(response)  # PDF letters are searched too
        leaks += [(url, s) for s in SECRETS if s in body]
    return leaks


@pytest.fixture
def seeded(app, town, in_commune):
    return seed(town, in_commune)


def test_walk_every_route_as_visitor_member_and_outsider(app, factory, town, seeded):
    urls = plugin_urls(app, town, seeded)
    assert len(urls) >= 25
    client = app.test_client()
    assert walk(client, urls) == []
    neighbour = factory.member(town.commune)  # a member with no request of their own
    for ref in (neighbour, town.outsider):
        client = app.test_client()
        factory.login(client, ref)
        assert walk(client, urls) == [], ref
        assert walk(app.test_client(), urls, factory.token(ref.user)) == []


def test_the_circle_sees_them(app, factory, town, seeded):
    client = app.test_client()
    factory.login(client, town.circle_member)
    body = client.get(f"{town.base}/owners/{seeded['owner_id']}").get_data(as_text=True)
    assert SECRET_OWNER in body
    headers = factory.token(town.circle_member.user)
    body = client.get(f"{town.api}/requests", headers=headers).get_data(as_text=True)
    assert SECRET_HOUSEHOLD in body


def test_applicant_sees_own_request_and_explanation_only(app, factory, town, seeded):
    client = app.test_client()
    headers = factory.token(town.members[0].user)
    mine = client.get(f"{town.api}/requests", headers=headers).get_json()
    assert len(mine) == 1 and mine[0]["household"].endswith(" 0")
    data = client.get(
        f"{town.api}/allocations/{seeded['allocation_id']}", headers=headers
    ).get_json()
    assert [e["request"] for e in data["ranking"]] == [mine[0]["id"]]
    assert data["ranking"][0]["lines"]


def test_planted_twin_guard_off_is_caught(app, factory, town, seeded, monkeypatch):
    monkeypatch.setattr(services, "can_see_private", lambda user: user is not None)
    client = app.test_client()
    stranger = factory.member(town.commune)
    factory.login(client, stranger)
    urls = plugin_urls(app, town, seeded)
    leaks = walk(client, urls) + walk(app.test_client(), urls, factory.token(stranger.user))
    assert {s for _url, s in leaks} >= {SECRET_OWNER, SECRET_HOUSEHOLD}
    assert any(url.endswith(".pdf") for url, _s in leaks)  # the letters' text is searched


def test_export_and_journal_carry_no_personal_data(app, town, seeded, in_commune):
    from convergence_housing.transfer import export_commune

    with in_commune(town.commune):
        exported = repr(export_commune())
        journal = " ".join(
            f"{e.summary} {e.payload} {e.actor}" for e in db.session.scalars(select(JournalEntry))
        )
        proposals = " ".join(f"{p.title} {p.text}" for p in db.session.scalars(select(Proposal)))
    for secret in SECRETS:
        assert secret not in exported
        assert secret not in journal
        assert secret not in proposals


def test_personal_data_export_and_erasure(app, town, seeded, in_db):
    from convergence_housing.transfer import erase_personal_data, personal_data

    from federation.identity.models import User

    with in_db():
        person = db.session.get(User, town.members[0].user.id)
        data = personal_data(person)
        assert data["housing_requests"][0]["household"].startswith(SECRET_HOUSEHOLD)
        assert data["housing_pledges"][0]["amount"] == "10.00"
        erase_personal_data(person)
    with in_db():
        person = db.session.get(User, town.members[0].user.id)
        assert personal_data(person)["housing_requests"] == []


def test_small_counts_suppressed_publicly(app, town, seeded):
    data = app.test_client().get(f"{town.api}/supply").get_json()
    assert data["open_requests"] is None  # two open requests: under five, not shown
    assert data["statuses"]["done"] == 1


def test_second_look_deadline_uses_decision_date(app, factory, town, seeded, in_commune):
    client = app.test_client()
    headers = factory.token(town.members[1].user)
    with in_commune(town.commune):
        row = alloc.get_allocation(seeded["allocation_id"])
        assert row.status == "decided"
        mine = [r.id for r in alloc.requests_of(user(town.members[1]))]
        row.decided_on = row.decided_on - timedelta(days=40)
    late = client.post(
        f"{town.api}/allocations/{seeded['allocation_id']}/second-look",
        json={"request_id": mine[0], "reason": "pourquoi ?"},
        headers=headers,
    )
    assert late.status_code == 409


def test_outsider_cannot_change_anything(app, factory, town, seeded, in_commune):
    """Every write route of the plugin, as an admin of another commune, with this commune's
    ids: refused (never a 500) and the housing rows unchanged."""
    from convergence_housing import transfer

    with in_commune(town.commune):
        before = repr(transfer.export_commune())
    client = app.test_client()
    factory.login(client, town.outsider)
    headers = factory.token(town.outsider.user)
    data = {
        "action": "status",
        "status": "in_progress",
        "amount": "10",
        "kind": "gift",
        "address": "x",
        "name": "x",
        "price": "10",
        "household": "x",
        "people": "2",
        "dwelling_id": str(seeded["dwelling_id"]),
        "description": "x",
        "area": "x",
        "rooms": "2",
        "surface": "20",
        "rent": "100",
        "title": "x",
    }
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("housing.", "housing_api.")):
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PATCH", "PUT", "DELETE"}):
            values = {"commune": town.commune.slug}
            values.update({arg: seeded.get(arg, 1) for arg in rule.arguments - {"commune"}})
            url = rule.build(values)[1]
            if rule.endpoint.startswith("housing_api."):
                response = client.open(url, method=method, json={}, headers=headers)
            else:
                response = client.open(url, method=method, data=data)
            assert response.status_code < 500, (method, url)
            assert response.status_code in (302, 400, 401, 403, 404, 405, 409, 422), (method, url)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (method, url)
    with in_commune(town.commune):
        assert repr(transfer.export_commune()) == before
