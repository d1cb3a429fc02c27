"""The demo's Nedde (450 inhabitants): axes adopted, a list of 9 to 13 names with strict
alternation from the members' vote, exported for filing, a jury anyone can re-check, and
"in office", where the platform then offers the municipal budget."""

from __future__ import annotations

import itertools

from convergence_elections import draws, filing, services, sortition
from convergence_elections.demo import load

from federation.db import db


def test_the_demo_goes_from_core_group_to_town_hall(app, factory, in_commune):
    from federation.governance import stages
    from federation.tenancy.models import Commune

    ref = factory.commune("nedde", "Nedde", population=450)
    factory.enable(ref, "elections")
    factory.enable(ref, "budget")
    with in_commune(ref):
        load(db.session.get(Commune, ref.id), {})
    with in_commune(ref):
        commune = db.session.get(Commune, ref.id)
        assert [a.status for a in services.axes()] == ["adopted"] * 3
        (row,) = services.lists()
        assert row.status == "adopted" and row.seats == 11 and 9 <= len(row.order) <= 13
        sexes = [c.sex for c in services.ordered(row)]
        assert all(a != b for a, b in itertools.pairwise(sexes))
        assert any(s["kind"] == "parity_swap" for s in row.steps)
        coordinator = next(iter(services.coordinator_ids(row)))
        from federation.identity.models import User

        lines = filing.details(row, db.session.get(User, coordinator))
        assert all(line["complete"] for line in lines) and len(lines) == len(row.order)
        (jury,) = draws.draws()
        assert sortition.verify(draws.published(jury)) == []
        assert stages.current(commune.id) == "in_office"
        endpoints = [o.endpoint for o in stages.offers(commune)]
        assert "budget.index" in endpoints
        before = [o.endpoint for o in stages.offers(commune, "campaign")]
        assert "budget.index" not in before and "web.join_commune" in before
        assert "governance.body_list" in endpoints and "web.join_commune" not in endpoints
        load(commune, {})  # loading again changes nothing
        assert len(services.lists()) == 1
