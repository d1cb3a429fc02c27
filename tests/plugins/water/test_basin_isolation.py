"""The cross-commune read attack on a basin allocation: another commune's water circle (who
may see its own households) reads nothing of a neighbour's households, through the commune
pages, the API, the basin pages or its own page; the basin sees counts per commune with
small counts hidden. Planted twins: the guards removed, the same checks fail."""

from __future__ import annotations

import pytest

from federation.db import db

from .basin_fixtures import SECRET_NAMES, make_basin, ratify_everywhere
from .test_basin import SUMMER, _propose


@pytest.fixture
def allocated(app, factory, in_commune):
    case = make_basin(factory, in_commune)
    run_id, proposal_id = _propose(app, case)
    ratify_everywhere(app, case, proposal_id)
    return case, run_id


def _amont_part(app, case):
    from convergence_water.models import AllocationRun
    from sqlalchemy import select

    from federation.tenancy.context import commune_scope

    with app.app_context(), commune_scope(case.towns["amont"].id):
        return db.session.scalar(
            select(AllocationRun.id).where(AllocationRun.basin_run_id.is_not(None))
        )


def _attack(app, client, factory, case, run_id) -> list[str]:
    """What the Milieu water circle reads of the other communes' households."""
    attacker = case.circle["milieu"]  # sees Milieu's households (water circle)
    factory.login(client, attacker)
    token = factory.token(attacker.user)
    part = _amont_part(app, case)
    urls = [
        f"/c/bv-amont/water/allocations/{part}",
        f"/c/bv-milieu/water/allocations/{part}",
        f"/api/v1/communes/bv-amont/water/allocations/{part}",
        f"/api/v1/communes/bv-milieu/water/allocations/{part}",
        "/f/bv-bassin/water/",
        f"/f/bv-bassin/water/runs/{run_id}",
        "/c/bv-milieu/water/me/basin",
        "/c/bv-milieu/water/users",
    ]
    leaks = []
    for url in urls:
        response = client.get(url, headers=token if "/api/" in url else {})
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        leaks += [f"{url}: {name}" for name in SECRET_NAMES[1:] if name in body]
    page = client.get(f"/f/bv-bassin/water/runs/{run_id}").get_data(as_text=True)
    if "moins de 5" not in page:  # every commune has fewer than 5 people but Milieu
        leaks.append("people counts under 5 shown on the basin page")
    return leaks


def test_a_neighbour_reads_no_household(app, client, factory, allocated):
    case, run_id = allocated
    assert _attack(app, client, factory, case, run_id) == []
    # the attacker's own households are visible to them (the check reads real pages)
    factory.login(client, case.circle["milieu"])
    assert "Foyer Secret-Milieu" in client.get("/c/bv-milieu/water/users").text


def test_planted_twin_personal_page_reads_across_communes(
    app, client, factory, allocated, monkeypatch
):
    """Twin 1: the personal page reads every line of the basin in the federation's scope
    instead of the person's own in their commune: the neighbours' households appear."""
    from convergence_water import basin
    from convergence_water.models import AllocationLine, AllocationRun, WaterUser
    from sqlalchemy import select

    from federation.tenancy.context import federation_scope

    def leaky(user_id):
        with federation_scope([t.id for t in case.towns.values()]):
            rows = db.session.execute(
                select(WaterUser, AllocationLine, AllocationRun)
                .join(AllocationLine, AllocationLine.water_user_id == WaterUser.id)
                .join(AllocationRun, AllocationRun.id == AllocationLine.run_id)
            ).all()
        return [basin.Mine(w, r, line, None, None, {}, {}) for w, line, r in rows]

    case, run_id = allocated
    monkeypatch.setattr(basin, "mine", leaky)
    with pytest.raises(AssertionError, match="Foyer Secret"):
        assert _attack(app, client, factory, case, run_id) == []


def test_planted_twin_small_counts_shown_fails(app, client, factory, allocated, monkeypatch):
    """Twin 2: small counts of people no longer suppressed on the basin page."""
    from convergence_water import basin

    case, run_id = allocated
    monkeypatch.setattr(basin, "SMALL_COUNT", 0)
    with pytest.raises(AssertionError, match="people counts"):
        assert _attack(app, client, factory, case, run_id) == []


def test_write_scope_refuses_a_neighbours_part(app, allocated):
    """A service in Milieu's scope cannot touch Amont's part (ORM scoping; RLS on PG)."""
    from convergence_water.models import AllocationRun

    from federation.tenancy.context import commune_scope

    case, _run_id = allocated
    part = _amont_part(app, case)
    with app.app_context(), commune_scope(case.towns["milieu"].id):
        assert db.session.get(AllocationRun, part) is None


def test_season_unchanged_nothing_recomputed(app, allocated):
    from convergence_water import basin

    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        assert basin.recompute_all(SUMMER) == []
