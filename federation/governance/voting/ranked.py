"""Schulze method (Schulze 2011), winning votes, vectorised with numpy.

Canonical ballot: ``{"ranking": [[ids], [ids], …]}`` — groups best first, ids ascending in
each group, and *complete*: the options a voter left out form a final group (they are ranked
last, tied), so two ballots expressing the same preferences are identical.

Tally: the distinct ballots become a rank matrix R (ballots × options, the group index of each
option) and a count vector w; d[i][j] = Σ w·[R[:, i] < R[:, j]] (voters strictly preferring i
to j). Link strength is measured by winning votes with the 2011 refinement: a link i→j exists
when d[i][j] > d[j][i]; links compare on d[i][j] first and then on a *smaller* d[j][i]
(encoded exactly as the integer d[i][j]·(N+1) + N − d[j][i]). Strongest paths come from the
Floyd–Warshall widest-path recurrence. i beats j when p[i][j] > p[j][i]; this relation is a
strict partial order, and ``ranking`` lists its successive layers of unbeaten options (the
first layer is the Schulze winner set). Ties (equal strengths both ways) stay grouped.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
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

__all__ = ["Schulze", "pairwise_matrix", "rank_matrix", "schulze_from_pairwise"]


def rank_matrix(rankings: list[Any], lookup: dict[Any, int], m: int) -> np.ndarray:
    """Rank matrix of grouped rankings: R[b, j] = group index of option j in ballot b.

    Options missing from a ballot get the index one past its last group (ranked last, tied).
    """
    n = len(rankings)
    try:
        group_counts = np.fromiter(map(len, rankings), dtype=np.int64, count=n)
        groups = list(chain.from_iterable(rankings))
        group_sizes = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
        columns = np.fromiter(
            map(lookup.__getitem__, chain.from_iterable(groups)),
            dtype=np.intp,
            count=int(group_sizes.sum()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise corrupt(error) from error
    dtype = np.int16 if m < 30_000 else np.int64
    ranks = np.repeat(group_counts.astype(dtype), m).reshape(n, m)
    if columns.size:
        group_starts = np.cumsum(group_counts) - group_counts
        ballot_of_group = np.repeat(np.arange(n), group_counts)
        index_in_ballot = np.arange(len(groups)) - np.repeat(group_starts, group_counts)
        if columns.size == len(groups) and group_sizes.min() == 1:  # strict: no ties at all
            ranks[ballot_of_group, columns] = index_in_ballot
        else:
            ranks[np.repeat(ballot_of_group, group_sizes), columns] = np.repeat(
                index_in_ballot, group_sizes
            )
    return ranks


def pairwise_matrix(ranks: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """d[i][j] = total weight of ballots ranking i strictly above j (exact int64)."""
    n, m = ranks.shape
    d = np.zeros((m, m), dtype=np.int64)
    if n == 0:
        return d
    if int(counts.sum()) < 2**53:  # float64 sums of whole numbers are exact below 2**53
        weights = counts.astype(np.float64)
        for i in range(m):
            d[i] = np.rint(np.einsum("n,nj->j", weights, ranks[:, i : i + 1] < ranks))
    else:  # pragma: no cover - astronomically many voters
        for i in range(m):
            d[i] = ((ranks[:, i : i + 1] < ranks) * counts[:, None]).sum(axis=0)
    return d


def schulze_from_pairwise(d: np.ndarray, total: int) -> tuple[np.ndarray, list[list[int]]]:
    """Strongest-path matrix (encoded winning votes) and the layered ranking (column indices)."""
    m = d.shape[0]
    base = total + 1
    use_int64 = base * base < 2**62
    dt = np.int64 if use_int64 else object
    d_ = d.astype(dt)
    link = d_ > d_.T
    p = np.where(link, d_ * base + (total - d_.T), 0).astype(dt)
    for k in range(m):
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    beats = p > p.T
    remaining = list(range(m))
    layers: list[list[int]] = []
    while remaining:
        layer = [j for j in remaining if not any(beats[i, j] for i in remaining)]
        if not layer:  # pragma: no cover - the Schulze relation is acyclic
            layer = list(remaining)
        layers.append(layer)
        remaining = [j for j in remaining if j not in layer]
    return p, layers


class Schulze(VotingMethod):
    name = "schulze"
    label = "Schulze method"
    settings_fields = {}

    def validate_ballot(self, ballot: Any, options: list[Option], settings: dict) -> Any:
        self._settings(settings, options)
        known = option_index(options)
        items = require_list(ballot_body(ballot, "ranking"), "ranking", "The ranking")
        seen: set[int] = set()
        groups: list[list[int]] = []
        for item in items:
            members = item if isinstance(item, (list, tuple)) else [item]
            group = []
            for member in members:
                option_id = parse_option_id(member, known, "ranking")
                if option_id in seen:
                    raise BallotError(f"Option {option_id} is ranked twice.", "ranking")
                seen.add(option_id)
                group.append(option_id)
            if group:
                groups.append(sorted(group))
        rest = sorted(option.id for option in options if option.id not in seen)
        if rest:
            groups.append(rest)
        return {"ranking": groups}

    def tally(
        self, ballots: Iterable[tuple[Any, int]], options: list[Option], settings: dict
    ) -> TallyResult:
        self._settings(settings, options)
        bodies, counts = read_pairs(ballots)
        rankings = arrays.bodies_of(bodies, "ranking")
        m = len(options)
        lookup = arrays.id_lookup(options)
        counts_np = arrays.counts_array(counts)
        total = sum(counts)
        ranks = rank_matrix(rankings, lookup, m)
        d = pairwise_matrix(ranks, counts_np)
        p, layers = schulze_from_pairwise(d, total)
        ids = [o.id for o in options]
        ranking = [sorted(ids[j] for j in layer) for layer in layers]
        base = total + 1
        beats = p > p.T
        scores = {ids[i]: float(int(beats[i].sum())) for i in range(m)}
        details = {
            "pairwise": {
                str(ids[i]): {str(ids[j]): int(d[i, j]) for j in range(m) if j != i}
                for i in range(m)
            },
            "strongest_paths": {
                str(ids[i]): {str(ids[j]): int(p[i, j]) // base for j in range(m) if j != i}
                for i in range(m)
            },
            "strongest_paths_opposition": {
                str(ids[i]): {
                    str(ids[j]): (total - int(p[i, j]) % base) if int(p[i, j]) else 0
                    for j in range(m)
                    if j != i
                }
                for i in range(m)
            },
            "strength": "winning votes",
        }
        winners = list(ranking[0]) if ranking and total > 0 else []
        return TallyResult(self.name, winners, ranking, scores, None, total, details)
