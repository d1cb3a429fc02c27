"""Voting methods: textbook cases with known outcomes, one family at a time."""

from __future__ import annotations

import json
import time

import pytest

from federation.governance.voting import (
    BallotError,
    Option,
    TallyResult,
    VotingMethod,
    builtin_methods,
    method_by_name,
)
from federation.governance.voting.judgment import compare_histograms, lower_median
from federation.governance.voting.stv import droop_quota


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def run(name: str, raw_ballots, options, settings=None) -> TallyResult:
    """Validate raw ``(ballot, count)`` pairs, group them like the DB, tally."""
    method = method_by_name(name)
    settings = method.validate_settings(settings or {}, options)
    grouped: dict[str, int] = {}
    for raw, count in raw_ballots:
        text = canonical_json(method.validate_ballot(raw, options, settings))
        grouped[text] = grouped.get(text, 0) + count
    result = method.tally(
        [(json.loads(text), count) for text, count in grouped.items()], options, settings
    )
    json.dumps(result.details)  # details are JSON-serialisable
    return result


def opts(*labels: str, start: int = 1) -> list[Option]:
    return [Option(start + k, label) for k, label in enumerate(labels)]


# -- registry --------------------------------------------------------------------------------------


def test_builtin_methods_one_of_each():
    methods = builtin_methods()
    names = [m.name for m in methods]
    assert names == [
        "majority",
        "consent",
        "advice",
        "approval",
        "score",
        "dot",
        "majority_judgment",
        "schulze",
        "stv",
        "time_poll",
    ]
    assert all(isinstance(m, VotingMethod) for m in methods)
    assert [m.name for m in methods if not m.binding] == ["advice"]
    for method in methods:
        assert isinstance(method.settings_fields, dict)
        for kind, _default in method.settings_fields.values():
            assert kind in (int, str)


def test_ballot_error_carries_message_and_field():
    error = BallotError("Bad score.", field="scores")
    assert error.message == "Bad score." and error.field == "scores"
    assert isinstance(error, ValueError)
    assert BallotError("x").field == "ballot"


@pytest.mark.parametrize("method", builtin_methods(), ids=lambda m: m.name)
def test_settings_defaults_are_complete(method):
    options = opts("a", "b", "c")
    settings = method.validate_settings({}, options)
    assert set(settings) == set(method.settings_fields)
    assert method.validate_settings(settings, options) == settings  # idempotent


# -- majority --------------------------------------------------------------------------------------


def majority(yes: int, no: int, abstain: int = 0, threshold: str = "1/2") -> TallyResult:
    ballots = [({"choice": "yes"}, yes), ({"choice": "no"}, no), ({"choice": "abstain"}, abstain)]
    return run("majority", ballots, [], {"threshold": threshold})


def test_majority_half_means_strictly_more_than_half():
    assert majority(51, 49).adopted is True
    assert majority(50, 50).adopted is False
    assert majority(1, 0).adopted is True
    assert majority(0, 0, 10).adopted is False  # nothing expressed


def test_majority_two_thirds_just_under_and_just_over():
    assert majority(66, 34, threshold="2/3").adopted is False  # 0.66 < 2/3
    assert majority(67, 33, threshold="2/3").adopted is True
    assert majority(2, 1, threshold="2/3").adopted is True  # exactly 2/3 reaches "at least"
    assert majority(199_999, 100_000, threshold="2/3").adopted is False  # exact arithmetic
    assert majority(200_000, 100_000, threshold="2/3").adopted is True
    assert majority(3, 2, threshold="3/5").adopted is True
    assert majority(5, 4, threshold="3/5").adopted is False


def test_majority_abstentions_do_not_count_in_the_share():
    result = majority(3, 2, abstain=100)
    assert result.adopted is True
    assert result.ballots == 105
    assert result.details["counts"] == {"yes": 3, "no": 2, "abstain": 100}
    assert result.details["expressed"] == 5
    assert result.winners == [] and result.ranking == [] and result.scores == {}


