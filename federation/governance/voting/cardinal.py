"""Cardinal methods: approval, score (range) voting and dot voting.

Canonical ballots:

* approval — ``{"approve": [ids ascending]}``;
* score — ``{"scores": {"<id>": n, …}}`` with *every* option present (an unscored option is 0);
* dot — ``{"points": {"<id>": n, …}}`` with only the options that received points (> 0).

With no ballot at all, every option is tied and ``winners`` is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from federation.lazy import lazy_module

from . import _arrays as arrays
from .base import (
    BallotError,
    Option,
    TallyResult,
    VotingMethod,
    ballot_body,
    group_by_key,
    option_index,
    option_map,
    parse_option_id,
    read_pairs,
    require_int,
    require_list,
)

np = lazy_module("numpy")  # imported by the first computation, not at start-up

__all__ = ["Approval", "Dot", "Score", "ranked_result"]

MAX_SCORE_LIMIT = 100
BUDGET_LIMIT = 1_000_000


def ranked_result(
    method: str,
    options: list[Option],
    keys: list[int],
    scores: dict[int, float],
    ballots: int,
    details: dict,
) -> TallyResult:
    """Result of a method that ranks options by an exact integer key (higher is better)."""
    ids = [option.id for option in options]
    ranking = group_by_key(keys, ids)
    winners = list(ranking[0]) if ranking and ballots > 0 else []
    return TallyResult(method, winners, ranking, scores, None, ballots, details)


class Approval(VotingMethod):
    """Approve any number of options (between ``min_choices`` and ``max_choices``)."""

    name = "approval"
    label = "Approval voting"
    settings_fields = {"min_choices": (int, 0), "max_choices": (int, None)}

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        count = len(options)
        if settings["max_choices"] is None:
            settings["max_choices"] = count
        low, high = settings["min_choices"], settings["max_choices"]
        if not 0 <= low <= count:
            raise BallotError(
                f"The setting min_choices must be between 0 and {count}.", "min_choices"
            )
        if not max(low, 1) <= high <= count:
            raise BallotError(
                f"The setting max_choices must be between {max(low, 1)} and {count}.", "max_choices"
            )
        return settings

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        settings = self._settings(settings, options)
        known = option_index(options)
        items = require_list(
            ballot_body(ballot, "approve"), "approve", "The list of approved options"
        )
        chosen: set[int] = set()
        for item in items:
            option_id = parse_option_id(item, known, "approve")
            if option_id in chosen:
                raise BallotError(f"Option {option_id} is approved twice.", "approve")
            chosen.add(option_id)
        low, high = settings["min_choices"], settings["max_choices"]
        if len(chosen) < low:
            raise BallotError(f"Approve at least {low} option(s).", "approve")
        if len(chosen) > high:
            raise BallotError(f"Approve at most {high} option(s).", "approve")
        return {"approve": sorted(chosen)}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        self._settings(settings, options)
        bodies, counts = read_pairs(ballots)
        lists = arrays.bodies_of(bodies, "approve")
        counts_np = arrays.counts_array(counts)
        lengths, columns = arrays.flatten_lists(lists, arrays.id_lookup(options))
        approvals = arrays.weighted_bincount(columns, np.repeat(counts_np, lengths), len(options))
        total = sum(counts)
        scores = {o.id: float(a) for o, a in zip(options, approvals, strict=True)}
        details = {"approvals": {str(o.id): a for o, a in zip(options, approvals, strict=True)}}
        return ranked_result(self.name, options, approvals, scores, total, details)


class Score(VotingMethod):
    """Give each option 0…``max_score``; the mean score decides (ties on exact sums)."""

    name = "score"
    label = "Score voting"
    settings_fields = {"max_score": (int, 5)}

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        if not 1 <= settings["max_score"] <= MAX_SCORE_LIMIT:
            raise BallotError(
                f"The setting max_score must be between 1 and {MAX_SCORE_LIMIT}.", "max_score"
            )
        return settings

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        settings = self._settings(settings, options)
        top = settings["max_score"]
        given = option_map(
            ballot_body(ballot, "scores"), option_index(options), "scores", "The scores"
        )
        out: dict[str, int] = {}
        for option in options:
            value = require_int(given.get(option.id, 0), "scores", f"The score of {option.id}")
            if not 0 <= value <= top:
                raise BallotError(
                    f"The score of option {option.id} must be between 0 and {top}.", "scores"
                )
            out[str(option.id)] = value
        return {"scores": out}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        settings = self._settings(settings, options)
        bodies, counts = read_pairs(ballots)
        maps = arrays.bodies_of(bodies, "scores")
        columns, values, weights = arrays.flatten_maps(
            maps, arrays.counts_array(counts), arrays.id_lookup(options)
        )
        points = arrays.int_values(values, 0, settings["max_score"])
        sums = arrays.weighted_bincount(columns, points * weights, len(options))
        total = sum(counts)
        scores = {o.id: (s / total if total else 0.0) for o, s in zip(options, sums, strict=True)}
        details = {
            "sums": {str(o.id): s for o, s in zip(options, sums, strict=True)},
            "max_score": settings["max_score"],
        }
        return ranked_result(self.name, options, sums, scores, total, details)


class Dot(VotingMethod):
    """Spread up to ``budget`` points over the options; total points decide."""

    name = "dot"
    label = "Dot voting"
    settings_fields = {"budget": (int, 10)}

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        if not 1 <= settings["budget"] <= BUDGET_LIMIT:
            raise BallotError(f"The setting budget must be between 1 and {BUDGET_LIMIT}.", "budget")
        return settings

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        settings = self._settings(settings, options)
        budget = settings["budget"]
        given = option_map(
            ballot_body(ballot, "points"), option_index(options), "points", "The points"
        )
        out: dict[str, int] = {}
        spent = 0
        for option_id, raw in sorted(given.items()):
            value = require_int(raw, "points", f"The points of option {option_id}")
            if value < 0:
                raise BallotError(f"The points of option {option_id} must be ≥ 0.", "points")
            if value > budget:
                raise BallotError(f"At most {budget} points can be given in all.", "points")
            spent += value
            if value:
                out[str(option_id)] = value
        if spent > budget:
            raise BallotError(
                f"Too many points: {spent} given, but at most {budget} can be given in all.",
                "points",
            )
        return {"points": out}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        settings = self._settings(settings, options)
        bodies, counts = read_pairs(ballots)
        maps = arrays.bodies_of(bodies, "points")
        columns, values, weights = arrays.flatten_maps(
            maps, arrays.counts_array(counts), arrays.id_lookup(options)
        )
        points = arrays.int_values(values, 0, settings["budget"])
        sums = arrays.weighted_bincount(columns, points * weights, len(options))
        total = sum(counts)
        scores = {o.id: float(s) for o, s in zip(options, sums, strict=True)}
        details = {
            "points": {str(o.id): s for o, s in zip(options, sums, strict=True)},
            "budget": settings["budget"],
        }
        return ranked_result(self.name, options, sums, scores, total, details)
