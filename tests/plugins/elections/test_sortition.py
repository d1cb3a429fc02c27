"""Sortition: reproducible from the published seed, quotas exact, commitment checked."""

from __future__ import annotations

import pytest
from convergence_elections import sortition
from hypothesis import given, settings
from hypothesis import strategies as st

POOL = {str(i): ("F" if i % 3 else "M") + "|" + ("jeune" if i % 2 else "aine") for i in range(40)}


def publish(seed, pool, quotas):
    return {
        "commitment": sortition.commitment(seed),
        "pool_digest": sortition.pool_digest(pool),
        "pool": pool,
        "quotas": quotas,
        "seed": seed,
        "selected": sortition.draw(seed, pool, quotas),
    }


def test_reproducible_and_exact():
    quotas = sortition.proportional_quotas(POOL, 10)
    assert sum(quotas.values()) == 10
    seed = sortition.new_seed()
    first = sortition.draw(seed, POOL, quotas)
    assert first == sortition.draw(seed, dict(reversed(list(POOL.items()))), quotas)
    for key, refs in first.items():
        assert len(refs) == quotas[key]
        assert all(POOL[r] == key for r in refs)
    assert sortition.verify(publish(seed, POOL, quotas)) == []


@settings(max_examples=150, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=6),
    seats=st.integers(1, 30),
    seed=st.text(min_size=1, max_size=20),
)
def test_quotas_exact_under_every_pool(sizes, seats, seed):
    pool = {f"{k}-{i}": f"s{k}" for k, n in enumerate(sizes) for i in range(n)}
    seats = min(seats, len(pool))
    quotas = sortition.check_quotas(pool, sortition.proportional_quotas(pool, seats))
    assert sum(quotas.values()) == seats
    selected = sortition.draw(seed, pool, quotas)
    assert {k: len(v) for k, v in selected.items()} == quotas
    assert sortition.verify(publish(seed, pool, quotas)) == []


def test_known_vector():
    """The documented procedure by hand: sha256(seed:ref), lowest first."""
    import hashlib

    pool = {"1": "A", "2": "A", "3": "A"}
    tickets = sorted(pool, key=lambda r: hashlib.sha256(f"abc:{r}".encode()).hexdigest())
    assert sortition.draw("abc", pool, {"A": 2}) == {"A": tickets[:2]}


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda p: p.update(seed="another"), "commitment"),
        (lambda p: p["pool"].update({"99": "F|jeune"}), "pool"),
        (
            lambda p: (
                p["selected"][next(iter(p["selected"]))].reverse()
                or p["selected"].update({k: ["x"] for k in list(p["selected"])[:1]})
            ),
            "selection",
        ),
        (lambda p: p.update(commitment=sortition.commitment("chosen later")), "commitment"),
    ],
)
def test_planted_twins_tampered_draws_fail(tamper, problem):
    quotas = sortition.proportional_quotas(POOL, 8)
    published = publish("seed-1", dict(POOL), quotas)
    published = {
        **published,
        "pool": dict(published["pool"]),
        "selected": {k: list(v) for k, v in published["selected"].items()},
    }
    tamper(published)
    problems = sortition.verify(published)
    assert problems and any(problem in p for p in problems)


def test_impossible_quotas_refused():
    with pytest.raises(sortition.SortitionError):
        sortition.check_quotas({"1": "A"}, {"A": 2})
    with pytest.raises(sortition.SortitionError):
        sortition.check_quotas({"1": "A"}, {"A": 0})
    with pytest.raises(sortition.SortitionError):
        sortition.proportional_quotas({"1": "A"}, 2)
