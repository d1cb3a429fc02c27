"""From the members' vote to a list with strict alternation of sexes (pure, explained).

Law n° 2025-444 of 21 May 2025 (code électoral art. L264 as amended): in every commune the
list alternates one candidate of each sex, the head of list of either sex. The vote gives an
order of preference; :func:`parity_order` keeps it wherever alternation allows and, where it
does not, takes the best-placed candidate of the sex the position requires and says so:
which candidate moves up, which ones they pass, and why. Within each sex the vote's order is
never changed, so a candidate is only ever passed by someone of the other sex.

Each step is data (``kind`` + parameters), rendered in the reader's language by the plugin.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from convergence_elections.law import max_alternating

SEXES = ("F", "M")


class OrderingError(ValueError):
    """The candidates cannot make a list of the length asked (``details`` says what lacks)."""

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.details = details


@dataclass(frozen=True)
class Ranked:
    """A candidate as the vote placed them: ``rank`` 1 is the vote's first."""

    id: int
    sex: str
    rank: int


@dataclass
class Ordering:
    order: list[int]
    head_sex: str
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def swaps(self) -> list[dict[str, Any]]:
        return [s for s in self.steps if s["kind"] == "parity_swap"]


def other(sex: str) -> str:
    return "M" if sex == "F" else "F"


def flatten(ranking: Sequence[Sequence[int]]) -> tuple[list[int], list[dict[str, Any]]]:
    """A vote's ranking (groups of tied options, best first) as one order: ties are broken
    by the order of registration (the lower id first), and each tie is reported."""
    order: list[int] = []
    ties: list[dict[str, Any]] = []
    for group in ranking:
        members = sorted(group)
        if len(members) > 1:
            ties.append({"kind": "tie", "candidates": members, "from_rank": len(order) + 1})
        order.extend(members)
    return order, ties


def choose_head(ranked: Sequence[Ranked], length: int) -> tuple[str, dict[str, Any]]:
    """The head's sex: the vote's first, unless their sex cannot fill its half of the list."""
    counts = {s: sum(1 for c in ranked if c.sex == s) for s in SEXES}
    first = ranked[0]
    need = (length + 1) // 2
    if counts[first.sex] >= need:
        return first.sex, {"kind": "head", "candidate": first.id, "sex": first.sex}
    return other(first.sex), {
        "kind": "head_changed",
        "candidate": first.id,
        "sex": other(first.sex),
        "needed": need,
        "available": counts[first.sex],
    }


def parity_order(ranked: Sequence[Ranked], length: int) -> Ordering:
    """The list of ``length`` names with strict alternation closest to the vote's order.

    :param ranked: candidates in the vote's order (``rank`` 1 first), sex ``"F"`` or ``"M"``.
    :raises OrderingError: when the candidates of one sex are too few for ``length``.
    """
    ranked = sorted(ranked, key=lambda c: c.rank)
    if any(c.sex not in SEXES for c in ranked):
        raise OrderingError("every candidate needs a declared sex", field="sex")
    if length < 1:
        raise OrderingError("a list has at least one name", field="length")
    women = sum(1 for c in ranked if c.sex == "F")
    men = len(ranked) - women
    if max_alternating(women, men) < length:
        raise OrderingError(
            "not enough candidates of one sex for strict alternation",
            field="length",
            length=length,
            women=women,
            men=men,
            possible=max_alternating(women, men),
        )
    head_sex, head_step = choose_head(ranked, length)
    queues = {s: deque(c for c in ranked if c.sex == s) for s in SEXES}
    steps = [head_step]
    order: list[int] = []
    for position in range(1, length + 1):
        wanted = head_sex if position % 2 else other(head_sex)
        chosen = queues[wanted].popleft()
        passed = [c for c in queues[other(wanted)] if c.rank < chosen.rank]
        if passed:
            steps.append(
                {
                    "kind": "parity_swap",
                    "position": position,
                    "candidate": chosen.id,
                    "rank": chosen.rank,
                    "sex": wanted,
                    "passed": [c.id for c in passed],
                    "passed_ranks": [c.rank for c in passed],
                }
            )
        else:
            steps.append(
                {
                    "kind": "follows_vote",
                    "position": position,
                    "candidate": chosen.id,
                    "rank": chosen.rank,
                    "sex": wanted,
                }
            )
        order.append(chosen.id)
    left = [c.id for s in SEXES for c in queues[s]]
    if left:
        steps.append({"kind": "left_out", "candidates": sorted(left)})
    return Ordering(order=order, head_sex=head_sex, steps=steps)


def is_alternating(sexes: Sequence[str]) -> bool:
    return all(a != b for a, b in itertools.pairwise(sexes)) and all(s in SEXES for s in sexes)
