"""The demo tells the issue's story (a report confirmed, an owner contacted, an allocation
voted with its explanation, a purchase at its target, supply and demand on the federation
page), and the main pages' query counts do not grow with the data."""

from __future__ import annotations

from convergence_housing import allocation as alloc
from convergence_housing import collective, owners, services
from convergence_housing.models import Allocation
from sqlalchemy import select

from federation.db import db

from .conftest import make_town, user


def _demo(town, in_commune) -> None:
    from convergence_housing.demo import load

    from federation.tenancy.models import Commune

    people = [town.facilitator, town.circle_member, *town.members]
    with in_commune(town.commune):
        users = {f"p{i}": user(ref) for i, ref in enumerate(people)}
        users["facilitator"] = user(town.facilitator)
        load(db.session.get(Commune, town.commune.id), users)


def test_demo_tells_the_story(app, factory, town, in_commune):
    _demo(town, in_commune)
    with in_commune(town.commune):
        reported = [d for d in services.dwellings() if d.source == "report"]
        assert reported and reported[0].confirmed
        campaign = owners.campaigns()[0]
        assert campaign.applied and any(letter.reply for letter, _o, _d in owners.letters(campaign))
        assert alloc.grid_in_force() is not None
        assert len(alloc.requests()) == 7
        decided = db.session.scalars(select(Allocation).where(Allocation.status == "decided")).all()
        assert len(alloc.available_dwellings()) == 0  # the second house is under examination
        assert len(decided) == 1 and decided[0].ranking[0]["lines"]
        project = collective.projects()[0]
        assert project.pledged >= project.target
        counts = services.status_counts()
        assert counts["awaiting_reply"] and counts["in_progress"] and counts["blocked"]
    federation = factory.federation(communes=[town.commune])
    client = app.test_client()
    page = client.get(f"/f/{federation.slug}/")
    assert page.status_code == 200
    assert "Logements vacants recensés" in page.get_data(as_text=True)
    assert "Demandes de logement ouvertes" in page.get_data(as_text=True)
    # supply and demand per commune, demand shown (six open requests: not a small count)
    rows = {
        row["key"]: row
        for row in client.get(f"/api/v1/federations/{federation.slug}/indicators").get_json()
    }
    slug = town.commune.slug
    assert rows["housing.vacant"]["per_commune"][slug] == 6
    assert rows["housing.requests"]["per_commune"][slug] == 6
    # an allocation is a public decision (journal): its count is not a count of people
    assert rows["housing.allocations"]["per_commune"][slug] == 1


def test_demo_shares_a_request_across_the_federation(app, factory, in_commune):
    """Two demo communes of one federation: the second ranks the first's shared request,
    leaves it out of its order (no consent yet), and the first sees the consent to give."""
    from convergence_housing import sharing

    first = make_town(factory, in_commune, "amont", "Amont")
    second = make_town(factory, in_commune, "aval", "Aval")
    factory.federation("riviere", [first.commune, second.commune])
    _demo(first, in_commune)
    _demo(second, in_commune)
    with in_commune(second.commune):
        shared = sharing.shared_requests()
        assert [r.commune_slug for r in shared] == ["amont"]
        examining, decided = alloc.allocations()  # the newest first
        assert examining.status == "examining" and decided.status == "decided"
        for examination in (examining, decided):
            assert shared[0].id in {e["request"] for e in examination.ranking}
        assert shared[0].id not in decided.proposed_order
    with in_commune(first.commune):
        [item] = sharing.consent_items()
        assert (item.host_slug, item.request_id, item.answer) == ("aval", shared[0].id, None)


def _grow(town, in_commune, n: int) -> None:
    with in_commune(town.commune):
        actor = user(town.facilitator)
        for i in range(n):
            row = services.create_dwelling({"address": f"{i} chemin"}, actor)
            services.set_status(row, "first_contact", actor=actor)
            project = collective.create_project({"name": f"P{i}", "price": "100"}, actor)
            collective.pledge(project, user(town.members[0]), "gift", "10")
            alloc.create_request({"household": f"F{i}", "people": 2}, user(town.members[i % 3]))


PAGES = ("/", "/dwellings", "/projects", "/allocations", "/requests", "/rents", "/shared")


def test_main_pages_constant_queries(app, factory, in_commune, count_queries):
    small = make_town(factory, in_commune, "petit-bourg", "Petit-Bourg")
    large = make_town(factory, in_commune, "grand-bourg", "Grand-Bourg")
    _grow(small, in_commune, 1)
    _grow(large, in_commune, 15)
    counts = {}
    for name, town in (("small", small), ("large", large)):
        client = app.test_client()
        factory.login(client, town.circle_member)
        for path in PAGES:
            with count_queries() as counter:
                assert client.get(f"{town.base}{path}").status_code == 200
            counts[(name, path)] = counter.count
    for path in PAGES:
        assert counts[("small", path)] == counts[("large", path)], (path, counts)
