"""The allocation engine, alone: vital needs first, proportional shares within a category,
never above the rules of the level in force, never above the available volume — checked on
examples and on random users and volumes (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from convergence_water.allocation import Rule, allocate, apportion
from convergence_water.constants import CATEGORIES, DEFAULT_RULES, LEVELS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NO_RULES = {c: Rule() for c in CATEGORIES}


def rules_of(level: str) -> dict[str, Rule]:
    return {c: Rule(p, f, str(h)) for c, (p, f, h) in DEFAULT_RULES[level].items()}


def test_enough_water_serves_every_need_in_full():
    result = allocate(
        [2, 0], [[300, 0, 500, 0, 100], [0, 4000, 0, 0, 0]], 10_000, vital_litres=50, rules=NO_RULES
    )
    assert result.totals.tolist() == [900, 4000]
    assert result.vital.tolist() == [100, 0]
    assert result.unallocated == 10_000 - 4900


def test_vital_needs_come_before_everything_else():
    # 3 people × 50 L = 150 L vital; the farm's 10 m³ of livestock water waits.
    result = allocate(
        [3, 0], [[400, 0, 0, 0, 0], [0, 10_000, 0, 0, 0]], 1_000, vital_litres=50, rules=NO_RULES
    )
    assert result.vital.tolist() == [150, 0]
    # what is left (850 L) goes to the first category in priority: drinking beyond vital
    assert result.alloc[0, 0] == 250
    assert result.alloc[1, 1] == 600
    assert result.allocated == 1_000


def test_scarce_vital_water_is_shared_equally_per_person():
    result = allocate(
        [1, 3], [[200, 0, 0, 0, 0], [600, 0, 0, 0, 0]], 100, vital_litres=50, rules=NO_RULES
    )
    assert result.vital.tolist() == [25, 75]
    assert result.alloc.sum() == 0
    assert not result.tier("vital").full


def test_a_category_that_cannot_be_met_is_shared_in_proportion_and_later_ones_get_nothing():
    needs = [[0, 0, 3000, 0, 500], [0, 0, 1000, 0, 500]]
    result = allocate([0, 0], needs, 2000, vital_litres=50, rules=NO_RULES)
    assert result.alloc[:, 2].tolist() == [1500, 500]
    assert result.alloc[:, 4].tolist() == [0, 0]
    irrigation = result.tier("irrigation")
    assert irrigation.demand == 4000 and irrigation.served == 2000


def test_rules_of_the_level_reduce_or_forbid():
    needs = [[0, 1000, 1000, 1000, 1000]]
    crisis = allocate([0], needs, 10**9, vital_litres=50, rules=rules_of("crise"))
    # crise: livestock −20 %, irrigation forbidden, economic −50 %, leisure forbidden
    assert crisis.alloc[0].tolist() == [0, 800, 0, 500, 0]


def test_the_vital_volume_is_never_reduced_by_the_rules():
    result = allocate([4], [[800, 0, 0, 0, 0]], 10**9, vital_litres=50, rules=rules_of("crise"))
    assert result.vital[0] == 200  # 4 × 50, not reduced
    assert result.alloc[0, 0] == 600 * 70 // 100  # the rest: −30 % at crise


def test_priority_order_decides_who_waits():
    needs = [[0, 1000, 1000, 0, 0]]
    first = allocate(
        [0],
        needs,
        1000,
        vital_litres=50,
        rules=NO_RULES,
        priority=["irrigation", "livestock", "drinking", "economic", "leisure"],
    )
    assert first.alloc[0].tolist() == [0, 0, 1000, 0, 0]


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        allocate([1], [[-1, 0, 0, 0, 0]], 10, vital_litres=50, rules=NO_RULES)
    with pytest.raises(ValueError):
        allocate([1], [[1, 0, 0, 0, 0]], -1, vital_litres=50, rules=NO_RULES)
    with pytest.raises(ValueError):
        allocate(
            [1],
            [[1, 0, 0, 0, 0]],
            10,
            vital_litres=50,
            rules=NO_RULES,
            priority=["drinking", "drinking", "economic", "leisure", "livestock"],
        )
    with pytest.raises(ValueError):
        allocate([1, 2], [[1, 0, 0, 0, 0]], 10, vital_litres=50, rules=NO_RULES)


def test_no_users_at_all():
    result = allocate([], np.zeros((0, 5)), 1000, vital_litres=50, rules=NO_RULES)
    assert result.allocated == 0 and result.unallocated == 1000


def test_apportion_is_exact_and_within_one_litre():
    demands = np.array([1, 1, 1], dtype=np.int64)
    assert apportion(demands, 2).sum() == 2
    shares = apportion(np.array([7, 3, 5, 11], dtype=np.int64), 13)
    assert shares.sum() == 13 and (shares <= [7, 3, 5, 11]).all()
    huge = np.array([3 * 10**12, 10**12], dtype=np.int64)
    shares = apportion(huge, 2 * 10**12 + 1)
    assert shares.sum() == 2 * 10**12 + 1 and (shares <= huge).all()


# --- properties -----------------------------------------------------------------------------

users = st.integers(min_value=0, max_value=60)


@st.composite
def scenarios(draw):
    n = draw(users)
    people = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    needs = draw(
        st.lists(st.lists(st.integers(0, 20_000), min_size=5, max_size=5), min_size=n, max_size=n)
    )
    available = draw(st.integers(0, 200_000))
    vital = draw(st.integers(10, 200))
    level = draw(st.sampled_from(LEVELS))
    order = draw(st.permutations(CATEGORIES))
    return people, needs, available, vital, level, list(order)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_properties_hold_for_random_users_and_volumes(scenario):
    people, needs, available, vital_litres, level, order = scenario
    rules = rules_of(level)
    result = allocate(
        people, needs, available, vital_litres=vital_litres, rules=rules, priority=order
    )
    needs_a = np.asarray(needs, dtype=np.int64).reshape(-1, 5)
    people_a = np.asarray(people, dtype=np.int64)

    # the sum never exceeds the available volume, nothing is negative
    assert result.allocated <= available
    assert (result.vital >= 0).all() and (result.alloc >= 0).all()

    # vital needs are met first whenever the volume allows it
    vital_need = np.minimum(needs_a[:, 0], people_a * vital_litres) if len(people) else people_a
    if vital_need.sum() <= available:
        assert (result.vital == vital_need).all()
    else:
        assert result.vital.sum() == available and result.alloc.sum() == 0

    # no allocation exceeds the rules of the level in force (vital part exempt)
    for j, category in enumerate(CATEGORIES):
        rest = needs_a[:, j] - (vital_need if j == 0 else 0)
        cap = rules[category].cap(rest)
        assert (result.alloc[:, j] <= cap).all(), category
        if rules[category].forbidden:
            assert (result.alloc[:, j] == 0).all()

    # proportional within a category that cannot be met: within one litre of the exact share
    for tier in result.tiers[1:]:
        j = CATEGORIES.index(tier.category)
        caps = result.caps[:, j]
        if 0 < tier.served < tier.demand:
            exact = caps * tier.served / tier.demand
            assert (np.abs(result.alloc[:, j] - exact) < 1).all()

    # categories after the first one not fully served get nothing
    short = False
    for tier in result.tiers:
        if short:
            assert tier.served == 0
        if not tier.full:
            short = True


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=40),
    st.integers(0, 10**7),
)
def test_apportion_properties(demands, volume):
    demands_a = np.asarray(demands, dtype=np.int64)
    shares = apportion(demands_a, volume)
    assert shares.sum() == min(volume, demands_a.sum())
    assert (shares >= 0).all() and (shares <= demands_a).all()
    total = demands_a.sum()
    if total > volume and total:
        assert (np.abs(shares - demands_a * volume / total) < 1).all()
