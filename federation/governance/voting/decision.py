"""Decision methods on a single proposal: majority (with a threshold), consent, advice.

They use no options: ``winners`` and ``ranking`` are empty and ``scores`` is empty; the
counts are in ``details``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, ClassVar

from .base import (
    BallotError,
    Option,
    TallyResult,
    VotingMethod,
    ballot_body,
    choice_word,
    corrupt,
    describe,
    read_pairs,
)

__all__ = ["Advice", "Consent", "Majority", "parse_threshold"]


_THRESHOLD = re.compile(r"\s*([0-9]{1,9})\s*(?:/\s*([0-9]{1,9})\s*)?")


def parse_threshold(value: Any) -> Fraction:
    """A threshold written ``"p/q"`` (or a whole ``"1"``) between 1/2 and 1 inclusive."""
    match = _THRESHOLD.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise BallotError(
            f"The threshold must be a fraction such as '1/2' or '2/3', not {describe(value)}.",
            "threshold",
        )
    numerator, denominator = int(match[1]), int(match[2] or 1)
    if denominator == 0:
        raise BallotError("The threshold's denominator must not be zero.", "threshold")
    share = Fraction(numerator, denominator)
    if not Fraction(1, 2) <= share <= 1:
        raise BallotError("The threshold must be between 1/2 and 1.", "threshold")
    return share


class _CountingMethod(VotingMethod):
    """A ballot is one word among ``answers`` under ``key``; the tally counts words."""

    uses_options: ClassVar[bool] = False
    key: ClassVar[str]
    answers: ClassVar[tuple[str, ...]]

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        word = choice_word(ballot_body(ballot, self.key), self.answers, self.key, f"The {self.key}")
        return {self.key: word}

    def _count(self, ballots: Iterable[tuple[Any, int]]) -> tuple[dict[str, int], int]:
        bodies, counts = read_pairs(ballots)
        totals = dict.fromkeys(self.answers, 0)
        key = self.key
        try:
            for body, count in zip(bodies, counts, strict=True):
                totals[body[key]] += count
        except (KeyError, TypeError, IndexError) as error:
            raise corrupt(error) from error
        if len(totals) != len(self.answers):
            raise corrupt()
        return totals, sum(counts)


class Majority(_CountingMethod):
    """Yes / no / abstain against a threshold share of the yes+no votes.

    ``threshold`` "1/2" means *strictly more than* half of yes+no; any other threshold
    (e.g. "2/3", "3/5") means *at least* that share. Abstentions are counted but are not part of
    the share. With no yes and no no votes the proposal is not adopted.
    """

    name = "majority"
    label = "Majority vote"
    key = "choice"
    answers = ("yes", "no", "abstain")
    settings_fields = {"threshold": (str, "1/2")}

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        share = parse_threshold(settings["threshold"])
        settings["threshold"] = f"{share.numerator}/{share.denominator}"
        return settings

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        settings = self._settings(settings, options)
        share = parse_threshold(settings["threshold"])
        totals, total = self._count(ballots)
        yes, no = totals["yes"], totals["no"]
        expressed = yes + no
        if expressed == 0:
            adopted = False
        elif share == Fraction(1, 2):
            adopted = 2 * yes > expressed
        else:
            adopted = yes * share.denominator >= share.numerator * expressed
        details = {
            "counts": totals,
            "threshold": settings["threshold"],
            "expressed": expressed,
            "yes_share": (yes / expressed) if expressed else None,
            "rule": "more than" if share == Fraction(1, 2) else "at least",
        }
        return TallyResult(self.name, [], [], {}, adopted, total, details)


class Consent(_CountingMethod):
    """Consent: adopted iff nobody objects (a withdrawn objection is a changed ballot)."""

    name = "consent"
    label = "Consent"
    key = "position"
    answers = ("consent", "stand_aside", "object")

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        self._settings(settings, options)
        totals, total = self._count(ballots)
        details = {"counts": totals, "objections": totals["object"]}
        return TallyResult(self.name, [], [], {}, totals["object"] == 0, total, details)


class Advice(_CountingMethod):
    """Advice: a consultation, never binding; the counts are the result."""

    name = "advice"
    label = "Advice"
    binding = False
    key = "position"
    answers = ("agree", "disagree", "abstain")

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        self._settings(settings, options)
        totals, total = self._count(ballots)
        return TallyResult(self.name, [], [], {}, None, total, {"counts": totals})
