"""Majority judgment (Balinski & Laraki): grade every option, rank by majority value.

Canonical ballot: ``{"grades": {"<id>": g, …}}`` with every option graded, ``g`` an index from
0 (worst, "à rejeter") to G-1 (best).

The majority value of an option is the sequence of its lower medians obtained by repeatedly
removing one median grade; options compare lexicographically on it (the official tie-break).
Here it is computed on grade histograms, never on ballot lists: with the grades sorted
ascending at positions 0…N-1 and c the lower-median position, the removal order visits
c, then alternately positions below and above c (below first when N is odd, above first
when N is even). Two options therefore first differ at the largest position ≤ c or the
smallest position > c where their step functions differ, whichever comes first in that order,
which a walk over the histograms' cumulative counts finds in O(G).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from functools import cmp_to_key
from itertools import accumulate
from typing import Any

from . import _arrays as arrays
from .base import (
    BallotError,
    Option,
    TallyResult,
    VotingMethod,
    ballot_body,
    corrupt,
    option_index,
    option_map,
    read_pairs,
    require_int,
)

__all__ = ["GRADE_LABELS", "MajorityJudgment", "compare_histograms", "lower_median"]

GRADE_LABELS = {
    6: ["à rejeter", "insuffisant", "passable", "assez bien", "bien", "très bien"],
    7: ["à rejeter", "insuffisant", "passable", "assez bien", "bien", "très bien", "excellent"],
}
MAX_GRADES = 20


def _grade_at(cumulative: list[int], position: int) -> int:
    """Grade at ``position`` of the ascending sorted grades (cumulative[g] = count ≤ g)."""
    return bisect_right(cumulative, position)


def lower_median(histogram: list[int]) -> int | None:
    total = sum(histogram)
    if total == 0:
        return None
    return _grade_at(list(accumulate(histogram)), (total - 1) // 2)


def compare_histograms(first: list[int], second: list[int]) -> int:
    """1 if ``first`` has the better majority value, -1 if ``second`` does, 0 if equal.

    Both histograms must count the same number of grades.
    """
    total = sum(first)
    if total != sum(second):
        raise ValueError("histograms of different sizes")
    if first == second or total == 0:
        return 0
    cum_a, cum_b = list(accumulate(first)), list(accumulate(second))
    centre = (total - 1) // 2
    odd = total % 2 == 1
    # Positions where either step function may change value.
    breaks = sorted({0, *cum_a[:-1], *cum_b[:-1]} - {total})
    starts = [b for b in breaks if b < total]
    intervals = [
        (lo, starts[k + 1] if k + 1 < len(starts) else total) for k, lo in enumerate(starts)
    ]

    best_step: int | None = None
    best_pos = 0
    # Lower side: the largest differing position p ≤ centre.
    for lo, hi in reversed(intervals):
        if lo > centre:
            continue
        p = min(hi - 1, centre)
        if _grade_at(cum_a, p) != _grade_at(cum_b, p):
            i = centre - p
            best_step = (0 if i == 0 else 2 * i - 1) if odd else 2 * i
            best_pos = p
            break
    # Upper side: the smallest differing position p > centre.
    for lo, hi in intervals:
        if hi - 1 <= centre:
            continue
        p = max(lo, centre + 1)
        if _grade_at(cum_a, p) != _grade_at(cum_b, p):
            i = p - centre
            step = 2 * i if odd else 2 * i - 1
            if best_step is None or step < best_step:
                best_step, best_pos = step, p
            break
    if best_step is None:  # pragma: no cover - unequal histograms always differ somewhere
        return 0
    grade_a, grade_b = _grade_at(cum_a, best_pos), _grade_at(cum_b, best_pos)
    return 1 if grade_a > grade_b else -1


class MajorityJudgment(VotingMethod):
    name = "majority_judgment"
    label = "Majority judgment"
    settings_fields = {"grades": (int, 6)}

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        if not 2 <= settings["grades"] <= MAX_GRADES:
            raise BallotError(f"The setting grades must be between 2 and {MAX_GRADES}.", "grades")
        return settings

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        settings = self._settings(settings, options)
        top = settings["grades"] - 1
        given = option_map(
            ballot_body(ballot, "grades"), option_index(options), "grades", "The grades"
        )
        out: dict[str, int] = {}
        for option in options:
            if option.id not in given:
                raise BallotError(f"Option {option.id} has no grade; grade every option.", "grades")
            value = require_int(given[option.id], "grades", f"The grade of option {option.id}")
            if not 0 <= value <= top:
                raise BallotError(
                    f"The grade of option {option.id} must be between 0 and {top}.", "grades"
                )
            out[str(option.id)] = value
        return {"grades": out}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        settings = self._settings(settings, options)
        levels = settings["grades"]
        bodies, counts = read_pairs(ballots)
        maps = arrays.bodies_of(bodies, "grades")
        columns, values, weights = arrays.flatten_maps(
            maps, arrays.counts_array(counts), arrays.id_lookup(options)
        )
        grades = arrays.int_values(values, 0, levels - 1)
        m = len(options)
        flat = arrays.weighted_bincount(columns * levels + grades, weights, m * levels)
        total = sum(counts)
        histograms = {o.id: flat[j * levels : (j + 1) * levels] for j, o in enumerate(options)}
        if any(sum(h) != total for h in histograms.values()):
            raise corrupt()  # some stored ballot does not grade every option

        def order(a: int, b: int) -> int:
            return compare_histograms(histograms[a], histograms[b])

        ids = sorted(histograms, key=cmp_to_key(order), reverse=True)
        ranking: list[list[int]] = []
        for option_id in ids:
            if ranking and order(ranking[-1][0], option_id) == 0:
                ranking[-1].append(option_id)
            else:
                ranking.append([option_id])
        ranking = [sorted(group) for group in ranking]
        medians = {o: lower_median(h) for o, h in histograms.items()}
        gauge = {}
        for option_id, histogram in histograms.items():
            median = medians[option_id]
            if median is None:
                gauge[str(option_id)] = {"above": 0, "below": 0}
            else:
                gauge[str(option_id)] = {
                    "above": sum(histogram[median + 1 :]),
                    "below": sum(histogram[:median]),
                }
        details = {
            "grades": levels,
            "grade_labels": GRADE_LABELS.get(levels),
            "histograms": {str(o): h for o, h in histograms.items()},
            "medians": {str(o): m for o, m in medians.items()},
            "gauge": gauge,
        }
        scores = {o: float(m) if m is not None else 0.0 for o, m in medians.items()}
        winners = list(ranking[0]) if ranking and total > 0 else []
        return TallyResult(self.name, winners, ranking, scores, None, total, details)