def test_majority_threshold_is_normalised():
    method = method_by_name("majority")
    assert method.validate_settings({"threshold": "4/6"}, [])["threshold"] == "2/3"
    assert method.validate_settings({}, [])["threshold"] == "1/2"
    assert majority(6, 4, threshold="2/4").adopted is True
    assert majority(5, 5, threshold="2/4").adopted is False  # 2/4 is 1/2: "more than"


@pytest.mark.parametrize("bad", ["0/1", "1/3", "3/2", "1/0", "half", "", "2/3/4", 0.5, True])
def test_majority_bad_thresholds(bad):
    with pytest.raises(BallotError) as info:
        method_by_name("majority").validate_settings({"threshold": bad}, [])
    assert info.value.field == "threshold"


# -- consent and advice ----------------------------------------------------------------------------


def test_consent_blocked_by_a_single_objection():
    ballots = [
        ({"position": "consent"}, 30),
        ({"position": "stand_aside"}, 2),
        ({"position": "object"}, 1),
    ]
    result = run("consent", ballots, [])
    assert result.adopted is False
    assert result.details["counts"] == {"consent": 30, "stand_aside": 2, "object": 1}
    assert result.ballots == 33


def test_consent_adopted_without_objection_even_with_stand_asides():
    result = run("consent", [({"position": "consent"}, 3), ({"position": "stand_aside"}, 5)], [])
    assert result.adopted is True
    assert result.details["objections"] == 0


def test_advice_is_not_binding_and_never_adopts():
    method = method_by_name("advice")
    assert method.binding is False
    result = run("advice", [({"position": "agree"}, 4), ({"position": "disagree"}, 9)], [])
    assert result.adopted is None
    assert result.details["counts"] == {"agree": 4, "disagree": 9, "abstain": 0}


# -- approval, score, dot --------------------------------------------------------------------------


def test_approval_winner_and_tied_ranking():
    options = opts("Mon", "Tue", "Wed", "Thu")
    ballots = [
        ({"approve": [1, 2]}, 3),
        ({"approve": ["2", "3"]}, 2),
        ({"approve": [3, 1]}, 2),
        ({"approve": []}, 1),
    ]
    result = run("approval", ballots, options)
    assert result.scores == {1: 5.0, 2: 5.0, 3: 4.0, 4: 0.0}
    assert result.winners == [1, 2]
    assert result.ranking == [[1, 2], [3], [4]]
    assert result.ballots == 8
    assert result.adopted is None


def test_approval_choice_limits():
    method = method_by_name("approval")
    options = opts("a", "b", "c", "d")
    settings = method.validate_settings({"min_choices": 1, "max_choices": 2}, options)
    assert method.validate_ballot({"approve": [2]}, options, settings) == {"approve": [2]}
    for bad in ([], [1, 2, 3]):
        with pytest.raises(BallotError) as info:
            method.validate_ballot({"approve": bad}, options, settings)
        assert info.value.field == "approve"
    with pytest.raises(BallotError) as info:
        method.validate_settings({"min_choices": 3, "max_choices": 2}, options)
    assert info.value.field == "max_choices"
    with pytest.raises(BallotError) as info:
        method.validate_settings({"min_choices": 5}, options)
    assert info.value.field == "min_choices"
    assert method.validate_settings({}, options)["max_choices"] == 4


def test_score_mean_with_unscored_as_zero():
    options = opts("red", "green", "blue")
    ballots = [
        ({"scores": {"1": 5, "2": 3}}, 2),  # blue unscored: 0
        ({"scores": {1: 0, 2: 4, 3: 5}}, 1),
        ({"scores": {}}, 1),
    ]
    result = run("score", ballots, options)
    assert result.scores == {1: 10 / 4, 2: 10 / 4, 3: 5 / 4}
    assert result.winners == [1, 2]
    assert result.ranking == [[1, 2], [3]]
    assert result.details["sums"] == {"1": 10, "2": 10, "3": 5}


def test_score_canonical_form_is_complete():
    method = method_by_name("score")
    options = opts("a", "b", "c")
    first = method.validate_ballot({"scores": {"2": 3}}, options, {})
    second = method.validate_ballot({"scores": {1: 0, 2: "3", 3: 0}}, options, {})
    assert canonical_json(first) == canonical_json(second)
    assert first == {"scores": {"1": 0, "2": 3, "3": 0}}


