"""Across communes: a federation campaign hosted locally by each commune's circle, one page
and one list of local events, registrations counted per commune; a commune that did not opt
in (or is outside the federation) neither reads nor writes the campaign."""

from __future__ import annotations

import pytest
from convergence_actions import events, federated, services

from federation.db import db
from federation.errors import NotFound
from federation.tenancy.scoping import CrossCommuneWrite
from tests.plugins.actions.conftest import adopted_decision, make_town, new_event, user


@pytest.fixture
def plateau(factory, in_commune):
    one = make_town(factory, in_commune, "une")
    two = make_town(factory, in_commune, "deux")
    outside = make_town(factory, in_commune, "dehors")
    federation = factory.federation("plateau", communes=[one.commune, two.commune])
    with in_commune(one.commune):
        federated.join(federation.id, user(one.facilitator))
    with in_commune(one.commune):
        row = federated.create_federation_campaign(
            {"federation_id": federation.id, "title": "Tournons les panneaux", "goal": "G"},
            user(one.facilitator),
        )
        shared_id = row.id
    with in_commune(two.commune):
        federated.join(federation.id, user(two.facilitator))
    for town, n in ((one, 2), (two, 3)):
        with in_commune(town.commune):
            decision_id = adopted_decision(
                "Panneaux", [town.facilitator, *town.members[:2]], town.facilitator
            ).id
        with in_commune(town.commune):
            local = services.launch_campaign(
                {
                    "decision_id": decision_id,
                    "body_id": town.circle_id,
                    "title": f"Panneaux à {town.commune.name}",
                    "goal": "Retourner les panneaux",
                    "federation_campaign_id": shared_id,
                },
                user(town.facilitator),
            )
            town.campaign_id = local.id
        event_id = new_event(town, in_commune, title=f"Panneaux {town.commune.slug}")
        with in_commune(town.commune):
            for ref in town.members[:n]:
                events.register(events.get_event(event_id), user(ref))
    # a private event of the campaign is counted, never listed
    hidden = new_event(two, in_commune, title="Action discrète", private_list=True)
    with in_commune(two.commune):
        events.register(events.get_event(hidden), user(two.members[3]))
    return {"one": one, "two": two, "outside": outside, "fed": federation, "id": shared_id}


def test_one_list_of_local_events_and_registrations_per_commune(
    client, in_commune, plateau, count_queries
):
    one, two = plateau["one"], plateau["two"]
    with in_commune(two.commune):
        overview = federated.overview(federated.get_federation_campaign(plateau["id"]))
    assert [e["title"] for e in overview["events"]] == ["Panneaux une", "Panneaux deux"]
    assert overview["per_commune_slug"] == {"une": 2, "deux": 4}
    assert overview["total"] == 6
    # the page is the federation's: the commune's address leads there
    moved = client.get(f"{one.base}/federation/{plateau['id']}")
    fpage = f"/f/plateau/actions/campaigns/{plateau['id']}"
    assert moved.status_code == 302 and moved.headers["Location"].endswith(fpage)
    page = client.get(fpage)
    assert page.status_code == 200
    assert "Panneaux deux" in page.text and "/c/deux/actions/events/" in page.text
    assert "Panneaux à Une" in page.text and "Panneaux à Deux" in page.text  # the hosts
    assert "Action discrète" not in page.text
    api = client.get(f"{two.api}/federation-campaigns/{plateau['id']}").json
    assert api["per_commune"] == {"une": 2, "deux": 4}
    with count_queries() as counter:
        client.get(fpage)
    assert counter.count <= 30, counter.count


def test_hook_federation_federation_navigation_items(client, plateau):
    """The federation home links to the plugin's federation page, which lists the campaign."""
    home = client.get("/f/plateau/")
    assert 'href="/f/plateau/actions/"' in home.text
    listing = client.get("/f/plateau/actions/")
    assert listing.status_code == 200
    assert f"/f/plateau/actions/campaigns/{plateau['id']}" in listing.text


def test_hook_federation_federation_blueprints(client, plateau, factory, app):
    """Mounted under /f/<federation>/actions/; 404 for a federation where the plugin is on
    in no member commune, and for another federation's campaign (planted twin: without the
    guard the page answers)."""
    import federation.requests as requests_module

    lone = factory.commune("sans-actions")
    factory.federation("vide", communes=[lone])
    assert "actions_federation" in app.extensions["convergence"].plugin_federation_blueprints
    assert client.get("/f/vide/actions/").status_code == 404
    assert 'href="/f/vide/actions/"' not in client.get("/f/vide/").text
    assert client.get(f"/f/vide/actions/campaigns/{plateau['id']}").status_code == 404
    saved = requests_module.plugin_on_in_federation
    try:
        requests_module.plugin_on_in_federation = lambda plugin: True
        assert client.get("/f/vide/actions/").status_code == 200  # the guard was the 404
    finally:
        requests_module.plugin_on_in_federation = saved


def test_a_commune_outside_or_not_opted_in_reaches_nothing(client, in_commune, plateau, factory):
    outside = plateau["outside"]
    assert client.get(f"{outside.base}/federation/{plateau['id']}").status_code == 404
    with in_commune(outside.commune):
        with pytest.raises(NotFound):
            federated.get_federation_campaign(plateau["id"])
        with pytest.raises(NotFound):
            services.launch_campaign(
                {
                    "decision_id": outside.decision_id,
                    "body_id": outside.circle_id,
                    "title": "X",
                    "goal": "Y",
                    "federation_campaign_id": plateau["id"],
                },
                user(outside.facilitator),
            )
        db.session.rollback()
        # even writing the row directly is refused by the federation rule
        from convergence_actions.models import FederationCampaign

        db.session.add(FederationCampaign(federation_id=plateau["fed"].id, title="Intrus"))
        with pytest.raises(CrossCommuneWrite):
            db.session.flush()
        db.session.rollback()
