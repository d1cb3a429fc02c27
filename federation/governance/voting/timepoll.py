"""Time poll: for each proposed slot, answer yes, maybe or no.

Canonical ballot: ``{"availability": {"<id>": "yes"|"maybe"|"no", …}}`` with every option
present (an option left out is "no"). Options rank by the number of "yes", then of "maybe";
the headline score is the number of "yes".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from federation.lazy import lazy_module

from . import _arrays as arrays
from .base import (
    Option,
    TallyResult,
    VotingMethod,
    ballot_body,
    choice_word,
    corrupt,
    option_index,
    option_map,
    read_pairs,
)
from .cardinal import ranked_result

np = lazy_module("numpy")  # imported by the first computation, not at start-up

__all__ = ["TimePoll"]

ANSWERS = ("yes", "maybe", "no")
_CODE = {answer: code for code, answer in enumerate(ANSWERS)}


class TimePoll(VotingMethod):
    name = "time_poll"
    label = "Time poll"
    settings_fields = {}

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        self._settings(settings, options)
        given = option_map(
            ballot_body(ballot, "availability"),
            option_index(options),
            "availability",
            "The availability",
        )
        out = {
            str(option.id): choice_word(
                given.get(option.id, "no"),
                ANSWERS,
                "availability",
                f"The answer for option {option.id}",
            )
            for option in options
        }
        return {"availability": out}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        self._settings(settings, options)
        bodies, counts = read_pairs(ballots)
        maps = arrays.bodies_of(bodies, "availability")
        columns, values, weights = arrays.flatten_maps(
            maps, arrays.counts_array(counts), arrays.id_lookup(options)
        )
        try:
            codes = np.fromiter(map(_CODE.__getitem__, values), dtype=np.intp, count=len(values))
        except (KeyError, TypeError) as error:
            raise corrupt(error) from error
        m = len(options)
        total = sum(counts)
        flat = arrays.weighted_bincount(columns * 3 + codes, weights, 3 * m)
        # "no" is whatever is not yes or maybe, so a ballot missing an option counts as no.
        per_option = {
            o.id: {
                "yes": flat[3 * j],
                "maybe": flat[3 * j + 1],
                "no": total - flat[3 * j] - flat[3 * j + 1],
            }
            for j, o in enumerate(options)
        }
        keys = [per_option[o.id]["yes"] * (total + 1) + per_option[o.id]["maybe"] for o in options]
        scores = {o.id: float(per_option[o.id]["yes"]) for o in options}
        details = {"counts": {str(k): v for k, v in per_option.items()}}
        return ranked_result(self.name, options, keys, scores, total, details)