def test_score_max_score_setting():
    method = method_by_name("score")
    options = opts("a", "b")
    settings = method.validate_settings({"max_score": 10}, options)
    assert method.validate_ballot({"scores": {1: 10}}, options, settings)["scores"]["1"] == 10
    with pytest.raises(BallotError) as info:
        method.validate_ballot({"scores": {1: 6}}, options, {})
    assert info.value.field == "scores"
    with pytest.raises(BallotError) as info:
        method.validate_settings({"max_score": 0}, options)
    assert info.value.field == "max_score"


def test_dot_totals_and_budget():
    options = opts("garden", "bakery", "library")
    ballots = [
        ({"points": {1: 7, 2: 3}}, 2),
        ({"points": {3: 10}}, 1),
        ({"points": {2: 0, 3: 4}}, 1),
    ]
    result = run("dot", ballots, options)
    assert result.scores == {1: 14.0, 2: 6.0, 3: 14.0}
    assert result.winners == [1, 3]
    assert result.ranking == [[1, 3], [2]]
    method = method_by_name("dot")
    assert method.validate_ballot({"points": {1: 0, 2: 4}}, options, {}) == {"points": {"2": 4}}
    with pytest.raises(BallotError) as info:
        method.validate_ballot({"points": {1: 6, 2: 5}}, options, {})
    assert info.value.field == "points"
    with pytest.raises(BallotError):
        method.validate_ballot({"points": {1: -1}}, options, {})
    settings = method.validate_settings({"budget": 3}, options)
    with pytest.raises(BallotError):
        method.validate_ballot({"points": {1: 4}}, options, settings)


# -- majority judgment -----------------------------------------------------------------------------


def test_majority_judgment_tie_broken_by_the_official_rule():
    # Both options have median "passable" (2). Removing medians one at a time:
    # A: [1,2,2,2,3] -> 2, 2, then [1,3] -> 1 ; B: [0,2,2,2,4] -> 2, 2, then [0,4] -> 0.
    # A wins although B's mean is the same and B has the better top grade.
    options = opts("A", "B")
    ballots = [
        ({"grades": {1: 1, 2: 0}}, 1),
        ({"grades": {1: 2, 2: 2}}, 3),
        ({"grades": {1: 3, 2: 4}}, 1),
    ]
    result = run("majority_judgment", ballots, options)
    assert result.details["medians"] == {"1": 2, "2": 2}
    assert result.winners == [1]
    assert result.ranking == [[1], [2]]
    assert result.details["histograms"] == {"1": [0, 1, 3, 1, 0, 0], "2": [1, 0, 3, 0, 1, 0]}
    assert result.details["grade_labels"][0] == "à rejeter"


def test_majority_judgment_median_decides_first():
    options = opts("A", "B", "C")
    ballots = [
        ({"grades": {1: 5, 2: 3, 3: 0}}, 2),
        ({"grades": {1: 0, 2: 3, 3: 1}}, 3),
    ]
    result = run("majority_judgment", ballots, options)
    # A: [0,0,0,5,5] median 0 ; B: all 3 ; C: [0,0,1,1,1] median 1
    assert result.ranking == [[2], [3], [1]]
    assert result.scores == {1: 0.0, 2: 3.0, 3: 1.0}


def test_majority_judgment_lower_median_for_even_counts():
    assert lower_median([0, 2, 0, 2, 0, 0]) == 1
    assert lower_median([0, 0, 0, 0, 0, 0]) is None
    result = run(
        "majority_judgment",
        [({"grades": {1: 1, 2: 2}}, 1), ({"grades": {1: 3, 2: 2}}, 1)],
        opts("A", "B"),
    )
    # A: [1, 3] lower median 1 ; B: [2, 2] median 2.
    assert result.winners == [2]


def test_majority_judgment_identical_histograms_tie():
    options = opts("A", "B")
    result = run(
        "majority_judgment",
        [({"grades": {1: 1, 2: 4}}, 1), ({"grades": {1: 4, 2: 1}}, 1)],
        options,
    )
    assert result.ranking == [[1, 2]]
    assert result.winners == [1, 2]
    assert compare_histograms([1, 2, 3], [1, 2, 3]) == 0


