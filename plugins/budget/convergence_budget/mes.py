"""The Method of Equal Shares, fast: floating-point runs whose every decision is certified,
and a completion that searches the raise instead of rerunning MES once per unit.

**Certified floating-point runs.** A run of MES at a per-voter budget is a sequence of
decisions: which projects are affordable, and which affordable project is the cheapest per
unit of utility. :class:`FastRuns` takes them in floating point (numpy, one array of budgets
per ballot group) and checks each one against a bound of the rounding error: when two
candidates are closer than that bound, or a project's supporters have within rounding
distance of its cost, the run is declared *uncertain* and redone in exact rationals by
:func:`convergence_budget.rules.mes`. So the projects chosen, and their order, are always
those of exact arithmetic; the floats only make the common case fast.

**Completion by search.** The add1 completion (equalshares.net, pabutools'
``exhaustion_by_budget_increase``) raises every voter's share by a step, ``share + k·step``
for k = 0, 1, 2…, and stops at the first k whose outcome is over the budget (keeping the
outcome of k-1) or, with ``stop_when_exhaustive``, exhaustive. Both tests depend only on
the *set* of funded projects. :func:`complete` walks k by galloping (k+1, k+2, k+4…) while
the set stays the one at k, then bisects to the first k where it changes, and tests that
outcome. Its premise: between two raises with the same funded set, the set does not change
(MES's choices move continuously with the share). The premise holds on every real pabulib
file we have (the tests compare it with the plain loop), but contrived small elections break
it (a set that changes and changes back within one jump: tests/plugins/budget/test_mes.py
shows one); ``Completion(method="scan")`` takes every raise (each a certified run) and has
no premise. :func:`linear_completion`, the plain loop in exact arithmetic, is the
reference the tests compare both with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import rules
from .rules import Election, Outcome, Q, to_fraction

#: relative margin of a decision over the rounding error bound
SLACK = 1e-9
EPS = float(np.finfo(np.float64).eps)


class Uncertain(Exception):
    """A decision of the floating-point run is within rounding distance: redo it exactly."""


class FastRuns:
    """Floating-point MES runs on one election (structures built once, per run O(work))."""

    def __init__(self, election: Election) -> None:
        self.e = election
        s = rules._structure(election)
        self.groups = len(s.mult)
        self.fmult = s.mult.astype(np.float64)
        self.idx: dict[str, np.ndarray] = {}
        self.w: dict[str, np.ndarray] = {}
        self.m: dict[str, np.ndarray] = {}
        self.cost: dict[str, float] = {}
        self.free: list[str] = []
        self.paying: list[str] = []
        min_weight = math.inf
        for project in s.projects:
            if not election.supporters[project]:
                continue
            if election.costs[project] <= 0:
                self.free.append(project)
                continue
            self.paying.append(project)
            self.idx[project] = s.idx[project]
            weights = s.fweights[project][s.widx[project]]
            self.w[project] = weights
            self.m[project] = self.fmult[s.idx[project]]
            self.cost[project] = s.fcosts[project]
            if len(weights):
                min_weight = min(min_weight, float(weights.min()))
        self.min_weight = min_weight if min_weight < math.inf else 1.0
        self.min_cost = min(self.cost.values(), default=1.0)
        self.tie = {p: election.tie_key(p) for p in self.paying}
        self.runs = 0
        self.exact_runs = 0

    def selected(self, per_voter: Any) -> list[str]:
        """The projects MES funds at ``per_voter``, in order (exact, see the module doc)."""
        self.runs += 1
        try:
            return self._float_run(float(per_voter))
        except Uncertain:
            self.exact_runs += 1
            return rules.mes(self.e, Q(to_fraction(per_voter))).selected

    def _float_run(self, b: float) -> list[str]:
        voters = self.e.voters
        if not voters or b <= 0:
            return list(self.free) if voters else []
        budgets = np.full(self.groups, b)
        # absolute bound on the rounding error of any sum of budgets (generous: every
        # budget is touched at most once per round, each time with one rounding)
        rounds = len(self.paying) + 1
        err = 8 * EPS * b * voters * rounds
        rho_err = 4 * err / (self.min_cost * self.min_weight) + 8 * EPS
        selected = list(self.free)
        last = dict.fromkeys(self.paying, 0.0)
        prices: dict[str, float] = {}
        while last:
            best = math.inf
            candidates: list[tuple[float, str]] = []
            for project in sorted(last, key=last.__getitem__):
                if last[project] > best * (1 + SLACK) + rho_err:
                    break
                found = self._price(project, budgets, err)
                if found is None:
                    del last[project]
                    continue
                rho, q = found
                prices[project] = q
                last[project] = rho
                best = min(best, rho)
                candidates.append((rho, project))
            if not candidates:
                break
            near = [p for rho, p in candidates if rho <= best * (1 + SLACK) + rho_err]
            if len(near) > 1:
                raise Uncertain
            project = near[0]
            del last[project]
            idx = self.idx[project]
            budgets[idx] = np.maximum(budgets[idx] - prices[project] * self.w[project], 0.0)
            selected.append(project)
        return selected

    def _price(self, project: str, budgets: np.ndarray, err: float) -> tuple[float, float] | None:
        cost = self.cost[project]
        have = budgets[self.idx[project]]
        counts = self.m[project]
        total = float(np.dot(have, counts))
        margin = SLACK * cost + err
        if total < cost - margin:
            return None
        if total <= cost + margin:
            raise Uncertain
        weights = self.w[project]
        order = np.argsort(have / weights, kind="stable")
        have, weights, counts = have[order], weights[order], counts[order]
        paid = np.concatenate(([0.0], np.cumsum(have * counts)[:-1]))
        denominator = np.cumsum((weights * counts)[::-1])[::-1]
        q = (cost - paid) / denominator
        fits = np.flatnonzero(q * weights <= have)
        value = float(q[fits[0]] if len(fits) else q[-1])
        return value / cost, value


@dataclass
class Completion:
    """How the shares are raised: by ``step`` per voter, or by ``percent`` of the budget
    (spread over the voters, pabutools' default is 1 %); from the equal share or its
    integral part; until exhaustive or only until over the budget."""

    step: Any = 1
    percent: Any = None
    integral: bool = True
    stop_when_exhaustive: bool = True
    max_runs: int = 100_000
    #: "search" (galloping + bisection, see the module doc) or "scan" (every raise, each a
    #: certified floating-point run: exact without the search's premise, slower)
    method: str = "search"

    def per_voter_step(self, election: Election) -> Any:
        if self.percent is not None:
            return election.budget * Q(to_fraction(self.percent)) / 100 / election.voters
        return Q(to_fraction(self.step))


@dataclass
class Searched:
    per_voter: Any
    selected: list[str]
    raises: int
    runs: int
    exact_runs: int
    truncated: bool = False
    trace: list[int] = field(default_factory=list)


def complete(
    election: Election,
    completion: Completion | None = None,
    *,
    runs: FastRuns | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Searched:
    """The share at which add1 stops, found by search (see the module docstring)."""
    completion = completion or Completion()
    runs = runs or FastRuns(election)
    budget = election.budget
    voters = election.voters
    equal = budget / voters if voters else Q(0)
    first = runs.selected(equal)
    if not voters or (completion.stop_when_exhaustive and election.is_exhaustive(first)):
        return Searched(equal, first, 0, runs.runs, runs.exact_runs)
    share = Q(math.floor(to_fraction(equal))) if completion.integral else equal
    step = completion.per_voter_step(election)
    if step <= 0:
        raise ValueError("the completion step must be positive")
    supported = frozenset(p for p in election.costs if election.supporters[p])
    cache: dict[int, list[str]] = {0: first}
    reached = [0]

    def share_at(k: int) -> Any:
        return equal if k == 0 else share + step * k

    def at(k: int) -> list[str]:
        found = cache.get(k)
        if found is None:
            if runs.runs >= completion.max_runs:
                raise _Truncated
            found = cache[k] = runs.selected(share_at(k))
            spent = election.cost_of(found)
            if progress is not None and spent <= budget and budget > 0:
                # how much of the budget the outcomes found so far spend, in thousandths
                reached[0] = max(reached[0], min(999, int(1000 * spent / budget)))
                progress(reached[0], 1000)
        return found

    def over(selected: list[str]) -> bool:
        return election.cost_of(selected) > budget

    def stops(selected: list[str]) -> bool:
        return over(selected) or (
            completion.stop_when_exhaustive and election.is_exhaustive(selected)
        )

    def found(k: int, truncated: bool = False) -> Searched:
        return Searched(share_at(k), at(k), k, runs.runs, runs.exact_runs, truncated)

    k, current = 0, first
    try:
        if completion.method == "scan":
            while not stops(current) and frozenset(current) != supported:
                candidate = at(k + 1)
                if over(candidate):
                    return found(k)
                k, current = k + 1, candidate
            return found(k)
        while True:
            kept = frozenset(current)
            if kept == supported:  # everything supported is funded: raising changes nothing
                return found(k)
            jump = 1
            while frozenset(at(k + jump)) == kept:
                k += jump
                jump *= 2
            low, high = k, k + jump
            while high - low > 1:
                middle = (low + high) // 2
                if frozenset(at(middle)) == kept:
                    low = middle
                else:
                    high = middle
            changed = at(high)
            if over(changed):
                return found(high - 1)
            if stops(changed):
                return found(high)
            k, current = high, changed
    except _Truncated:
        return found(k, truncated=True)


class _Truncated(Exception):
    pass


def linear_completion(election: Election, completion: Completion | None = None) -> Searched:
    """The plain add1 loop, one exact MES run per raise: the reference for the tests."""
    completion = completion or Completion()
    budget, voters = election.budget, election.voters
    equal = budget / voters if voters else Q(0)
    current, at = rules.mes(election, equal).selected, equal
    if not voters:
        return Searched(at, current, 0, 1, 1)
    share = Q(math.floor(to_fraction(equal))) if completion.integral else equal
    step = completion.per_voter_step(election)
    supported = {p for p in election.costs if election.supporters[p]}
    k = 0
    while not (completion.stop_when_exhaustive and election.is_exhaustive(current)):
        if set(current) == supported:
            break
        candidate = rules.mes(election, share + step * (k + 1)).selected
        if election.cost_of(candidate) > budget:
            break
        k += 1
        current, at = candidate, share + step * k
    return Searched(at, current, k, k + 1, k + 1)


def mes_with_completion(
    election: Election,
    completion: Completion | None = None,
    *,
    complete_with_greedy: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """MES completed by raising the shares (:func:`complete`), then, if asked, greedily;
    the outcome explains every project (one exact run at the share found)."""
    found = complete(election, completion, progress=progress)
    final = rules.mes(election, found.per_voter, explain=True)
    if final.selected != found.selected:  # pragma: no cover - the certified run guarantees it
        raise AssertionError("floating-point and exact runs disagree")
    final.rule = "mes_add1"
    final.iterations = found.raises
    final.truncated = found.truncated
    final.runs = found.runs
    if complete_with_greedy and not election.is_exhaustive(final.selected):
        filled = rules.greedy(election, already=final.selected, stage="greedy_completion")
        for project in filled.selected[len(final.selected) :]:
            final.details[project] = filled.details[project]
        final.selected = filled.selected
        final.spent = filled.spent
    return final
