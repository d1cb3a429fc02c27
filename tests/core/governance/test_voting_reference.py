"""Voting methods against independent references.

* ``pref_voting`` (a test-only dependency, imported inside each test with ``importorskip``):
  Schulze winners and pairwise margins, approval, score and dot (sum) winners, majority
  judgment winners where its gauge-based tie-break is decisive, and STV (weighted inclusive
  Gregory, Droop quota) winners where no tie had to be broken;
* small brute-force implementations written here from the textbook definitions: majority
  judgment by literally removing median grades from sorted lists, Schulze with tuple-valued
  link strengths, and STV with one Fraction weight per ballot.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.governance.voting import Option, TallyResult, method_by_name

# CONVERGENCE_VOTING_EXAMPLES=2000 runs a deeper search than the suite's quick default.
SCALE = max(1, int(os.environ.get("CONVERGENCE_VOTING_EXAMPLES", "60")))
FAST = settings(deadline=None, max_examples=SCALE, suppress_health_check=[HealthCheck.too_slow])
DEEP = settings(
    deadline=None, max_examples=SCALE * 5 // 2, suppress_health_check=[HealthCheck.too_slow]
)


def pref_voting():
    return pytest.importorskip("pref_voting")


def tally(name: str, raw_ballots: list, options: list[Option], config=None) -> TallyResult:
    """Validate, group by canonical JSON text (as the DB does), tally."""
    method = method_by_name(name)
    config = method.validate_settings(config or {}, options)
    groups: dict[str, int] = {}
    for raw in raw_ballots:
        text = json.dumps(
            method.validate_ballot(raw, options, config), sort_keys=True, separators=(",", ":")
        )
        groups[text] = groups.get(text, 0) + 1
    pairs = [(json.loads(text), count) for text, count in groups.items()]
    return method.tally(pairs, options, config)


@st.composite
def candidates(draw, low: int = 3, high: int = 6) -> list[Option]:
    count = draw(st.integers(low, high))
    first = draw(st.integers(1, 50))
    return [Option(first + 7 * k, f"option {k}") for k in range(count)]


@st.composite
def weak_orders(draw, options: list[Option], max_voters: int = 40) -> list[list[list[int]]]:
    """Complete weak orders (groups best first) as canonical Schulze rankings."""
    ids = [o.id for o in options]
    level = st.integers(0, len(ids) - 1)
    voters = draw(
        st.lists(
            st.lists(level, min_size=len(ids), max_size=len(ids)), min_size=1, max_size=max_voters
        )
    )
    return [
        [
            sorted(c for c, lv in zip(ids, levels, strict=True) if lv == chosen)
            for chosen in sorted(set(levels))
        ]
        for levels in voters
    ]


# -- Schulze ---------------------------------------------------------------------------------------


def naive_schulze(profile: list[list[list[int]]], ids: list[int]):
    """Textbook Schulze (winning votes, ties on support broken by smaller opposition)."""
    rank = [{c: g for g, group in enumerate(groups) for c in group} for groups in profile]
    d = {(a, b): sum(1 for r in rank if r[a] < r[b]) for a in ids for b in ids if a != b}
    none = (-1, 0)
    p = {
        (a, b): (d[a, b], -d[b, a]) if d[a, b] > d[b, a] else none
        for a in ids
        for b in ids
        if a != b
    }
    for k in ids:
        for i in ids:
            for j in ids:
                if len({i, j, k}) == 3:
                    p[i, j] = max(p[i, j], min(p[i, k], p[k, j]))
    remaining, layers = list(ids), []
    while remaining:
        layer = [j for j in remaining if not any(p[i, j] > p[j, i] for i in remaining if i != j)]
        layers.append(sorted(layer))
        remaining = [c for c in remaining if c not in layer]
    return d, layers


@FAST
@given(st.data())
def test_schulze_matches_pref_voting_on_weak_orders(data):
    pref_voting()
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles_with_ties import ProfileWithTies

    options = data.draw(candidates())
    ids = [o.id for o in options]
    profile = data.draw(weak_orders(options))
    result = tally("schulze", [{"ranking": groups} for groups in profile], options)

    reference = ProfileWithTies(
        [{c: g for g, group in enumerate(groups) for c in group} for groups in profile],
        candidates=ids,
    )
    n = len(profile)
    pairwise = result.details["pairwise"]
    for a in ids:
        for b in ids:
            if a != b:
                assert pairwise[str(a)][str(b)] == reference.support(a, b)
                assert pairwise[str(a)][str(b)] - pairwise[str(b)][str(a)] == reference.margin(a, b)

    def winning_votes(a, b):  # support first, then the smaller opposition
        return reference.support(a, b) * (n + 1) + (n - reference.support(b, a))

    assert result.winners == beat_path(reference, strength_function=winning_votes)
    d, layers = naive_schulze(profile, ids)
    assert result.ranking == layers


@FAST
@given(st.data())
def test_schulze_matches_pref_voting_on_linear_orders(data):
    pref_voting()
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile

    options = data.draw(candidates())
    ids = [o.id for o in options]
    rankings = data.draw(st.lists(st.permutations(ids), min_size=1, max_size=40))
    result = tally("schulze", [{"ranking": list(r)} for r in rankings], options)
    # pref_voting's Profile numbers candidates 0..n-1.
    index = {c: k for k, c in enumerate(ids)}
    reference = Profile([[index[c] for c in r] for r in rankings])
    # With complete strict ballots winning votes and margins agree.
    assert result.winners == [ids[k] for k in beat_path(reference)]
    pairwise = result.details["pairwise"]
    for a in ids:
        for b in ids:
            if a != b:
                margin = pairwise[str(a)][str(b)] - pairwise[str(b)][str(a)]
                assert margin == reference.margin(index[a], index[b])


# -- cardinal methods ------------------------------------------------------------------------------


@FAST
@given(st.data())
def test_approval_matches_pref_voting(data):
    pref_voting()
    from pref_voting.grade_methods import approval
    from pref_voting.grade_profiles import GradeProfile

    options = data.draw(candidates(2, 6))
    ids = [o.id for o in options]
    ballots = data.draw(st.lists(st.sets(st.sampled_from(ids)), min_size=1, max_size=40))
    result = tally("approval", [{"approve": sorted(b)} for b in ballots], options)
    reference = GradeProfile([dict.fromkeys(b, 1) for b in ballots], [0, 1], candidates=ids)
    assert result.winners == approval(reference)
    assert result.scores == {c: float(sum(c in b for b in ballots)) for c in ids}


@FAST
@given(st.data())
def test_score_matches_pref_voting(data):
    pref_voting()
    from pref_voting.grade_methods import score_voting
    from pref_voting.grade_profiles import GradeProfile

    options = data.draw(candidates(2, 6))
    ids = [o.id for o in options]
    top = data.draw(st.integers(1, 10))
    grade = st.integers(0, top)
    ballots = data.draw(
        st.lists(st.fixed_dictionaries(dict.fromkeys(ids, grade)), min_size=1, max_size=40)
    )
    result = tally("score", [{"scores": b} for b in ballots], options, {"max_score": top})
    reference = GradeProfile(ballots, list(range(top + 1)), candidates=ids)
    assert result.winners == score_voting(reference, evaluation_method="sum")
    for c in ids:
        assert result.scores[c] == pytest.approx(reference.avg(c))


@FAST
@given(st.data())
def test_dot_matches_pref_voting_sum(data):
    pref_voting()
    from pref_voting.grade_methods import score_voting
    from pref_voting.grade_profiles import GradeProfile

    options = data.draw(candidates(2, 6))
    ids = [o.id for o in options]
    budget = data.draw(st.integers(1, 12))
    ballots = []
    for _ in range(data.draw(st.integers(1, 40))):
        left, ballot = budget, {}
        for c in ids:
            spent = data.draw(st.integers(0, left))
            ballot[c], left = spent, left - spent
        ballots.append(ballot)
    result = tally("dot", [{"points": b} for b in ballots], options, {"budget": budget})
    reference = GradeProfile(ballots, list(range(budget + 1)), candidates=ids)
    assert result.winners == score_voting(reference, evaluation_method="sum")


# -- majority judgment -----------------------------------------------------------------------------


def majority_value(grades: list[int]) -> list[int]:
    """Balinski & Laraki: the lower medians met while removing one median at a time."""
    remaining, sequence = sorted(grades), []
    while remaining:
        sequence.append(remaining.pop((len(remaining) - 1) // 2))
    return sequence


def naive_majority_judgment(ballots: list[dict[int, int]], ids: list[int]) -> list[list[int]]:
    values = {c: majority_value([b[c] for b in ballots]) for c in ids}
    order = sorted(ids, key=lambda c: values[c], reverse=True)
    ranking: list[list[int]] = []
    for c in order:
        if ranking and values[ranking[-1][0]] == values[c]:
            ranking[-1].append(c)
        else:
            ranking.append([c])
    return [sorted(group) for group in ranking]


@DEEP
@given(st.data())
def test_majority_judgment_matches_brute_force(data):
    options = data.draw(candidates(2, 6))
    ids = [o.id for o in options]
    levels = data.draw(st.integers(2, 7))
    # Few grade levels and near-identical options make deep tie-breaks frequent.
    grade = st.integers(0, levels - 1)
    ballots = data.draw(
        st.lists(st.fixed_dictionaries(dict.fromkeys(ids, grade)), min_size=1, max_size=40)
    )
    result = tally(
        "majority_judgment", [{"grades": b} for b in ballots], options, {"grades": levels}
    )
    assert result.ranking == naive_majority_judgment(ballots, ids)
    for c in ids:
        assert result.details["medians"][str(c)] == majority_value([b[c] for b in ballots])[0]


@FAST
@given(st.data())
def test_majority_judgment_matches_pref_voting_where_its_gauge_decides(data):
    pref_voting()
    from pref_voting.grade_methods import majority_judgement, score_voting
    from pref_voting.grade_profiles import GradeProfile

    options = data.draw(candidates(2, 6))
    ids = [o.id for o in options]
    grade = st.integers(0, 5)
    ballots = data.draw(
        st.lists(st.fixed_dictionaries(dict.fromkeys(ids, grade)), min_size=1, max_size=40)
    )
    result = tally("majority_judgment", [{"grades": b} for b in ballots], options)
    reference = GradeProfile(ballots, list(range(6)), candidates=ids)
    best_median = score_voting(reference, evaluation_method="median")
    assert set(result.winners) <= set(best_median)
    # pref_voting breaks median ties with the majority gauge (share above vs below the
    # median); when that gauge is decisive and never balanced it agrees with the official
    # rule, which refines it.
    gauges = {
        c: (
            reference.proportion_with_higher_grade(c, reference.median(c)),
            reference.proportion_with_lower_grade(c, reference.median(c)),
        )
        for c in best_median
    }
    reference_winners = majority_judgement(reference)
    if len(reference_winners) == 1 and all(above != below for above, below in gauges.values()):
        assert result.winners == reference_winners


# -- STV -------------------------------------------------------------------------------------------


def naive_stv(ballots: list[list[int]], ids: list[int], seats: int) -> list[int]:
    """Per-ballot Fraction STV with the documented quota, transfer and tie rules."""
    quota = len(ballots) // (seats + 1) + 1
    papers = [[ranking, 0, Fraction(1)] for ranking in ballots]  # ranking, position, value
    continuing, elected, history = set(ids), [], []

    def holder(paper):
        ranking, position, _ = paper
        return ranking[position] if position < len(ranking) else None

    def move_on(paper):
        paper[1] += 1
        while holder(paper) is not None and holder(paper) not in continuing:
            paper[1] += 1

    def strength(c):  # weaker sorts first: current total, then latest earlier rounds, then id
        return (history[-1][c], *(past[c] for past in reversed(history[:-1])), c)

    while len(elected) < seats:
        totals = dict.fromkeys(continuing, Fraction(0))
        for paper in papers:
            if holder(paper) in continuing:
                totals[holder(paper)] += paper[2]
        history.append(totals)
        room = seats - len(elected)
        reached = [c for c in continuing if totals[c] >= quota]
        if reached:
            chosen = sorted(reached, key=strength, reverse=True)[:room]
            continuing -= set(chosen)
            elected += chosen
            if len(elected) >= seats:
                break
            for c in chosen:
                surplus = totals[c] - quota
                if surplus > 0:
                    for paper in papers:
                        if holder(paper) == c:
                            paper[2] *= surplus / totals[c]
                            move_on(paper)
            continue
        if len(continuing) <= room:
            elected += sorted(continuing, key=strength, reverse=True)
            break
        loser = min(continuing, key=strength)
        continuing.discard(loser)
        for paper in papers:
            if holder(paper) == loser:
                move_on(paper)
    return elected


@st.composite
def stv_profiles(draw, options: list[Option]):
    ids = [o.id for o in options]
    orders = draw(st.lists(st.permutations(ids), min_size=1, max_size=40))
    cuts = draw(st.lists(st.integers(1, len(ids)), min_size=len(orders), max_size=len(orders)))
    return [list(order[:cut]) for order, cut in zip(orders, cuts, strict=True)]


@DEEP
@given(st.data())
def test_stv_matches_per_ballot_fraction_count(data):
    options = data.draw(candidates(2, 6))
    ids = [o.id for o in options]
    seats = data.draw(st.integers(1, len(ids) - 1))
    ballots = data.draw(stv_profiles(options))
    result = tally("stv", [{"ranking": b} for b in ballots], options, {"seats": seats})
    assert result.winners == naive_stv(ballots, ids, seats)
    assert len(result.winners) == seats
    assert sorted(c for group in result.ranking for c in group) == sorted(ids)


@FAST
@given(st.data())
def test_stv_matches_pref_voting_wig_when_no_tie_is_broken(data):
    pref_voting()
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_wig

    options = data.draw(candidates(3, 6))
    ids = [o.id for o in options]
    seats = data.draw(st.integers(1, len(ids) - 1))
    ballots = data.draw(stv_profiles(options))
    result = tally("stv", [{"ranking": b} for b in ballots], options, {"seats": seats})
    if result.details["tie_breaks"]:
        return  # pref_voting breaks ties its own way (and in floating point)
    reference = ProfileWithTies([{c: r for r, c in enumerate(b)} for b in ballots], candidates=ids)
    expected = stv_wig(reference, num_seats=seats, quota_rule="droop")
    assert sorted(result.winners) == sorted(expected)