def test_majority_judgment_every_option_must_be_graded():
    method = method_by_name("majority_judgment")
    options = opts("A", "B")
    with pytest.raises(BallotError) as info:
        method.validate_ballot({"grades": {1: 3}}, options, {})
    assert info.value.field == "grades"
    assert "2" in info.value.message
    with pytest.raises(BallotError):
        method.validate_ballot({"grades": {1: 3, 2: 6}}, options, {})  # 6 grades: 0..5
    settings = method.validate_settings({"grades": 7}, options)
    assert method.validate_ballot({"grades": {1: 6, 2: 0}}, options, settings)
    assert method.tally([], options, settings).details["grade_labels"][-1] == "excellent"


# -- Schulze ---------------------------------------------------------------------------------------

WIKIPEDIA_SCHULZE = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def test_schulze_wikipedia_example_45_voters_winner_e():
    options = opts(*"ABCDE")
    ids = {o.label: o.id for o in options}
    ballots = [({"ranking": [[ids[c]] for c in order]}, n) for n, order in WIKIPEDIA_SCHULZE]
    result = run("schulze", ballots, options)
    assert result.ballots == 45
    assert result.winners == [ids["E"]]
    assert result.ranking == [[ids[c]] for c in "EACBD"]
    pairwise = result.details["pairwise"]
    preferences = {  # the pairwise-preference table of the Wikipedia article
        "A": {"B": 20, "C": 26, "D": 30, "E": 22},
        "B": {"A": 25, "C": 16, "D": 33, "E": 18},
        "C": {"A": 19, "B": 29, "D": 17, "E": 24},
        "D": {"A": 15, "B": 12, "C": 28, "E": 14},
        "E": {"A": 23, "B": 27, "C": 21, "D": 31},
    }
    for a, row in preferences.items():
        for b, count in row.items():
            assert pairwise[str(ids[a])][str(ids[b])] == count
    paths = result.details["strongest_paths"]
    expected = {  # the strongest-path table of the Wikipedia article
        "A": {"B": 28, "C": 28, "D": 30, "E": 24},
        "B": {"A": 25, "C": 28, "D": 33, "E": 24},
        "C": {"A": 25, "B": 29, "D": 29, "E": 24},
        "D": {"A": 25, "B": 28, "C": 28, "E": 24},
        "E": {"A": 25, "B": 28, "C": 28, "D": 31},
    }
    for a, row in expected.items():
        for b, strength in row.items():
            assert paths[str(ids[a])][str(ids[b])] == strength


def test_schulze_ties_stay_grouped():
    options = opts("A", "B", "C")
    ballots = [({"ranking": [[1], [2], [3]]}, 1), ({"ranking": [[2], [1], [3]]}, 1)]
    result = run("schulze", ballots, options)
    assert result.winners == [1, 2]
    assert result.ranking == [[1, 2], [3]]


def test_schulze_unlisted_options_rank_last_tied():
    method = method_by_name("schulze")
    options = opts("A", "B", "C", "D")
    variants = [
        {"ranking": [[2], [1]]},
        {"ranking": [2, 1]},
        {"ranking": [["2"], [1], [3, 4]]},
        {"ranking": [[2], [], [1], [4, 3]]},
    ]
    canon = {canonical_json(method.validate_ballot(v, options, {})) for v in variants}
    assert canon == {canonical_json({"ranking": [[2], [1], [3, 4]]})}
    result = run("schulze", [(variants[0], 3)], options)
    assert result.ranking == [[2], [1], [3, 4]]


