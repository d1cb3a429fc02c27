"""Shared vocabulary of the voting methods: options, ballot errors, results, the method ABC.

Everything in this package is pure: no database, no Flask, no I/O. A method validates one
ballot into its *canonical* JSON-serialisable form (so that identical choices serialise to
identical text and the database can group them), and tallies ``(canonical ballot, count)``
pairs in one pass.

Field names in :class:`BallotError` are the ballot's top-level key (``"choice"``,
``"scores"``, ``"ranking"``, …) or ``"ballot"`` when the ballot as a whole is malformed;
for settings they are the setting's name (or ``"options"`` when the option list itself is
unusable).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from numbers import Integral
from operator import itemgetter
from typing import Any, ClassVar

__all__ = [
    "BallotError",
    "Option",
    "TallyResult",
    "VotingMethod",
]

# A decimal integer as a web form sends it; bounded so int() never meets Python's digit limit.
_DECIMAL = re.compile(r"-?[0-9]{1,18}")


@dataclass(frozen=True)
class Option:
    id: int
    label: str


class BallotError(ValueError):
    """A ballot (or a setting) that cannot be accepted; ``field`` names where the fault is."""

    def __init__(self, message: str, field: str = "ballot"):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


@dataclass
class TallyResult:
    method: str
    winners: list[int]
    ranking: list[list[int]]
    scores: dict[int, float]
    adopted: bool | None
    ballots: int
    details: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Parsing helpers: each one turns arbitrary input into a clean value or raises BallotError.
# ---------------------------------------------------------------------------------------------


def describe(value: Any) -> str:
    """A short, safe description of a bad value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 24 else text[:21] + "…"
    if isinstance(value, str):
        return repr(value if len(value) <= 24 else value[:21] + "…")
    return f"a {type(value).__name__}"


