"""Resources, users, levels and rules: the strictest level applies, rules are editable with
sensible defaults, and allocations are recomputed when a level, a yield or a need changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from convergence_water import services
from convergence_water.models import AllocationRun
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, ValidationFailed


def _runs(resource_id):
    return db.session.scalars(
        select(AllocationRun)
        .where(AllocationRun.resource_id == resource_id)
        .order_by(AllocationRun.id)
    ).all()


def test_no_allocation_at_the_normal_level_until_someone_asks(in_commune, water_town):
    with in_commune(water_town.commune):
        assert _runs(water_town.spring_id) == []
        run = services.compute_run(services.get_resource(water_town.spring_id))
        assert run.level == "normal" and run.status == "proposed"
        assert run.allocated == run.need_total  # 10 m³ are enough for 2.7 m³ of needs


def test_the_strictest_level_in_force_applies(in_commune, water_town, factory):
    town = water_town
    basin = factory.federation("bassin", communes=[town.commune], kind="basin")
    with in_commune(town.commune):
        spring = services.get_resource(town.spring_id)
        services.update_resource(spring, {"federation_id": basin.id})
        services.declare_level({"level": "vigilance"}, source="manual")  # whole commune
        assert services.level_in_force(spring) == "vigilance"
        services.declare_level({"level": "crise", "basin": basin.id}, source="import")
        assert services.level_in_force(spring) == "crise"
        borehole = services.get_resource(town.borehole_id)
        assert services.level_in_force(borehole) == "vigilance"  # not in the basin
        services.declare_level({"level": "alerte", "resource_id": spring.id}, source="manual")
        assert services.level_in_force(spring) == "crise"  # the basin's order is stricter
        ended = date.today() - timedelta(days=1)
        services.declare_level(
            {
                "level": "crise",
                "resource_id": borehole.id,
                "starts_on": (date.today() - timedelta(days=9)).isoformat(),
                "ends_on": ended.isoformat(),
            },
            source="manual",
        )
        assert services.level_in_force(borehole) == "vigilance"  # that one has ended


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"level": "sécheresse"}, "level"),
        ({"level": "alerte", "resource_id": 9999}, "resource_id"),
        ({"level": "alerte", "basin": 9999}, "basin"),
        ({"level": "alerte", "resource_id": 1, "basin": 1}, "resource_id"),
        ({"level": "alerte", "starts_on": "2026-08-10", "ends_on": "2026-08-01"}, "ends_on"),
        ({"level": "alerte", "starts_on": "hier"}, "starts_on"),
    ],
)
def test_bad_levels_are_refused_with_their_field(in_commune, water_town, data, field):
    from federation.errors import ServiceError

    with in_commune(water_town.commune), pytest.raises(ServiceError) as refused:
        services.declare_level(data, source="manual")
    assert refused.value.field == field


def test_a_level_change_recomputes_and_is_journaled(in_commune, water_town, app):
    from federation.journal.services import commune_chain, entries

    town = water_town
    with in_commune(town.commune):
        services.declare_level({"level": "alerte", "resource_id": town.spring_id}, source="manual")
        [run] = _runs(town.spring_id)
        assert run.level == "alerte" and run.trigger == "level"
        assert _runs(town.borehole_id) == []
        assert entries(commune_chain(town.commune.id), limit=1)[0].kind == "water.level"


def test_yield_and_need_changes_recompute_the_proposal(in_commune, water_town):
    town = water_town
    with in_commune(town.commune):
        services.declare_level({"level": "crise"}, source="manual")
        before = {r.resource_id: r.id for r in services.runs()}
        spring = services.get_resource(town.spring_id)
        services.update_resource(
            spring,
            {
                "yield_autumn_m3": "1,5",
                "yield_winter_m3": "1,5",
                "yield_spring_m3": "1,5",
                "yield_summer_m3": "1,5",
            },
        )
        [run] = _runs(town.spring_id)  # the previous proposal is replaced
        assert run.id != before[town.spring_id] and run.trigger == "yield"
        assert run.available == 1500 and run.allocated <= 1500
        services.update_water_user(
            services.get_water_user(town.users["dupuy"]), {"needs": {"drinking": 50}}
        )
        [run] = _runs(town.spring_id)
        assert run.trigger == "need"
        # a proposal that is in a vote is kept when things change
        run.status, run.proposal_id = "in_vote", None
        services.update_resource(spring, {"status": "dry"})
        runs = _runs(town.spring_id)
        assert [r.status for r in runs] == ["in_vote", "proposed"]
        assert runs[-1].available == 0 and runs[-1].available_source == "status"


def test_a_fresh_low_flow_lowers_the_available_volume(in_commune, water_town):
    town = water_town
    with in_commune(town.commune):
        spring = services.get_resource(town.spring_id)
        services.add_resource_reading(
            spring, measured_on=date.today().isoformat(), flow_m3="2,5", level_cm="40"
        )
        assert services.available_volume(spring) == (2500, "reading")
        with pytest.raises(Conflict):
            services.add_resource_reading(spring, measured_on=date.today().isoformat(), flow_m3="2")
        with pytest.raises(ValidationFailed) as refused:
            services.add_resource_reading(spring, measured_on="2026-01-01")
        assert refused.value.field == "flow_m3"
        with pytest.raises(ValidationFailed) as refused:
            services.add_resource_reading(
                spring, measured_on=(date.today() + timedelta(days=1)).isoformat(), flow_m3="1"
            )
        assert refused.value.field == "measured_on"


def test_rules_have_defaults_and_the_circle_edits_them(in_commune, water_town):
    town = water_town
    with in_commune(town.commune):
        table = services.effective_rules()
        assert table["normal"]["irrigation"].reduction_pct == 0
        assert table["crise"]["leisure"].forbidden
        services.declare_level({"level": "alerte"}, source="manual")
        services.set_rule("alerte", "irrigation", reduction_pct="80", hours="la nuit seulement")
        assert services.effective_rules()["alerte"]["irrigation"].reduction_pct == 80
        run = _runs(town.borehole_id)[-1]
        assert run.rules["irrigation"]["reduction_pct"] == 80  # recomputed with the new rule
        with pytest.raises(ValidationFailed) as refused:
            services.set_rule("alerte", "irrigation", reduction_pct="120")
        assert refused.value.field == "reduction_pct"
        with pytest.raises(ValidationFailed):
            services.set_rule("alerte", "swimming", reduction_pct="10")


def test_priority_and_vital_volume_are_the_circles_choice(in_commune, water_town):
    with in_commune(water_town.commune):
        services.set_policy(
            priority="leisure,irrigation,economic,livestock,drinking", vital_litres="80"
        )
        assert services.priority_order()[0] == "leisure"
        assert services.settings()["vital_litres"] == 80
        with pytest.raises(ValidationFailed) as refused:
            services.set_policy(priority="leisure,leisure")
        assert refused.value.field == "priority"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "castle", "name": "X", "resource_id": 1}, "kind"),
        ({"kind": "household", "name": "", "resource_id": 1}, "name"),
        ({"kind": "household", "name": "X", "resource_id": 999}, "resource_id"),
        ({"kind": "household", "name": "X", "resource_id": 1, "people": "-2"}, "people"),
        (
            {"kind": "household", "name": "X", "resource_id": 1, "needs": {"drinking": "beaucoup"}},
            "need_drinking",
        ),
        ({"kind": "household", "name": "X", "resource_id": 1, "meter_code": "M1"}, "meter_code"),
        (
            {"kind": "household", "name": "X", "resource_id": 1, "account_email": "no@where.org"},
            "account_email",
        ),
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(in_commune, water_town, data, field):
    from federation.errors import ServiceError

    with in_commune(water_town.commune):
        count = len(services.water_users())
        with pytest.raises(ServiceError) as refused:
            services.create_water_user(data)
        db.session.rollback()
        assert refused.value.field == field
        assert len(services.water_users()) == count


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "SRC", "name": "Doublon", "kind": "spring"}, "code"),
        ({"code": "a b", "name": "X", "kind": "spring"}, "code"),
        ({"code": "N", "name": "X", "kind": "lake"}, "kind"),
        ({"code": "N", "name": "X", "kind": "well", "yield_summer_m3": "-1"}, "yield_summer_m3"),
        (
            {"code": "N", "name": "X", "kind": "well", "yield_summer_m3": "1,2345"},
            "yield_summer_m3",
        ),
        ({"code": "N", "name": "X", "kind": "well", "federation_id": 999}, "federation_id"),
    ],
)
def test_bad_resources_are_refused(in_commune, water_town, data, field):
    from federation.errors import ServiceError

    with in_commune(water_town.commune), pytest.raises(ServiceError) as refused:
        services.create_resource(data)
    assert refused.value.field == field


def test_applying_supersedes_the_previous_allocation(in_commune, water_town):
    town = water_town
    with in_commune(town.commune):
        spring = services.get_resource(town.spring_id)
        first = services.compute_run(spring)
        services.apply_run(first)
        second = services.compute_run(spring, available_m3="2")
        services.apply_run(second)
        assert first.status == "superseded" and second.status == "applied"
        assert second.available_source == "override"
        with pytest.raises(Conflict):
            services.apply_run(first)
        lines = services.current_lines([town.users["martin"]])
        assert lines[town.users["martin"]][0].id == second.id


def test_apply_without_vote_when_the_commune_chooses_it(factory, in_commune, water_town):
    town = water_town
    with in_commune(town.commune):
        services.set_policy()
        from federation.plugins.services import update_settings

        update_settings(
            services.current_commune_row(),
            "water",
            {**services.settings(), "apply_without_vote": True},
        )
        services.declare_level({"level": "alerte"}, source="manual")
        assert {r.status for r in services.runs()} == {"applied"}


def test_a_proposal_is_recomputed_on_demand_and_frozen_for_the_vote(in_commune, water_town):
    from convergence_water import decisions

    from federation.governance.models import Proposal
    from federation.identity.models import User

    town = water_town
    with in_commune(town.commune):
        services.declare_level({"level": "crise", "resource_id": town.spring_id}, source="manual")
        [run] = _runs(town.spring_id)
        assert not run.lines_stored  # a proposal keeps its totals, its lines are computed
        live = {line.water_user_id: line.total for line in services.lines_of(run)}
        assert sum(live.values()) == run.allocated
        author = db.session.get(User, town.facilitator.user.id)
        proposal = decisions.propose({"allocation_id": run.id}, author)
        assert db.session.get(Proposal, proposal.id).extra["water"] == {"allocation_id": run.id}
        assert run.status == "in_vote" and run.lines_stored
        frozen = {line.water_user_id: line.total for line in services.lines_of(run)}
        assert frozen == live
        # needs change during the vote: a new proposal appears, the voted one does not move
        services.update_water_user(
            services.get_water_user(town.users["dupuy"]), {"needs": {"drinking": 900}}
        )
        assert {line.water_user_id: line.total for line in services.lines_of(run)} == frozen
        statuses = sorted(r.status for r in _runs(town.spring_id))
        assert statuses == ["in_vote", "proposed"]