def test_schulze_condorcet_cycle_broken_by_strength():
    # A>B>C (8), B>C>A (7), C>A>B (6): a majority cycle with d(A,B)=14, d(B,C)=15,
    # d(C,A)=13. The weakest link is C>A, so A's path to C (14) beats C's to A (13): A wins.
    options = opts("A", "B", "C")
    ballots = [
        ({"ranking": [1, 2, 3]}, 8),
        ({"ranking": [2, 3, 1]}, 7),
        ({"ranking": [3, 1, 2]}, 6),
    ]
    result = run("schulze", ballots, options)
    assert result.details["pairwise"]["1"]["2"] == 14
    assert result.details["pairwise"]["2"]["3"] == 15
    assert result.details["pairwise"]["3"]["1"] == 13
    assert result.winners == [1]
    assert result.ranking == [[1], [2], [3]]


# -- STV -------------------------------------------------------------------------------------------


def test_droop_quota():
    assert droop_quota(20, 3) == 6
    assert droop_quota(100, 1) == 51
    assert droop_quota(99, 2) == 34


def test_stv_wikipedia_food_election():
    # Wikipedia "Single transferable vote", 20 voters, 3 seats, Droop quota 6:
    # Chocolate elected with a surplus of 6 (transfer value 1/2), Pears excluded,
    # Oranges elected, Sweets excluded, Strawberries elected.
    options = opts("Oranges", "Pears", "Chocolate", "Strawberries", "Sweets")
    o = {opt.label: opt.id for opt in options}
    ballots = [
        ({"ranking": [o["Oranges"]]}, 4),
        ({"ranking": [o["Pears"], o["Oranges"]]}, 2),
        ({"ranking": [o["Chocolate"], o["Strawberries"]]}, 8),
        ({"ranking": [o["Chocolate"], o["Sweets"]]}, 4),
        ({"ranking": [o["Strawberries"]]}, 1),
        ({"ranking": [o["Sweets"]]}, 1),
    ]
    result = run("stv", ballots, options, {"seats": 3})
    assert result.winners == [o["Chocolate"], o["Oranges"], o["Strawberries"]]
    assert result.details["quota"] == 6
    rounds = result.details["rounds"]
    assert rounds[0]["transfer_values"] == {str(o["Chocolate"]): 0.5}
    assert rounds[1]["totals"][str(o["Strawberries"])] == 5.0
    assert rounds[1]["excluded"] == [o["Pears"]]
    assert result.ranking[-1] == [o["Pears"]]
    assert result.details["tie_breaks"] == []


def test_stv_fractional_surplus_is_exact():
    # 3 seats, 10 ballots: quota 3. A gets 7 (surplus 4, value 4/7) passed on to B and C.
    options = opts("A", "B", "C", "D")
    ballots = [
        ({"ranking": [1, 2]}, 4),
        ({"ranking": [1, 3]}, 3),
        ({"ranking": [4]}, 2),
        ({"ranking": [2]}, 1),
    ]
    result = run("stv", ballots, options, {"seats": 3})
    # After A: B = 1 + 16/7 = 23/7 ≈ 3.2857 ≥ 3 elected; C = 12/7 ≈ 1.714; D = 2.
    assert result.winners[:2] == [1, 2]
    second = result.details["rounds"][1]["totals"]
    assert second["2"] == pytest.approx(23 / 7)
    assert second["3"] == pytest.approx(12 / 7)
    # B's surplus 2/7 (value 2/23) exhausts; C 12/7 < D 2 -> C excluded, D elected last.
    assert result.winners == [1, 2, 4]


def test_stv_exclusion_tie_uses_earlier_round_then_lowest_id():
    # 2 seats, quota floor(9/3)+1 = 4. Round 1: A 4 (elected, no surplus), B 2, C 2, D 1.
    options = opts("A", "B", "C", "D")
    ballots = [
        ({"ranking": [1]}, 4),
        ({"ranking": [2]}, 2),
        ({"ranking": [3]}, 2),
        ({"ranking": [4, 2]}, 1),
    ]
    result = run("stv", ballots, options, {"seats": 2})
    # Round 2: B 2, C 2, D 1 -> D excluded, B gets 3; round 3: B 3, C 2 -> C excluded.
    assert result.winners == [1, 2]
    # Now a complete tie: B and C equal at every round -> the lowest id (B) is excluded.
    ballots = [({"ranking": [1]}, 4), ({"ranking": [2]}, 2), ({"ranking": [3]}, 2)]
    result = run("stv", ballots, opts("A", "B", "C"), {"seats": 2})
    assert result.winners == [1, 3]
    assert result.details["tie_breaks"][0]["kind"] == "exclusion"
    assert result.details["tie_breaks"][0]["chosen"] == [2]
    assert result.details["tie_breaks"][0]["by"] == "option id"


