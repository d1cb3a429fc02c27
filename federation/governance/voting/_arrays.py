"""Vectorised readers turning canonical ballots into numpy arrays (shared by the methods).

Every reader does a constant number of passes over the distinct ballots at C speed
(``map``/``chain`` and numpy), never a Python loop with per-ballot arithmetic. Any shape
mismatch in a stored ballot surfaces as :func:`corrupt` (a BallotError).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from federation.lazy import lazy_module

from .base import Option, corrupt

np = lazy_module("numpy")  # imported by the first computation, not at start-up

_READ_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError)


def id_lookup(options: Sequence[Option]) -> dict[Any, int]:
    """Option id (as int and as str, the JSON key form) -> column index."""
    lookup: dict[Any, int] = {}
    for position, option in enumerate(options):
        lookup[option.id] = position
        lookup[str(option.id)] = position
    return lookup


def bodies_of(bodies: list[Any], key: str) -> list[Any]:
    try:
        return list(map(itemgetter(key), bodies))
    except _READ_ERRORS as error:
        raise corrupt(error) from error


def flatten_maps(
    maps: list[Any], counts: np.ndarray, lookup: dict[Any, int]
) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """For ballots ``{option: value}``: column index, value and weight of every entry."""
    try:
        lengths = np.fromiter(map(len, maps), dtype=np.int64, count=len(maps))
        columns = np.fromiter(
            map(lookup.__getitem__, chain.from_iterable(maps)),
            dtype=np.intp,
            count=int(lengths.sum()),
        )
        values = list(chain.from_iterable(map(dict.values, maps)))
    except _READ_ERRORS as error:
        raise corrupt(error) from error
    if len(values) != len(columns):
        raise corrupt()
    return columns, values, np.repeat(counts, lengths)


def int_values(values: list[Any], low: int, high: int | None) -> np.ndarray:
    """Integer values checked to lie in [low, high] (high=None: no upper bound)."""
    try:
        array = np.fromiter(values, dtype=np.int64, count=len(values))
    except _READ_ERRORS as error:
        raise corrupt(error) from error
    if array.size and (array.min() < low or (high is not None and array.max() > high)):
        raise corrupt()
    return array


def flatten_lists(lists: list[Any], lookup: dict[Any, int]) -> tuple[np.ndarray, np.ndarray]:
    """For ballots that are lists of option ids: lengths per ballot and column of each entry."""
    try:
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        columns = np.fromiter(
            map(lookup.__getitem__, chain.from_iterable(lists)),
            dtype=np.intp,
            count=int(lengths.sum()),
        )
    except _READ_ERRORS as error:
        raise corrupt(error) from error
    return lengths, columns


def weighted_bincount(columns: np.ndarray, weights: np.ndarray, size: int) -> list[int]:
    """Exact integer sums of integer ``weights`` per column."""
    sums = np.zeros(size, dtype=np.int64)
    if columns.size:
        np.add.at(sums, columns, weights.astype(np.int64, copy=False))
    return [int(x) for x in sums]


def counts_array(counts: list[int]) -> np.ndarray:
    return np.asarray(counts, dtype=np.int64).reshape(len(counts))
