"""The demo's story (a bike parade mandated by the assembly, its event, registrations,
waiting list, roster roles, check-ins and report; a federation-wide campaign with events in
several communes), the federation indicators in a constant number of queries, the commune
export/import and a person's own data (export, erasure)."""

from __future__ import annotations

import pytest
from convergence_actions import events, federated, services
from convergence_actions.models import Campaign, Event, Registration
from sqlalchemy import func, select

from federation.db import db
from federation.identity.models import User
from tests.plugins.actions.conftest import make_town, new_event, user


def _load(factory, in_commune, commune, refs) -> None:
    from convergence_actions.demo import load

    from federation.tenancy.models import Commune

    with in_commune(commune):
        users = {k: db.session.get(User, v.user.id) for k, v in refs.items()}
        load(db.session.get(Commune, commune.id), users)


@pytest.fixture
def demo(factory, in_commune):
    faux = factory.commune("faux-la-montagne", "Faux-la-Montagne")
    tarnac = factory.commune("tarnac", "Tarnac")
    factory.federation("plateau-millevaches", communes=[faux, tarnac])
    people = {}
    for commune in (faux, tarnac):
        factory.enable(commune, "actions")
        people[commune.slug] = {
            "facilitator": factory.member(commune, "facilitator"),
            "member": factory.member(commune),
            "other": factory.member(commune),
            "third": factory.member(commune),
        }
        _load(factory, in_commune, commune, people[commune.slug])
    return {"faux": faux, "tarnac": tarnac}


def test_demo_story(app, client, demo, in_commune):
    from federation.governance.models import Meeting
    from federation.journal.models import JournalEntry

    with in_commune(demo["faux"]):
        parade = db.session.scalar(
            select(Campaign).where(Campaign.title == "Vélorution du plateau")
        )
        assert parade.decision_id and parade.status == "reported"
        assert db.session.get(Meeting, parade.report_meeting_id).body.is_assembly
        event = db.session.scalar(select(Event).where(Event.campaign_id == parade.id))
        statuses = db.session.scalars(
            select(Registration.status).where(Registration.event_id == event.id)
        ).all()
        assert sorted(statuses) == ["cancelled", "confirmed", "confirmed", "confirmed", "waiting"]
        attended = db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event.id, Registration.attended_at.is_not(None)
            )
        )
        assert attended == 3
        assert events.shift_of(event) is not None
        figures = services.campaign_figures(parade)
        assert figures == {"events": 1, "people": 3, "hours": 9.0}
        kinds = set(db.session.scalars(select(JournalEntry.kind)))
        assert {"actions.campaign_launched", "actions.campaign_reported"} <= kinds
        shared = federated.federation_campaigns()
        assert [r.title for r in shared] == ["Tournons les panneaux"]
        overview = federated.overview(shared[0])
        shared_id, parade_id = shared[0].id, parade.id
    assert overview["per_commune_slug"] == {"faux-la-montagne": 4, "tarnac": 4}
    assert {e["commune_slug"] for e in overview["events"]} == {"faux-la-montagne", "tarnac"}
    assert client.get(f"/c/tarnac/actions/federation/{shared_id}").status_code == 302
    for url in (
        "/c/faux-la-montagne/actions/",
        "/c/faux-la-montagne/actions/places",
        "/c/faux-la-montagne/actions/projects",
        "/c/faux-la-montagne/",
    ):
        assert client.get(url).status_code == 200, url
    english = client.get(
        f"/c/faux-la-montagne/actions/campaigns/{parade_id}", headers={"Accept-Language": "en"}
    )
    assert "Report to the assembly" in english.text


def test_indicators_in_constant_queries(app, client, factory, in_commune, count_queries):
    small = make_town(factory, in_commune, "petite")
    big = make_town(factory, in_commune, "grande")
    federation = factory.federation("bassin", communes=[small.commune, big.commune])
    url = f"/api/v1/federations/{federation.slug}/indicators"

    def rows() -> dict:
        return {r["key"]: r for r in client.get(url).json if r["key"].startswith("actions.")}

    with count_queries() as counter:
        first = rows()
    before = counter.count
    for n in range(3):
        event_id = new_event(big, in_commune, days=-1 - n, title=f"A{n}")
        with in_commune(big.commune):
            event = events.get_event(event_id)
            for ref in big.members[:2]:
                row = events.register(event, user(ref), now=event.starts_at.replace(year=2000))
                events.check_in(event, row.code, user(big.facilitator), now=event.starts_at)
    with count_queries() as counter:
        after = rows()
    assert counter.count == before
    assert first["actions.held"]["total"] == 0
    assert after["actions.held"]["per_commune"] == {"petite": 0, "grande": 3}
    assert after["actions.hours"]["per_commune"]["grande"] == 18.0


def test_export_then_import_into_another_commune(factory, in_commune, town):
    from convergence_actions.transfer import export_commune, import_commune

    new_event(town, in_commune, capacity=5)
    with in_commune(town.commune):
        data = export_commune()
    assert data["campaigns"][0]["decision"] == "Une vélorution pour la piste cyclable"
    copy = factory.commune("copie")
    factory.enable(copy, "actions")
    with in_commune(copy):
        import_commune(data)
    with in_commune(copy):
        assert [c.title for c in services.campaigns()] == ["Vélorution"]
        assert [e.capacity for e in events.events()] == [5]
        assert export_commune()["events"] == data["events"]


def test_personal_data_export_and_erasure(factory, in_commune, town):
    from convergence_actions.transfer import erase_personal_data, personal_data

    event_id = new_event(town, in_commune)
    with in_commune(town.commune):
        person = user(town.members[0])
        events.register(events.get_event(event_id), person, public_name="Lou")
        services.support(services.get_campaign(town.campaign_id), person, public=True)
        services.pledge(
            services.get_campaign(town.campaign_id), {"kind": "money", "amount": "5"}, person
        )
    with in_commune(town.commune):
        mine = personal_data(user(town.members[0]))
        assert mine["registrations"][0]["public_name"] == "Lou"
        assert len(mine["supports"]) == 1 and mine["pledges"][0]["amount"] == "5.00"
        erase_personal_data(user(town.members[0]))
    with in_commune(town.commune):
        assert personal_data(user(town.members[0])) == {
            "supports": [],
            "pledges": [],
            "registrations": [],
            "bookings": [],
        }
        row = db.session.scalar(select(Registration))
        assert row.user_id is None and row.public_name == "" and row.status == "confirmed"
        assert services.pledges_summary(services.get_campaign(town.campaign_id))["money"] == 5


def test_models_and_migrations_agree(app):
    from federation.migrate import drift

    assert [d for d in drift(app) if "actions" in repr(d)] == []
