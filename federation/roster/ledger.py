"""The duty ledger's arithmetic, pure (no database): cycles, debits due, balance, status.

A duty asks ``shifts_per_cycle`` shifts every ``cycle_weeks`` weeks from ``starts_on``.
Each cycle that has begun debits every member subject to it (unless an exemption or a leave
covers the cycle's first day, or the member joined after it began); every attended shift
credits one. The status is derived from the balance and the periods, never stored:

* ``exempt`` / ``on_leave`` while such a period covers today;
* ``up_to_date`` while the shifts owed for past cycles stay under ``alert_after`` (the
  current cycle's shift may still be done before the cycle ends);
* ``alert`` when shifts owed for past cycles reach ``alert_after``;
* ``suspended`` when they reach ``suspend_after``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

STATUSES = ("up_to_date", "alert", "suspended", "exempt", "on_leave")


@dataclass(frozen=True)
class DutyRule:
    shifts_per_cycle: int
    cycle_weeks: int
    starts_on: date
    alert_after: int = 1
    suspend_after: int = 2

    @property
    def cycle_days(self) -> int:
        return 7 * self.cycle_weeks


@dataclass(frozen=True)
class Period:
    kind: str  # "exemption" | "leave"
    starts_on: date
    ends_on: date | None  # None: open-ended

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class Status:
    code: str
    balance: int
    #: shifts still to do (the current cycle's included)
    owed: int
    #: shifts owed for cycles already over (these lead to alert and suspension)
    late: int
    #: the current cycle's index and its first and last days
    cycle: int
    cycle_starts: date
    cycle_ends: date


def cycle_index(rule: DutyRule, day: date) -> int:
    """The index of the cycle ``day`` falls in (negative before the duty starts)."""
    return (day - rule.starts_on).days // rule.cycle_days


def cycle_start(rule: DutyRule, index: int) -> date:
    return rule.starts_on + timedelta(days=index * rule.cycle_days)


def cycles_due(
    rule: DutyRule, joined_on: date, today: date, periods: Iterable[Period] = ()
) -> list[int]:
    """Indexes of the cycles that debit the member by ``today``: begun, begun after the
    member joined, and whose first day no exemption or leave covers."""
    periods = list(periods)
    if today < rule.starts_on:
        return []
    first = max(0, -(-(joined_on - rule.starts_on).days // rule.cycle_days))
    last = cycle_index(rule, today)
    return [
        i
        for i in range(first, last + 1)
        if not any(p.covers(cycle_start(rule, i)) for p in periods)
    ]


def balance(amounts: Iterable[int]) -> int:
    return sum(amounts)


def derive_status(
    rule: DutyRule,
    entries_total: int,
    debited_cycles: Iterable[int],
    joined_on: date,
    today: date,
    periods: Iterable[Period] = (),
) -> Status:
    """The member's status: the stored entries' total, minus the debits that are due but not
    written yet (so the status is right whether or not the cycle was settled). The current
    cycle's own debit can still be made up before it ends: only shifts owed beyond it
    (``late``) count towards alert and suspension."""
    periods = list(periods)
    written = set(debited_cycles)
    due = cycles_due(rule, joined_on, today, periods)
    pending = [c for c in due if c not in written]
    total = entries_total - rule.shifts_per_cycle * len(pending)
    index = max(cycle_index(rule, today), 0)
    start = cycle_start(rule, index)
    end = start + timedelta(days=rule.cycle_days - 1)
    owed = max(0, -total)
    current_due = rule.shifts_per_cycle if due and due[-1] == cycle_index(rule, today) else 0
    late = max(0, owed - current_due)
    current = [p for p in periods if p.covers(today)]
    if any(p.kind == "exemption" for p in current):
        code = "exempt"
    elif current:
        code = "on_leave"
    elif late >= max(rule.suspend_after, 1):
        code = "suspended"
    elif late >= max(rule.alert_after, 1):
        code = "alert"
    else:
        code = "up_to_date"
    return Status(code, total, owed, late, index, start, end)
