"""Property tests (hypothesis) of the fast Method of Equal Shares with add1 completion: on
random elections, the certified search finds exactly what the plain loop finds (one exact
MES run per raise), and both equal pabutools' ``exhaustion_by_budget_increase`` then greedy.

The elections are small and drawn so that the hard cases are frequent: equal costs and
identical ballots (exact ties, decided by the tie-breaking), prices that cross as the shares
rise, weights other than 1, budgets that leave projects just affordable."""

from __future__ import annotations

import pytest
from convergence_budget import mes, rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.plugins.budget.pabutools_reference import mes_add1_then_greedy

pytestmark = pytest.mark.nodb  # computation only: CI runs it in the SQLite pass

COSTS = st.sampled_from([50, 100, 100, 150, 200, 250, 300, 450, 600, 999])


@st.composite
def elections(draw, weighted: bool = True) -> rules.Election:
    count = draw(st.integers(1, 7))
    projects = {f"p{i}": draw(COSTS) for i in range(count)}
    names = sorted(projects)
    ballots = []
    for _ in range(draw(st.integers(1, 12))):
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        weight = st.sampled_from([1, 1, 1, 2, 3]) if weighted else st.just(1)
        ballots.append(({p: draw(weight) for p in chosen}, draw(st.integers(1, 5))))
    budget = draw(st.sampled_from([300, 700, 1000, 1300, 2000]))
    return rules.Election(budget, projects, ballots, voters=draw(st.integers(0, 3)))


completions = st.builds(
    mes.Completion,
    integral=st.booleans(),
    stop_when_exhaustive=st.booleans(),
    percent=st.sampled_from([None, None, 1, 5]),
    step=st.sampled_from([1, 1, 3]),
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(elections(), completions)
def test_the_search_finds_exactly_what_the_plain_loop_finds(election, completion):
    plain = mes.linear_completion(election, completion)
    for method in ("search", "scan"):
        found = mes.complete(election, mes.Completion(**{**vars(completion), "method": method}))
        assert (found.per_voter, found.selected) == (plain.per_voter, plain.selected), method
        assert not found.truncated


@SETTINGS
@given(elections(), st.sampled_from([1, rules.Q(3, 2), 2, 7]))
def test_a_certified_run_is_the_exact_run(election, factor):
    runs = mes.FastRuns(election)
    share = election.budget / election.voters * factor
    assert runs.selected(share) == rules.mes(election, share).selected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(weighted=False), st.booleans())
def test_completion_then_greedy_equals_pabutools(election, exhaustive_stop):
    pytest.importorskip("pabutools", reason="pabutools is the test reference")
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.tiebreaking import TieBreakingRule

    items = {p: Project(p, int(cost)) for p, cost in election.costs.items()}
    instance = Instance(items.values(), budget_limit=int(election.budget))
    profile = ApprovalProfile(instance=instance)
    for key, count in election.groups:
        for _ in range(count):
            profile.append(ApprovalBallot(items[p] for p, _weight in key))
    for _ in range(election.voters - profile.num_ballots()):
        profile.append(ApprovalBallot())
    tie = TieBreakingRule(lambda inst, prof, proj: election.tie_key(proj.name))
    theirs = mes_add1_then_greedy(
        instance, profile, Cost_Sat, tie, election.voters, exhaustive_stop
    )
    ours = rules.mes_add1(election, integral=False, stop_when_exhaustive=exhaustive_stop)
    reference = [p.name for p in theirs if election.supporters[p.name]]
    if set(ours.selected) == {p for p in election.costs if election.supporters[p]}:
        # everything supported is funded: we stop raising there (nothing more can be
        # funded), pabutools goes on to its bound, where MES may buy them in another order
        assert sorted(ours.selected) == sorted(reference)
    else:
        assert ours.selected == reference
