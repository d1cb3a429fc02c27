"""Duty ledger arithmetic and derived status: property tests (hypothesis) on the pure
functions of federation.roster.ledger (issue 14 item 2)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from federation.roster import ledger

START = date(2026, 1, 5)
rules = st.builds(
    ledger.DutyRule,
    shifts_per_cycle=st.integers(1, 3),
    cycle_weeks=st.integers(1, 8),
    starts_on=st.just(START),
    alert_after=st.integers(1, 3),
    suspend_after=st.integers(3, 6),
)
days = st.integers(0, 700).map(lambda n: START + timedelta(days=n))
periods = st.lists(
    st.builds(
        ledger.Period,
        kind=st.sampled_from(["exemption", "leave"]),
        starts_on=days,
        ends_on=st.one_of(st.none(), st.integers(0, 120)).map(lambda n: n),
    ).map(
        lambda p: ledger.Period(
            p.kind,
            p.starts_on,
            None if p.ends_on is None else p.starts_on + timedelta(days=p.ends_on),
        )
    ),
    max_size=3,
)
SEVERITY = {"up_to_date": 0, "alert": 1, "suspended": 2}


@settings(max_examples=300, deadline=None)
@given(rules, days, days, st.lists(st.integers(-1, 2), max_size=20))
def test_balance_is_credits_minus_due_cycles(rule, joined, today, credits):
    due = ledger.cycles_due(rule, joined, today)
    status = ledger.derive_status(rule, sum(credits), set(), joined, today)
    assert status.balance == sum(credits) - rule.shifts_per_cycle * len(due)
    assert status.owed == max(0, -status.balance)
    assert 0 <= status.late <= status.owed


@settings(max_examples=300, deadline=None)
@given(rules, days, days, periods, st.integers(0, 10))
def test_settling_never_changes_the_status(rule, joined, today, spans, credits):
    """Writing the due debits (settle) and reading again gives the same status."""
    before = ledger.derive_status(rule, credits, set(), joined, today, spans)
    due = ledger.cycles_due(rule, joined, today, spans)
    written = credits - rule.shifts_per_cycle * len(due)
    after = ledger.derive_status(rule, written, set(due), joined, today, spans)
    assert before == after


@settings(max_examples=300, deadline=None)
@given(rules, days, days, st.integers(-5, 5))
def test_one_more_attended_shift_never_worsens_the_status(rule, joined, today, credits):
    worse = ledger.derive_status(rule, credits, set(), joined, today)
    better = ledger.derive_status(rule, credits + 1, set(), joined, today)
    assert better.balance == worse.balance + 1
    assert SEVERITY[better.code] <= SEVERITY[worse.code]


@settings(max_examples=300, deadline=None)
@given(rules, days, days, periods)
def test_exemptions_only_remove_debits(rule, joined, today, spans):
    without = set(ledger.cycles_due(rule, joined, today))
    covered = set(ledger.cycles_due(rule, joined, today, spans))
    assert covered <= without
    for cycle in without - covered:
        assert any(p.covers(ledger.cycle_start(rule, cycle)) for p in spans)


@settings(max_examples=200, deadline=None)
@given(rules, days, days)
def test_no_debit_before_joining_or_before_the_duty(rule, joined, today):
    for cycle in ledger.cycles_due(rule, joined, today):
        start = ledger.cycle_start(rule, cycle)
        assert start >= joined and rule.starts_on <= start <= today


def test_status_thresholds():
    rule = ledger.DutyRule(1, 4, START, alert_after=1, suspend_after=2)
    joined = START
    day = START + timedelta(days=7 * 8 + 1)  # third cycle (index 2) has begun: 3 debits
    assert ledger.derive_status(rule, 3, set(), joined, day).code == "up_to_date"
    # the current cycle's shift is still to do: up to date, 1 owed, 0 late
    current = ledger.derive_status(rule, 2, set(), joined, day)
    assert (current.code, current.owed, current.late) == ("up_to_date", 1, 0)
    assert ledger.derive_status(rule, 1, set(), joined, day).code == "alert"
    assert ledger.derive_status(rule, 0, set(), joined, day).code == "suspended"
    leave = [ledger.Period("leave", day - timedelta(days=1), day + timedelta(days=30))]
    assert ledger.derive_status(rule, 0, set(), joined, day, leave).code == "on_leave"
    exempt = [ledger.Period("exemption", START, None)]
    status = ledger.derive_status(rule, 0, set(), joined, day, exempt)
    assert (status.code, status.balance) == ("exempt", 0)


def test_planted_twin_a_status_stored_instead_of_derived_goes_stale():
    """A status written once (the thing the ledger refuses to do) is wrong after a credit."""
    rule = ledger.DutyRule(1, 4, START)
    day = START + timedelta(days=7 * 8 + 1)
    stored = ledger.derive_status(rule, 1, set(), START, day).code
    derived_after_credit = ledger.derive_status(rule, 2, set(), START, day).code
    assert stored == "alert" and derived_after_credit == "up_to_date"
