"""Issue 13 item 6: a request open to several communes of a federation that take part, each
allocation of another commune's request consented by the household's commune (one service
path), the household's data seen by the circles concerned only, a journal without it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from convergence_housing import allocation as alloc
from convergence_housing import decisions, services, sharing
from convergence_housing.models import Allocation, HousingRequest
from sqlalchemy import select

from federation.db import db
from federation.errors import Forbidden, NotFound, ValidationFailed
from federation.identity.models import Notification
from federation.journal.models import JournalEntry

from .conftest import SECRET_HOUSEHOLD, SECRET_NEED, circle_votes, make_town, user, vote_grid

ON = {"shared_requests": True}


@pytest.fixture
def trio(factory, in_commune):
    """A (the household's commune) and B (a dwelling) take part; C, in the same
    federation and wished by the household too, does not."""
    towns = [make_town(factory, in_commune, f"bourg-{k}", f"Bourg {k.upper()}") for k in "abc"]
    factory.federation("vallee", [t.commune for t in towns])
    factory.enable(towns[0].commune, "housing", ON)
    factory.enable(towns[1].commune, "housing", ON)
    home, host, other = towns
    with in_commune(home.commune):
        row = alloc.create_request(
            {
                "household": SECRET_HOUSEHOLD,
                "people": 3,
                "rooms_needed": 3,
                "urgency": "3",
                "needs": SECRET_NEED,
                "communes": "bourg-a,bourg-b,bourg-c",
            },
            user(home.members[0]),
            today=date(2025, 1, 1),
        )
        home.request_id = row.id
    return home, host, other


def _available(town, in_commune) -> int:
    with in_commune(town.commune):
        actor = user(town.facilitator)
        row = services.create_dwelling({"address": "1 place", "ref": "LOG-B", "rooms": 3}, actor)
        services.set_status(row, "first_contact", actor=actor)
        services.set_status(row, "done", "back_in_use", actor=actor)
        locals_ = [
            alloc.create_request(
                {"household": f"Foyer local {n}", "people": 2, "urgency": "0"},
                user(town.members[n]),
            ).id
            for n in range(2)
        ]
        return row.id, locals_


def test_only_the_circles_concerned_see_the_request(app, factory, trio, in_commune):
    home, host, other = trio
    with in_commune(host.commune):
        seen = sharing.shared_requests()
        assert [(r.id, r.household, r.commune_slug) for r in seen] == [
            (home.request_id, SECRET_HOUSEHOLD, "bourg-a")
        ]
    with in_commune(other.commune):
        assert sharing.partner_ids() == []
        assert sharing.shared_requests() == []
        # planted twin: the same selection without the opt-in shows the household to C
        leaked = sharing.requests_open_to(
            "bourg-c", sharing.federation_neighbours(other.commune.id)
        )
        assert [r.household for r in leaked] == [SECRET_HOUSEHOLD]
    client = app.test_client()
    factory.login(client, host.circle_member)
    page = client.get(f"{host.base}/shared")
    assert page.status_code == 200 and SECRET_HOUSEHOLD in page.text and SECRET_NEED in page.text
    headers = factory.token(host.circle_member.user)
    api = client.get(f"{host.api}/shared-requests", headers=headers).get_json()
    assert [r["household"] for r in api] == [SECRET_HOUSEHOLD]
    for town, person in ((other, other.circle_member), (host, host.members[0])):
        factory.login(client, person)
        page = client.get(f"{town.base}/shared")
        assert page.status_code in (200, 404) and SECRET_HOUSEHOLD not in page.text
        headers = factory.token(person.user)
        answer = client.get(f"{town.api}/shared-requests", headers=headers)
        assert SECRET_HOUSEHOLD not in answer.get_data(as_text=True)
        assert client.get(
            f"{town.api}/requests/{home.request_id}", headers=headers
        ).status_code in (404,)
    factory.login(client, host.members[0])
    assert client.get(f"{host.base}/shared").status_code == 404


def test_allocation_elsewhere_needs_the_home_commune_consent(app, factory, trio, in_commune, in_db):
    home, host, other = trio
    vote_grid(in_commune, host)
    dwelling_id, local_ids = _available(host, in_commune)
    with in_commune(host.commune):
        row = alloc.start_examination(services.get_dwelling(dwelling_id), user(host.facilitator))
        assert {e["request"]: e["commune"] for e in row.ranking}[home.request_id] == home.commune.id
        order = [home.request_id, *local_ids]
        with pytest.raises(ValidationFailed) as refused:
            decisions.propose_allocation(row, order, "", user(host.facilitator))
        assert refused.value.field == "order"
        allocation_id = row.id
    with in_db():  # the household's commune's circle is told that its consent is awaited
        notes = db.session.scalars(
            select(Notification).where(Notification.link == "/c/bourg-a/housing/shared")
        ).all()
        assert {n.user_id for n in notes} == {
            home.facilitator.user.id,
            home.circle_member.user.id,
        }
        assert "Bourg B" in notes[0].text and SECRET_HOUSEHOLD not in notes[0].text
    with in_commune(other.commune), pytest.raises(NotFound):
        sharing.answer_consent(
            "bourg-b", allocation_id, home.request_id, "granted", user(other.circle_member)
        )
    with in_commune(home.commune):
        with pytest.raises(Forbidden):
            sharing.answer_consent(
                "bourg-b", allocation_id, home.request_id, "granted", user(home.members[1])
            )
        [item] = sharing.consent_items()
        assert (item.host_slug, item.request_id, item.answer) == ("bourg-b", home.request_id, None)
    client = app.test_client()
    headers = factory.token(home.circle_member.user)
    body = {"commune": "bourg-b", "allocation_id": allocation_id, "request_id": home.request_id}
    bad = client.post(f"{home.api}/consents", json={**body, "answer": "maybe"}, headers=headers)
    assert bad.status_code == 422 and "answer" in bad.get_json()["errors"]["json"]
    done = client.post(f"{home.api}/consents", json={**body, "answer": "granted"}, headers=headers)
    assert done.status_code == 201 and done.get_json()["answer"] == "granted"
    again = client.post(f"{home.api}/consents", json={**body, "answer": "refused"}, headers=headers)
    assert again.status_code == 409
    with in_commune(host.commune):
        row = db.session.get(Allocation, allocation_id)
        assert sharing.consents_for(row) == {home.request_id: "granted"}
        proposal = decisions.propose_allocation(
            row, order, "", user(host.facilitator), open_vote=True
        )
        proposal_id = proposal.id
    circle_votes(in_commune, host, proposal_id)
    with in_commune(host.commune):
        row = db.session.get(Allocation, allocation_id)
        assert row.status == "decided" and row.chosen_elsewhere_id == home.request_id
        assert row.chosen_request_id is None
        assert services.get_dwelling(dwelling_id).occupancy == "rented"
        entries = list(db.session.scalars(select(JournalEntry)))
        text = " ".join(f"{e.summary} {e.text} {e.payload}" for e in entries)
        assert SECRET_HOUSEHOLD not in text and SECRET_NEED not in text
        [entry] = [e for e in entries if e.kind == "housing.allocation"]
        payload = entry.payload if isinstance(entry.payload, dict) else json.loads(entry.payload)
        assert payload["household_commune"] == "bourg-a"
        assert all(db.session.get(HousingRequest, i).status == "open" for i in local_ids)
    with in_commune(home.commune):
        assert db.session.get(HousingRequest, home.request_id).status == "allocated"


def test_refused_consent_keeps_the_request_out_of_the_order(app, factory, trio, in_commune):
    home, host, _other = trio
    vote_grid(in_commune, host)
    dwelling_id, local_ids = _available(host, in_commune)
    with in_commune(host.commune):
        row = alloc.start_examination(services.get_dwelling(dwelling_id), user(host.facilitator))
        allocation_id = row.id
    client = app.test_client()
    factory.login(client, home.circle_member)
    page = client.get(f"{home.base}/shared")
    assert page.status_code == 200 and "Consentir" in page.text
    answer = client.post(
        f"{home.base}/shared",
        data={
            "commune": "bourg-b",
            "allocation_id": allocation_id,
            "request_id": home.request_id,
            "answer": "refused",
        },
    )
    assert answer.status_code == 302
    with in_commune(host.commune):
        row = db.session.get(Allocation, allocation_id)
        with pytest.raises(ValidationFailed):
            decisions.propose_allocation(
                row, [*local_ids, home.request_id], "", user(host.facilitator)
            )
        decisions.propose_allocation(row, local_ids, "", user(host.facilitator))
    factory.login(client, host.circle_member)
    page = client.get(f"{host.base}/allocations/{allocation_id}")
    assert page.status_code == 200 and "Bourg A" in page.text and "refusé" in page.text
