"""The fast Method of Equal Shares (convergence_budget.mes): certified floating-point runs
give exactly the exact runs' projects, and the completion found by search is the one the
plain add1 loop (one exact run per raise) finds; a truncated search says so."""

from __future__ import annotations

import random

import pytest
from convergence_budget import mes, pabulib, rules

from tests.plugins.budget.conftest import pb_file

pytestmark = pytest.mark.nodb  # computation only: CI runs it in the SQLite pass


def random_election(seed: int) -> rules.Election:
    rng = random.Random(seed)
    projects = {f"p{i}": rng.choice([100, 150, 200, 250, 300, 450, 600]) for i in range(7)}
    ballots = []
    for _ in range(rng.randint(3, 12)):
        chosen = rng.sample(sorted(projects), rng.randint(1, 4))
        weights = {p: rng.choice([1, 1, 1, 2, 3]) for p in chosen}
        ballots.append((weights, rng.randint(1, 5)))
    return rules.Election(rng.choice([700, 1000, 1300]), projects, ballots)


@pytest.mark.parametrize("seed", range(40))
def test_float_runs_are_the_exact_runs(seed):
    election = random_election(seed)
    runs = mes.FastRuns(election)
    equal = election.budget / election.voters
    for factor in (1, rules.Q(3, 2), 2, 5):
        assert runs.selected(equal * factor) == rules.mes(election, equal * factor).selected


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("exhaustive", [True, False])
def test_the_scan_finds_what_the_plain_loop_finds(seed, exhaustive):
    election = random_election(seed)
    completion = mes.Completion(stop_when_exhaustive=exhaustive, method="scan")
    scanned = mes.complete(election, completion)
    plain = mes.linear_completion(election, completion)
    assert (scanned.per_voter, scanned.selected) == (plain.per_voter, plain.selected)
    assert not scanned.truncated


def test_the_search_is_exact_where_an_unverified_search_was_not():
    """Here the funded set changes and changes back within two raises: a search that
    judged a jump by its two ends (the previous default) missed the first exhaustive raise
    (45) that the plain loop stops at. Certified jumps find it."""
    election = random_election(19)
    plain = mes.linear_completion(election)
    searched = mes.complete(election)
    assert plain.per_voter == 45
    assert (searched.per_voter, searched.selected) == (plain.per_voter, plain.selected)


def test_a_percentage_step_is_spread_over_the_voters():
    election = random_election(3)
    completion = mes.Completion(percent=1, integral=False)
    assert completion.per_voter_step(election) == election.budget / 100 / election.voters
    searched = mes.complete(election, completion)
    plain = mes.linear_completion(election, completion)
    assert (searched.per_voter, searched.selected) == (plain.per_voter, plain.selected)


def test_a_truncated_search_is_reported_not_silent():
    """Planted: at most 3 MES runs. The outcome says it was truncated, and so do the
    stored JSON and the tally of a process."""
    name = "Poland_Swiecie_2023.pb"
    election = pabulib.parse(pb_file(name).read_bytes()).election()
    outcome = rules.mes_add1(election, max_runs=3)
    assert outcome.truncated and outcome.as_json()["truncated"] is True
    full = rules.mes_add1(election)
    assert not full.truncated and full.runs > 3


@pytest.mark.parametrize(
    "name",
    ["Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb", "Poland_Lodz_2023_Zdrowie-Mania.pb"],
)
def test_search_equals_the_plain_loop_on_real_files(name):
    election = pabulib.parse(pb_file(name).read_bytes()).election()
    for completion in (
        mes.Completion(),
        mes.Completion(stop_when_exhaustive=False),
        mes.Completion(percent=1, integral=False),
    ):
        searched = mes.complete(election, completion)
        plain = mes.linear_completion(election, completion)
        assert (searched.per_voter, searched.selected) == (plain.per_voter, plain.selected)
