"""Single transferable vote with the weighted inclusive Gregory method, in exact arithmetic.

Canonical ballot: ``{"ranking": [ids]}`` — a strict order of at least one option, best first;
options left out are never transferred to (the ballot exhausts).

The count:

* quota (Droop) = floor(valid / (seats + 1)) + 1, valid = number of ballots;
* each round totals the continuing options. Every option at or above the quota is elected
  (most votes first); each one's surplus S over its total T moves on at the transfer value S/T
  applied to every ballot it holds (weighted inclusive Gregory), to each ballot's next
  continuing preference, or is exhausted;
* when nobody reaches the quota and more options continue than seats remain, the option with
  the fewest votes is excluded and its ballots move on at their current value;
* when no more options continue than seats remain, they are all elected.

Ties (exact equality of :class:`fractions.Fraction` totals):

* for exclusion, the tied option that had fewer votes at the most recent earlier round where
  the tied options' totals differed is excluded; if they were equal at every round, the one
  with the lowest option id is excluded;
* when more options reach the quota (or are left) than seats remain, they are taken by most
  votes, then by the same look-back, then the highest option id — the mirror of the exclusion
  rule, so the lower id always loses a complete tie.

Each tie so broken is recorded in ``details["tie_breaks"]``.

Implementation: every ballot's weight is one of a few exact *weight classes* (products of
transfer values), so a round is one integer ``bincount`` over (class, option) and a few
Fraction multiplications, and a transfer moves a numpy index pointer; the work per round is
O(distinct ballots) in numpy, with no per-ballot Fraction arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from functools import cmp_to_key
from typing import Any

from federation.lazy import lazy_module

from . import _arrays as arrays
from .base import (
    BallotError,
    Option,
    TallyResult,
    VotingMethod,
    ballot_body,
    corrupt,
    option_index,
    parse_option_id,
    read_pairs,
    require_list,
)

np = lazy_module("numpy")  # imported by the first computation, not at start-up

__all__ = ["STV", "droop_quota"]


def droop_quota(valid: int, seats: int) -> int:
    return valid // (seats + 1) + 1


def _as_float(value: Fraction) -> float:
    return round(float(value), 9)


class _Count:
    """The state of one STV count over the distinct ballots."""

    def __init__(self, prefs: np.ndarray, counts: np.ndarray, m: int):
        self.m = m
        self.prefs = prefs  # ballots × (max length + 1), option indices, padded with m
        self.counts = counts
        n = prefs.shape[0]
        self.rows = np.arange(n)
        self.pos = np.zeros(n, dtype=np.intp)
        self.weight_class = np.zeros(n, dtype=np.intp)
        self.class_values: list[Fraction] = [Fraction(1)]
        self.class_of_value: dict[Fraction, int] = {Fraction(1): 0}
        self.continuing = np.zeros(m + 1, dtype=bool)
        self.continuing[:m] = True
        self.current = prefs[:, 0].copy() if n else np.zeros(0, dtype=np.intp)

    def totals(self) -> tuple[list[Fraction], Fraction]:
        """Exact value held by each option (index m: exhausted)."""
        width = self.m + 1
        classes = len(self.class_values)
        buckets = np.zeros(classes * width, dtype=np.int64)
        if self.current.size:
            np.add.at(buckets, self.weight_class * width + self.current, self.counts)
        table = buckets.reshape(classes, width)
        out = [Fraction(0)] * width
        for k, value in enumerate(self.class_values):
            row = table[k]
            for j in np.flatnonzero(row):
                out[j] += value * int(row[j])
        return out[: self.m], out[self.m]

    def _advance(self, moving: np.ndarray) -> None:
        """Move ``moving`` ballots to their next continuing preference (or exhaust them)."""
        idx = moving
        while idx.size:
            self.pos[idx] += 1
            nxt = self.prefs[idx, self.pos[idx]]
            stuck = ~self.continuing[nxt] & (nxt != self.m)
            self.current[idx] = nxt
            idx = idx[stuck]

    def elect(self, j: int, total: Fraction, quota: int) -> Fraction | None:
        """Mark j elected and pass its surplus on; returns the transfer value used."""
        self.continuing[j] = False
        surplus = total - quota
        if surplus <= 0:
            return None
        factor = surplus / total
        holders = np.flatnonzero(self.current == j)
        if holders.size == 0:
            return factor
        old = self.weight_class[holders]
        remap = {}
        for k in np.unique(old).tolist():
            value = self.class_values[k] * factor
            if value not in self.class_of_value:
                self.class_of_value[value] = len(self.class_values)
                self.class_values.append(value)
            remap[k] = self.class_of_value[value]
        lookup = np.zeros(len(self.class_values), dtype=np.intp)
        for k, new in remap.items():
            lookup[k] = new
        self.weight_class[holders] = lookup[old]
        self._advance(holders)
        return factor

    def exclude(self, j: int) -> None:
        self.continuing[j] = False
        self._advance(np.flatnonzero(self.current == j))


class STV(VotingMethod):
    name = "stv"
    label = "Single transferable vote"
    min_options = 2
    settings_fields = {"seats": (int, 1)}

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        seats = settings["seats"]
        if not 1 <= seats < len(options):
            raise BallotError(
                f"The setting seats must be at least 1 and fewer than the {len(options)} options.",
                "seats",
            )
        return settings

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        self._settings(settings, options)
        known = option_index(options)
        items = require_list(ballot_body(ballot, "ranking"), "ranking", "The ranking")
        if not items:
            raise BallotError("Rank at least one option.", "ranking")
        order: list[int] = []
        seen: set[int] = set()
        for item in items:
            option_id = parse_option_id(item, known, "ranking")
            if option_id in seen:
                raise BallotError(f"Option {option_id} is ranked twice.", "ranking")
            seen.add(option_id)
            order.append(option_id)
        return {"ranking": order}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        settings = self._settings(settings, options)
        seats = settings["seats"]
        bodies, counts = read_pairs(ballots)
        rankings = arrays.bodies_of(bodies, "ranking")
        m = len(options)
        ids = [o.id for o in options]
        lengths, columns = arrays.flatten_lists(rankings, arrays.id_lookup(options))
        counts_np = arrays.counts_array(counts)
        keep = lengths > 0
        if not keep.all():  # an empty ranking is no vote at all; canonical ballots have none
            raise corrupt()
        n = len(rankings)
        width = int(lengths.max()) + 1 if n else 1
        prefs = np.full((n, width), m, dtype=np.intp)
        if columns.size:
            starts = np.cumsum(lengths) - lengths
            rows = np.repeat(np.arange(n), lengths)
            cols = np.arange(columns.size) - np.repeat(starts, lengths)
            prefs[rows, cols] = columns
        valid = sum(counts)
        quota = droop_quota(valid, seats)
        details: dict[str, Any] = {
            "seats": seats,
            "quota": quota,
            "valid": valid,
            "method": "weighted inclusive Gregory, Droop quota, exact fractions",
            "rounds": [],
            "tie_breaks": [],
        }
        if valid == 0:
            return TallyResult(
                self.name, [], [sorted(ids)], dict.fromkeys(ids, 0.0), None, 0, details
            )

        count = _Count(prefs, counts_np, m)
        history: list[list[Fraction]] = []
        elected: list[int] = []
        excluded: list[int] = []
        last_total: dict[int, Fraction] = {}
        continuing = set(range(m))

        def look_back(a: int, b: int) -> int:
            """-1 if a had fewer votes than b at the latest earlier round where they differed."""
            for past in reversed(history[:-1]):
                if past[a] != past[b]:
                    return -1 if past[a] < past[b] else 1
            return 0

        def tie_order(totals: list[Fraction]):
            """Ascending order (weakest first): total, look-back, then lower option id."""

            def compare(a: int, b: int) -> int:
                if totals[a] != totals[b]:
                    return -1 if totals[a] < totals[b] else 1
                back = look_back(a, b)
                if back:
                    return back
                return -1 if ids[a] < ids[b] else (1 if ids[a] > ids[b] else 0)

            return cmp_to_key(compare)

        def note_tie(kind: str, group: list[int], chosen: list[int], totals) -> None:
            details["tie_breaks"].append(
                {
                    "round": len(history),
                    "kind": kind,
                    "tied": sorted(ids[j] for j in group),
                    "chosen": [ids[j] for j in chosen],
                    "by": "earlier round"
                    if any(look_back(a, b) for a in group for b in group if a != b)
                    else "option id",
                }
            )

        def take_best(candidates: list[int], totals: list[Fraction], room: int) -> list[int]:
            ordered = sorted(candidates, key=tie_order(totals), reverse=True)
            chosen = ordered[:room]
            if len(ordered) > room:
                boundary = totals[chosen[-1]]
                tied = [j for j in ordered if totals[j] == boundary]
                if any(j not in chosen for j in tied):
                    note_tie("election", tied, [j for j in chosen if j in tied], totals)
            return chosen

        while len(elected) < seats:
            totals, exhausted = count.totals()
            history.append(totals)
            for j in continuing:
                last_total[j] = totals[j]
            record: dict[str, Any] = {
                "round": len(history),
                "totals": {str(ids[j]): _as_float(totals[j]) for j in sorted(continuing)},
                "exhausted": _as_float(exhausted),
                "elected": [],
                "excluded": [],
                "transfer_values": {},
            }
            details["rounds"].append(record)
            room = seats - len(elected)
            reached = [j for j in continuing if totals[j] >= quota]
            if reached:
                chosen = take_best(reached, totals, room)
                for j in chosen:
                    continuing.discard(j)
                    elected.append(j)
                    record["elected"].append(ids[j])
                if len(elected) >= seats:
                    break
                for j in chosen:  # none of this round's elected may receive a transfer
                    count.continuing[j] = False
                for j in chosen:
                    factor = count.elect(j, totals[j], quota)
                    if factor is not None:
                        record["transfer_values"][str(ids[j])] = _as_float(factor)
                continue
            if len(continuing) <= room:
                chosen = take_best(sorted(continuing), totals, room)
                for j in chosen:
                    continuing.discard(j)
                    elected.append(j)
                    record["elected"].append(ids[j])
                break
            ordered = sorted(continuing, key=tie_order(totals))
            loser = ordered[0]
            tied = [j for j in ordered if totals[j] == totals[loser]]
            if len(tied) > 1:
                note_tie("exclusion", tied, [loser], totals)
            continuing.discard(loser)
            excluded.append(loser)
            record["excluded"].append(ids[loser])
            count.exclude(loser)

        rest = sorted(continuing, key=tie_order(history[-1]), reverse=True)
        order = elected + rest + excluded[::-1]
        ranking = [[ids[j]] for j in order]
        scores = {ids[j]: _as_float(last_total.get(j, Fraction(0))) for j in range(m)}
        winners = [ids[j] for j in elected]
        return TallyResult(self.name, winners, ranking, scores, None, valid, details)
