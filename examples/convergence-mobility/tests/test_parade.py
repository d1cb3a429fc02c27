"""The bike parade: a roster shift tied to a route, linked back from the roster."""

from datetime import UTC, datetime

from federation.db import db


def test_a_parade_is_a_roster_shift_linked_to_its_route(client, in_commune, town):
    from convergence_mobility import services
    from federation.plugins.services import commune_hooks
    from federation.tenancy.models import Commune

    with in_commune(town):
        route = services.add_item({"title": "Quai de Loire"}, author_id=None)
        shift = services.plan_parade(route, datetime(2027, 5, 1, 10, tzinfo=UTC))
        db.session.commit()
        assert [r.needed for r in shift.roles] == [4, 1]
        hooks = commune_hooks(town.id)
        link = hooks.federation_roster_source_link(
            commune=db.session.get(Commune, town.id),
            source_kind=shift.source_kind,
            source_ref=shift.source_ref,
        )
    assert link == ("Quai de Loire", f"/c/{town.slug}/mobility/")
    assert "Vélorution : Quai de Loire" in client.get(f"/c/{town.slug}/roster/").text
