"""Strict alternation under every input (property tests), the vote's order kept except where
parity forces a swap, and every swap explained."""

from __future__ import annotations

import pytest
from convergence_elections.ordering import (
    OrderingError,
    Ranked,
    flatten,
    is_alternating,
    parity_order,
)
from hypothesis import given, settings
from hypothesis import strategies as st

sexes = st.lists(st.sampled_from("FM"), min_size=1, max_size=40)


def ranked_of(pattern):
    return [Ranked(i + 100, s, i + 1) for i, s in enumerate(pattern)]


@settings(max_examples=400, deadline=None)
@given(pattern=sexes, data=st.data())
def test_alternation_and_vote_order_under_every_input(pattern, data):
    people = ranked_of(pattern)
    women, men = pattern.count("F"), pattern.count("M")
    possible = 2 * min(women, men) + (1 if women != men else 0)
    length = data.draw(st.integers(1, len(people) + 2))
    if length > possible:
        with pytest.raises(OrderingError):
            parity_order(people, length)
        return
    check(people, length, parity_order(people, length))


def check(people, length, result):
    """The properties every ordering must have (the planted twins below break them)."""
    by_id = {c.id: c for c in people}
    chosen = [by_id[i] for i in result.order]
    # strict alternation, the right length, nobody twice
    assert len(result.order) == length == len(set(result.order))
    assert is_alternating([c.sex for c in chosen])
    # within each sex, the vote's order is kept, and nobody better placed is left out
    for sex in "FM":
        ranks = [c.rank for c in chosen if c.sex == sex]
        assert ranks == sorted(ranks)
        same = sorted(c.rank for c in people if c.sex == sex)
        assert ranks == same[: len(ranks)]
    # each place: either the vote's best remaining, or a swap that says whom it passes
    steps = {s["position"]: s for s in result.steps if "position" in s}
    placed: set[int] = set()
    for position, person in enumerate(chosen, 1):
        best = min(c.rank for c in people if c.id not in placed)
        step = steps[position]
        if person.rank == best:
            assert step["kind"] == "follows_vote"
        else:
            assert step["kind"] == "parity_swap"
            passed = {c.id for c in people if c.id not in placed and c.rank < person.rank}
            assert set(step["passed"]) == passed
            assert all(by_id[i].sex != person.sex for i in passed)
        placed.add(person.id)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 20), head=st.sampled_from("FM"))
def test_an_alternating_vote_is_kept_as_it_is(n, head):
    other = "M" if head == "F" else "F"
    pattern = [head if i % 2 == 0 else other for i in range(n)]
    result = parity_order(ranked_of(pattern), n)
    assert result.order == [100 + i for i in range(n)]
    assert result.swaps == []


def test_the_swap_says_who_moves_and_why():
    # the vote: F1, F2, M3, F4, M5 → F1, M3 (passes F2), F2, M5 (passes F4), F4
    result = parity_order(ranked_of("FFMFM"), 5)
    assert result.order == [100, 102, 101, 104, 103]
    first, second = result.swaps
    assert first["position"] == 2 and first["candidate"] == 102 and first["passed"] == [101]
    assert first["sex"] == "M" and first["passed_ranks"] == [2]
    assert second["position"] == 4 and second["passed"] == [103]


def test_the_head_changes_sex_when_the_winners_sex_is_too_few():
    # 3 women, 5 men, 7 names: a woman heading needs 4 women; a man heads instead
    result = parity_order(ranked_of("FMMFMFMM"), 7)
    assert result.head_sex == "M"
    assert result.steps[0]["kind"] == "head_changed" and result.steps[0]["needed"] == 4


def test_too_few_of_one_sex_is_refused_with_the_numbers():
    with pytest.raises(OrderingError) as caught:
        parity_order(ranked_of("FFFFFM"), 5)
    assert caught.value.details["possible"] == 3


def test_ties_broken_by_registration_and_reported():
    order, ties = flatten([[7], [9, 3], [5]])
    assert order == [7, 3, 9, 5]
    assert ties == [{"kind": "tie", "candidates": [3, 9], "from_rank": 2}]


def _raw_vote_order(people, length):
    """Planted twin: the vote's order as it is, no parity."""
    from convergence_elections.ordering import Ordering

    steps = [
        {"kind": "follows_vote", "position": n, "candidate": c.id, "rank": c.rank}
        for n, c in enumerate(people[:length], 1)
    ]
    return Ordering([c.id for c in people[:length]], people[0].sex, steps)


def _unexplained_swaps(people, length):
    """Planted twin: the right order, but the swaps are not said."""
    result = parity_order(people, length)
    for step in result.steps:
        if step["kind"] == "parity_swap":
            step["kind"] = "follows_vote"
    return result


def _women_reordered(people, length):
    """Planted twin: alternation holds but the women's order is not the vote's."""
    result = parity_order(people, length)
    result.order[0], result.order[2] = result.order[2], result.order[0]
    return result


@pytest.mark.parametrize("twin", [_raw_vote_order, _unexplained_swaps, _women_reordered])
def test_planted_twins_are_caught(twin):
    people = ranked_of("FFMFMFM")
    check(people, 7, parity_order(people, 7))
    with pytest.raises(AssertionError):
        check(people, 7, twin(people, 7))
