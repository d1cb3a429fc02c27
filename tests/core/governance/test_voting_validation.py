"""Ballot and settings validation: clear BallotErrors naming the field, never another exception."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.governance.voting import BallotError, Option, builtin_methods, method_by_name

OPTIONS = [Option(3, "three"), Option(7, "seven"), Option(12, "twelve")]
METHODS = builtin_methods()
BODY_KEY = {
    "majority": "choice",
    "consent": "position",
    "advice": "position",
    "approval": "approve",
    "score": "scores",
    "dot": "points",
    "majority_judgment": "grades",
    "schulze": "ranking",
    "stv": "ranking",
    "time_poll": "availability",
}


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def rejects(name: str, ballot, field: str, config=None) -> BallotError:
    method = method_by_name(name)
    with pytest.raises(BallotError) as info:
        method.validate_ballot(ballot, OPTIONS, config or {})
    assert info.value.field == field, info.value.message
    assert info.value.message and info.value.message[0].isupper()
    return info.value


# -- garbage at the top level ---------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
@pytest.mark.parametrize(
    "garbage", [None, "yes", 3, 2.5, True, [], [1, 2], {}, {"nope": 1}, b"bytes", object()]
)
def test_garbage_ballots_are_ballot_errors(method, garbage):
    with pytest.raises(BallotError) as info:
        method.validate_ballot(garbage, OPTIONS, {})
    expected = BODY_KEY[method.name] if garbage == {} else "ballot"
    assert info.value.field == expected


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_extra_keys_are_refused(method):
    key = BODY_KEY[method.name]
    good = {
        "choice": "yes",
        "position": "consent" if method.name == "consent" else "agree",
        "approve": [3],
        "scores": {},
        "points": {},
        "grades": {"3": 0, "7": 0, "12": 0},
        "ranking": [3],
        "availability": {},
    }[key]
    method.validate_ballot({key: good}, OPTIONS, {})
    with pytest.raises(BallotError) as info:
        method.validate_ballot({key: good, "comment": "hi"}, OPTIONS, {})
    assert info.value.field == "ballot"
    assert "comment" in info.value.message


# -- per-method faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ballot", "field"),
    [
        ("majority", {"choice": "Yes"}, "choice"),
        ("majority", {"choice": True}, "choice"),
        ("majority", {"choice": ["yes"]}, "choice"),
        ("consent", {"position": "block"}, "position"),
        ("advice", {"position": None}, "position"),
        ("approval", {"approve": 3}, "approve"),
        ("approval", {"approve": [3, 3]}, "approve"),
        ("approval", {"approve": [3, "3"]}, "approve"),
        ("approval", {"approve": [99]}, "approve"),
        ("approval", {"approve": [True]}, "approve"),
        ("approval", {"approve": [3.0]}, "approve"),
        ("approval", {"approve": ["03"]}, "approve"),
        ("approval", {"approve": [[3]]}, "approve"),
        ("score", {"scores": [3, 7]}, "scores"),
        ("score", {"scores": {"3": 6}}, "scores"),
        ("score", {"scores": {"3": -1}}, "scores"),
        ("score", {"scores": {"3": True}}, "scores"),
        ("score", {"scores": {"3": 2.5}}, "scores"),
        ("score", {"scores": {"3": 1, 3: 2}}, "scores"),
        ("score", {"scores": {"x": 1}}, "scores"),
        ("score", {"scores": {"99": 1}}, "scores"),
        ("dot", {"points": {"3": 11}}, "points"),
        ("dot", {"points": {"3": 6, "7": 5}}, "points"),
        ("dot", {"points": {"3": None}}, "points"),
        ("majority_judgment", {"grades": {"3": 1, "7": 1}}, "grades"),
        ("majority_judgment", {"grades": {"3": 1, "7": 1, "12": 6}}, "grades"),
        ("majority_judgment", {"grades": {"3": 1, "7": 1, "12": "bien"}}, "grades"),
        ("schulze", {"ranking": [[3], [3]]}, "ranking"),
        ("schulze", {"ranking": [[3, 7], [7]]}, "ranking"),
        ("schulze", {"ranking": [[99]]}, "ranking"),
        ("schulze", {"ranking": [[[3]]]}, "ranking"),
        ("schulze", {"ranking": "3,7"}, "ranking"),
        ("schulze", {"ranking": [None]}, "ranking"),
        ("stv", {"ranking": []}, "ranking"),
        ("stv", {"ranking": [3, 7, 3]}, "ranking"),
        ("stv", {"ranking": [[3]]}, "ranking"),
        ("stv", {"ranking": [False]}, "ranking"),
        ("stv", {"ranking": ["9" * 40]}, "ranking"),
        ("time_poll", {"availability": {"3": "perhaps"}}, "availability"),
        ("time_poll", {"availability": {"3": 1}}, "availability"),
        ("time_poll", {"availability": ["yes"]}, "availability"),
    ],
)
def test_specific_faults(name, ballot, field):
    rejects(name, ballot, field)


def test_messages_name_the_problem():
    assert "99" in rejects("approval", {"approve": [99]}, "approve").message
    assert "twice" in rejects("stv", {"ranking": [3, 3]}, "ranking").message
    assert "12" in rejects("majority_judgment", {"grades": {"3": 1, "7": 1}}, "grades").message
    assert "at most 10" in rejects("dot", {"points": {"3": 6, "7": 5}}, "points").message


# -- canonical forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "variants"),
    [
        ("approval", [{"approve": [12, 3]}, {"approve": ["3", "12"]}, {"approve": (3, 12)}]),
        ("score", [{"scores": {"7": 2}}, {"scores": {7: 2, 3: 0}}, {"scores": {"7": "2"}}]),
        ("dot", [{"points": {"7": 2}}, {"points": {7: 2, 3: 0, 12: 0}}]),
        (
            "majority_judgment",
            [{"grades": {3: 1, 7: 2, 12: 0}}, {"grades": {"12": 0, "7": 2, "3": "1"}}],
        ),
        (
            "schulze",
            [{"ranking": [[7], [3, 12]]}, {"ranking": [7]}, {"ranking": [["7"], [], [12, 3]]}],
        ),
        ("stv", [{"ranking": [7, 3]}, {"ranking": ["7", 3]}]),
        (
            "time_poll",
            [{"availability": {"7": "yes"}}, {"availability": {3: "no", 7: "yes", 12: "no"}}],
        ),
    ],
)
def test_identical_choices_give_identical_json(name, variants):
    method = method_by_name(name)
    texts = {canonical_json(method.validate_ballot(v, OPTIONS, {})) for v in variants}
    assert len(texts) == 1


def test_stv_order_matters():
    method = method_by_name("stv")
    first = method.validate_ballot({"ranking": [7, 3]}, OPTIONS, {})
    second = method.validate_ballot({"ranking": [3, 7]}, OPTIONS, {})
    assert canonical_json(first) != canonical_json(second)


# -- settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "config", "field"),
    [
        ("majority", {"threshold": "1/3"}, "threshold"),
        ("majority", {"threshold": 2}, "threshold"),
        ("majority", {"quorum": 3}, "quorum"),
        ("approval", {"max_choices": 0}, "max_choices"),
        ("approval", {"max_choices": 4}, "max_choices"),
        ("approval", {"min_choices": -1}, "min_choices"),
        ("approval", {"min_choices": True}, "min_choices"),
        ("score", {"max_score": 101}, "max_score"),
        ("score", {"max_score": "five"}, "max_score"),
        ("dot", {"budget": 0}, "budget"),
        ("majority_judgment", {"grades": 1}, "grades"),
        ("majority_judgment", {"grades": 21}, "grades"),
        ("stv", {"seats": 3}, "seats"),
        ("stv", {"seats": 0}, "seats"),
        ("schulze", {"seats": 1}, "seats"),
        ("time_poll", {"x": 1}, "x"),
    ],
)
def test_bad_settings(name, config, field):
    with pytest.raises(BallotError) as info:
        method_by_name(name).validate_settings(config, OPTIONS)
    assert info.value.field == field


def test_settings_from_forms_as_strings():
    assert method_by_name("stv").validate_settings({"seats": "2"}, OPTIONS) == {"seats": 2}
    assert method_by_name("stv").validate_settings({"seats": None}, OPTIONS) == {"seats": 1}
    assert method_by_name("dot").validate_settings({"budget": "20"}, OPTIONS) == {"budget": 20}


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_bad_option_lists(method):
    bad_lists = [[Option(1, "a"), Option(1, "b")], "abc", [object()]]
    if method.uses_options:
        bad_lists.append([])
    for options in bad_lists:
        with pytest.raises(BallotError) as info:
            method.validate_settings({}, options)
        assert info.value.field == "options"
    with pytest.raises(BallotError) as info:
        method.validate_settings("seats=2", OPTIONS)
    assert info.value.field == "settings"


def test_stv_needs_two_options():
    with pytest.raises(BallotError) as info:
        method_by_name("stv").validate_settings({}, [Option(1, "only")])
    assert info.value.field == "options"


# -- fuzzing ---------------------------------------------------------------------------------------

json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.sampled_from([3, 7, 12, "3", "7", "12", 0, 1, 5, "yes", "no", "maybe", "object"])
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(max_size=4) | st.sampled_from(["3", "7", "12"]), inner, max_size=4
        )
        | st.dictionaries(st.sampled_from([3, 7, 12, 99, True]), inner, max_size=4)
    ),
    max_leaves=20,
)

FUZZ = settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])


def check_outcome(method, ballot) -> None:
    try:
        canonical = method.validate_ballot(ballot, OPTIONS, {})
    except BallotError as error:
        problem = error
    else:
        problem = None
    if problem is not None:
        assert isinstance(problem.field, str) and problem.message
        return
    text = canonical_json(canonical)  # JSON-serialisable
    again = method.validate_ballot(json.loads(text), OPTIONS, {})
    assert canonical_json(again) == text  # canonical form is a fixed point
    result = method.tally([(json.loads(text), 2)], OPTIONS, method.validate_settings({}, OPTIONS))
    assert result.ballots == 2
    json.dumps(result.details)


@FUZZ
@given(st.sampled_from(METHODS), json_like)
def test_fuzz_whole_ballots(method, ballot):
    check_outcome(method, ballot)


@FUZZ
@given(st.sampled_from(METHODS), json_like)
def test_fuzz_ballot_bodies(method, body):
    check_outcome(method, {BODY_KEY[method.name]: body})


SETTING_NAMES = sorted({name for m in METHODS for name in m.settings_fields})


@FUZZ
@given(
    st.sampled_from(METHODS),
    st.dictionaries(st.sampled_from(SETTING_NAMES) | st.text(max_size=12), json_like, max_size=3),
)
def test_fuzz_settings(method, config):
    try:
        method.validate_settings(config, OPTIONS)
    except BallotError as error:
        field = error.field
    else:
        field = "settings"
    assert isinstance(field, str)


@FUZZ
@given(st.sampled_from(METHODS), st.lists(st.tuples(json_like, json_like), max_size=4))
def test_fuzz_stored_ballots(method, pairs):
    """Corrupt stored ballots make the tally fail with a BallotError, never anything else."""
    with contextlib.suppress(BallotError):
        method.tally(pairs, OPTIONS, {})
