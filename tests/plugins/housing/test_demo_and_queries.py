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
        assert len(alloc.requests()) == 3
        decided = db.session.scalars(select(Allocation).where(Allocation.status == "decided")).all()
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


def _grow(town, in_commune, n: int) -> None:
    with in_commune(town.commune):
        actor = user(town.facilitator)
        for i in range(n):
            row = services.create_dwelling({"address": f"{i} chemin"}, actor)
            services.set_status(row, "first_contact", actor=actor)
            project = collective.create_project({"name": f"P{i}", "price": "100"}, actor)
            collective.pledge(project, user(town.members[0]), "gift", "10")
            alloc.create_request({"household": f"F{i}", "people": 2}, user(town.members[i % 3]))


def test_main_pages_constant_queries(app, factory, in_commune, count_queries):
    small = make_town(factory, in_commune, "petit-bourg", "Petit-Bourg")
    large = make_town(factory, in_commune, "grand-bourg", "Grand-Bourg")
    _grow(small, in_commune, 1)
    _grow(large, in_commune, 15)
    counts = {}
    for name, town in (("small", small), ("large", large)):
        client = app.test_client()
        factory.login(client, town.circle_member)
        for path in ("/", "/dwellings", "/projects", "/allocations", "/requests", "/rents"):
            with count_queries() as counter:
                assert client.get(f"{town.base}{path}").status_code == 200
            counts[(name, path)] = counter.count
    for path in ("/", "/dwellings", "/projects", "/allocations", "/requests", "/rents"):
        assert counts[("small", path)] == counts[("large", path)], (path, counts)