def test_stv_exclusion_tie_broken_by_the_earlier_round():
    # 1 seat, 11 ballots, quota 6. Round 1: A 5, B 3, C 2, D 1 -> D excluded (to C).
    # Round 2: A 5, B 3, C 3: B and C tie; at round 1 C had fewer (2 < 3): C is excluded
    # although it has the higher id.
    options = opts("A", "B", "C", "D")
    ballots = [
        ({"ranking": [1]}, 5),
        ({"ranking": [2, 1]}, 3),
        ({"ranking": [3, 2]}, 2),
        ({"ranking": [4, 3, 2]}, 1),
    ]
    result = run("stv", ballots, options, {"seats": 1})
    assert result.details["rounds"][1]["excluded"] == [3]
    assert result.details["tie_breaks"][0]["by"] == "earlier round"
    # Then B has 6: B elected.
    assert result.winners == [2]


def test_stv_settings():
    method = method_by_name("stv")
    options = opts("A", "B", "C")
    assert method.validate_settings({}, options) == {"seats": 1}
    for bad in (0, 3, -1, "x", True):
        with pytest.raises(BallotError) as info:
            method.validate_settings({"seats": bad}, options)
        assert info.value.field == "seats"
    with pytest.raises(BallotError) as info:
        method.validate_ballot({"ranking": []}, options, {})
    assert info.value.field == "ranking"


# -- time poll -------------------------------------------------------------------------------------


def test_time_poll_ranks_by_yes_then_maybe():
    options = opts("Mon 18h", "Tue 18h", "Wed 12h")
    ballots = [
        ({"availability": {1: "yes", 2: "maybe", 3: "yes"}}, 2),
        ({"availability": {1: "maybe", 2: "yes", 3: "yes"}}, 1),
        ({"availability": {1: "yes", 2: "yes"}}, 1),  # Wed omitted: no
    ]
    result = run("time_poll", ballots, options)
    assert result.scores == {1: 3.0, 2: 2.0, 3: 3.0}
    assert result.details["counts"]["1"] == {"yes": 3, "maybe": 1, "no": 0}
    assert result.details["counts"]["3"] == {"yes": 3, "maybe": 0, "no": 1}
    assert result.winners == [1]
    assert result.ranking == [[1], [3], [2]]


# -- cross-cutting ---------------------------------------------------------------------------------