def parse_int(value: Any) -> int | None:
    """An int from an int (never a bool) or a decimal string; None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = int(value)
        # "03", "-0" and the like are not how a form writes a number: refuse them.
        if str(number) == value:
            return number
    return None


def require_int(value: Any, field: str, what: str) -> int:
    number = parse_int(value)
    if number is None:
        raise BallotError(f"{what} must be a whole number, not {describe(value)}.", field)
    return number


def require_mapping(value: Any, field: str, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise BallotError(f"{what} must be an object, not {describe(value)}.", field)
    return value


def require_list(value: Any, field: str, what: str) -> list | tuple:
    if not isinstance(value, (list, tuple)):
        raise BallotError(f"{what} must be a list, not {describe(value)}.", field)
    return value


def ballot_body(ballot: Any, key: str) -> Any:
    """The value under the single allowed top-level ``key`` of a ballot object."""
    if not isinstance(ballot, Mapping):
        raise BallotError(
            f"The ballot must be an object with the key {key!r}, not {describe(ballot)}."
        )
    extra = [k for k in ballot if k != key]
    if extra:
        names = ", ".join(describe(k) for k in extra[:3])
        raise BallotError(f"Unexpected key(s) in the ballot: {names}; only {key!r} is allowed.")
    if key not in ballot:
        raise BallotError(f"The ballot has no {key!r}.", key)
    return ballot[key]


def option_index(options: list[Option]) -> dict[int, int]:
    """Option id -> position in ``options``."""
    return {option.id: position for position, option in enumerate(options)}


def parse_option_id(value: Any, known: Mapping[int, int], field: str) -> int:
    """An option id (int or decimal string) that is one of ``known``."""
    number = parse_int(value)
    if number is None:
        raise BallotError(f"Not an option id: {describe(value)}.", field)
    if number not in known:
        raise BallotError(f"Option {number} is not one of this vote's options.", field)
    return number


def choice_word(value: Any, allowed: tuple[str, ...], field: str, what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        words = ", ".join(repr(a) for a in allowed)
        raise BallotError(f"{what} must be one of {words}, not {describe(value)}.", field)
    return value


def option_map(value: Any, known: Mapping[int, int], field: str, what: str) -> dict[int, Any]:
    """A mapping keyed by option ids (ints or decimal strings), with no id given twice."""
    mapping = require_mapping(value, field, what)
    out: dict[int, Any] = {}
    for key, item in mapping.items():
        option_id = parse_option_id(key, known, field)
        if option_id in out:
            raise BallotError(f"Option {option_id} is given twice.", field)
        out[option_id] = item
    return out


def group_by_key(keys: list[int], items: list[int]) -> list[list[int]]:
    """``items`` grouped by equal ``keys``, best (highest key) first; ids sorted in a group."""
    groups: dict[int, list[int]] = {}
    for key, item in zip(keys, items, strict=True):
        groups.setdefault(key, []).append(item)
    return [sorted(groups[key]) for key in sorted(groups, reverse=True)]


# ---------------------------------------------------------------------------------------------
# The method interface
# ---------------------------------------------------------------------------------------------


class VotingMethod(ABC):
    """One way to vote. Instances are stateless; settings travel with each call."""

    name: ClassVar[str]
    label: ClassVar[str] = ""
    binding: ClassVar[bool] = True
    #: Does the method choose among options (``False`` for majority/consent/advice)?
    uses_options: ClassVar[bool] = True
    #: Fewest options the method accepts when it uses options.
    min_options: ClassVar[int] = 1
    settings_fields: ClassVar[dict[str, tuple[type, Any]]] = {}

    # -- settings -------------------------------------------------------------------------------

    def validate_settings(self, settings: dict | None, options: list[Option]) -> dict:
        """Complete settings (defaults filled in); BallotError(field=setting) on bad ones."""
        if settings is None:
            settings = {}
        if not isinstance(settings, Mapping):
            raise BallotError(f"Settings must be an object, not {describe(settings)}.", "settings")
        unknown = [k for k in settings if k not in self.settings_fields]
        if unknown:
            raise BallotError(
                f"Unknown setting {describe(unknown[0])} for {self.name}.",
                unknown[0] if isinstance(unknown[0], str) else "settings",
            )
        self._check_options(options)
        out: dict[str, Any] = {}
        for key, (kind, default) in self.settings_fields.items():
            value = settings.get(key)
            if value is None:  # absent, or left empty in a form: the default
                value = default
            if value is None:
                out[key] = None
            elif kind is int:
                out[key] = require_int(value, key, f"The setting {key!r}")
            elif kind is str:
                if not isinstance(value, str):
                    raise BallotError(
                        f"The setting {key!r} must be text, not {describe(value)}.", key
                    )
                out[key] = value
            else:  # pragma: no cover - no other kinds are declared
                out[key] = value
        return self._check_settings(out, options)

    def _check_options(self, options: Any) -> None:
        if not isinstance(options, (list, tuple)):
            raise BallotError("The options must be a list.", "options")
        seen: set[int] = set()
        for option in options:
            option_id = getattr(option, "id", None)
            if not isinstance(option_id, int) or isinstance(option_id, bool):
                raise BallotError("Every option needs a whole-number id.", "options")
            if option_id in seen:
                raise BallotError(f"Option id {option_id} appears twice.", "options")
            seen.add(option_id)
        if self.uses_options and len(options) < self.min_options:
            raise BallotError(
                f"The {self.name} method needs at least {self.min_options} option(s).", "options"
            )

    def _check_settings(self, settings: dict, options: list[Option]) -> dict:
        """Method-specific checks on complete settings; returns them (possibly normalised)."""
        return settings

    def _settings(self, settings: dict | None, options: list[Option]) -> dict:
        return self.validate_settings(settings, options)

    # -- ballots and tallies ----------------------------------------------------------------------

    @abstractmethod
    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        """The canonical ballot (JSON-serialisable, sorted), or BallotError naming the field."""

    @abstractmethod
    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        """Count ``(canonical ballot, count)`` pairs in one pass."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def read_pairs(ballots: Iterable[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    """Split ``(ballot, count)`` pairs (one pass, at C speed); counts are whole numbers ≥ 0."""
    try:
        pairs = list(ballots)
        if not all(map((2).__eq__, map(len, pairs))):
            raise ValueError("not a pair")
        bodies = list(map(itemgetter(0), pairs))
        counts = list(map(itemgetter(1), pairs))
    except (TypeError, ValueError, KeyError) as error:
        raise BallotError("Ballots must be (ballot, count) pairs.") from error
    if not all(map(int.__instancecheck__, counts)) or any(map(bool.__instancecheck__, counts)):
        counts = [_whole_count(count) for count in counts]  # numpy integers are fine too
    if counts and min(counts) < 0:
        raise BallotError("A ballot count must not be negative.")
    return bodies, counts


def _whole_count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, Integral):
        raise BallotError(f"A ballot count must be a whole number, not {describe(count)}.")
    return int(count)


def corrupt(error: Exception | None = None) -> BallotError:
    """The error a tally raises on a stored ballot that is not canonical for its method."""
    return BallotError("A stored ballot does not match this vote's method or options.")