EXAMPLES = {
    "majority": ({"choice": "yes"}, {"choice": "no"}),
    "consent": ({"position": "consent"}, {"position": "object"}),
    "advice": ({"position": "agree"}, {"position": "disagree"}),
    "approval": ({"approve": [1, 3]}, {"approve": [2]}),
    "score": ({"scores": {1: 4, 2: 1}}, {"scores": {3: 5}}),
    "dot": ({"points": {1: 4, 2: 6}}, {"points": {3: 10}}),
    "majority_judgment": ({"grades": {1: 4, 2: 1, 3: 0}}, {"grades": {1: 2, 2: 5, 3: 3}}),
    "schulze": ({"ranking": [[1], [3]]}, {"ranking": [[3, 2], [1]]}),
    "stv": ({"ranking": [1, 3]}, {"ranking": [3, 2, 1]}),
    "time_poll": ({"availability": {1: "yes", 2: "maybe"}}, {"availability": {3: "yes"}}),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_grouped_counts_equal_repeated_ballots(name):
    options = opts("a", "b", "c")
    first, second = EXAMPLES[name]
    grouped = run(name, [(first, 40_000), (second, 39_999)], options)
    method = method_by_name(name)
    settings = method.validate_settings({}, options)
    a = method.validate_ballot(first, options, settings)
    b = method.validate_ballot(second, options, settings)
    repeated = method.tally([(a, 1)] * 40 + [(b, 1)] * 39, options, settings)
    small = run(name, [(first, 40), (second, 39)], options)
    assert grouped.ballots == 79_999
    assert small.ballots == repeated.ballots == 79
    assert (small.winners, small.ranking, small.adopted) == (
        repeated.winners,
        repeated.ranking,
        repeated.adopted,
    )


@pytest.mark.parametrize("method", builtin_methods(), ids=lambda m: m.name)
def test_no_ballots_at_all(method):
    options = opts("a", "b", "c")
    settings = method.validate_settings({}, options)
    result = method.tally([], options, settings)
    assert result.ballots == 0
    assert result.winners == []
    if method.uses_options:
        assert sorted(i for group in result.ranking for i in group) == [1, 2, 3]
    json.dumps(result.details)


@pytest.mark.parametrize("method", builtin_methods(), ids=lambda m: m.name)
def test_tally_rejects_ballots_of_another_shape(method):
    options = opts("a", "b", "c")
    settings = method.validate_settings({}, options)
    for stored in ({"nope": 1}, None, "text", {"ranking": [[99]]}, {"approve": [99]}):
        with pytest.raises(BallotError):
            method.tally([(stored, 1)], options, settings)
    with pytest.raises(BallotError):
        method.tally([(EXAMPLES[method.name][0], -1)], options, settings)
    with pytest.raises(BallotError):
        method.tally([(EXAMPLES[method.name][0],)], options, settings)


@pytest.mark.parametrize("method", builtin_methods(), ids=lambda m: m.name)
def test_large_profiles_tally_quickly(method):
    """A smoke check of the vectorised paths (the real numbers are in bench/bench_voting.py)."""
    import random

    rng = random.Random(7)
    options = opts(*"abcdefghij")
    settings = method.validate_settings({"seats": 3} if method.name == "stv" else {}, options)
    ids = [o.id for o in options]
    make = {
        "majority": lambda perm: {"choice": rng.choice(["yes", "no", "abstain"])},
        "consent": lambda perm: {"position": rng.choice(["consent", "stand_aside"])},
        "advice": lambda perm: {"position": rng.choice(["agree", "disagree"])},
        "approval": lambda perm: {"approve": sorted(perm[: rng.randint(0, 10)])},
        "score": lambda perm: {"scores": {str(i): rng.randint(0, 5) for i in ids}},
        "dot": lambda perm: {"points": {str(perm[0]): 6, str(perm[1]): 4}},
        "majority_judgment": lambda perm: {"grades": {str(i): rng.randint(0, 5) for i in ids}},
        "schulze": lambda perm: {"ranking": [[i] for i in perm]},
        "stv": lambda perm: {"ranking": perm[: rng.randint(1, 10)]},
        "time_poll": lambda perm: {"availability": {str(i): rng.choice("yn") for i in ids}},
    }[method.name]
    answer = {"y": "yes", "n": "no"}
    ballots = []
    for _ in range(20_000):
        ballot = make(rng.sample(ids, len(ids)))
        if method.name == "time_poll":
            ballot = {"availability": {k: answer[v] for k, v in ballot["availability"].items()}}
        ballots.append((ballot, rng.randint(1, 3)))
    start = time.perf_counter()
    result = method.tally(ballots, options, settings)
    elapsed = time.perf_counter() - start
    assert result.ballots == sum(c for _, c in ballots)
    assert elapsed < 2.0


def test_counts_may_be_numpy_integers_and_huge():
    import numpy as np

    options = opts("A", "B")
    schulze = method_by_name("schulze")
    first = schulze.validate_ballot({"ranking": [1, 2]}, options, {})
    second = schulze.validate_ballot({"ranking": [2, 1]}, options, {})
    result = schulze.tally([(first, np.int64(10**12 + 1)), (second, 10**12)], options, {})
    assert result.ballots == 2 * 10**12 + 1
    assert result.details["pairwise"]["1"]["2"] == 10**12 + 1
    assert result.winners == [1]
    with pytest.raises(BallotError):
        schulze.tally([(first, True)], options, {})
    with pytest.raises(BallotError):
        schulze.tally([(first, 1.0)], options, {})
