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

**Completion by certified jumps.** The add1 completion (equalshares.net, pabutools'
``exhaustion_by_budget_increase``) raises every voter's share by a step, ``share + k·step``
for k = 0, 1, 2…, and stops at the first k whose outcome is over the budget (keeping the
outcome of k-1) or, with ``stop_when_exhaustive``, exhaustive. :func:`complete` gives
exactly the plain loop's answer (:func:`linear_completion`, one exact run per raise, is the
reference of the tests) while skipping most raises, thanks to one fact: *as long as MES
buys the same projects in the same order, every voter's remaining money is a
non-decreasing function of the share and every project's price a non-increasing one* (by
induction on the rounds: the payment per unit of weight solving
``Σ min(budget, q·weight) = cost`` falls when the budgets rise, and what a supporter keeps,
``max(0, budget - q·weight)``, rises). So if, at a larger share ``hi``, every project that
the run at ``lo`` did not buy in a round is priced above the price the bought one had at
``lo`` (or its money falls short at ``hi``), and at the end every project left is still
unaffordable at ``hi``, then MES buys the same projects in the same order at *every* share
between ``lo`` and ``hi``: none of the raises in between can stop the loop. The guided run
that checks this (:meth:`FastRuns.certify`, about the cost of one run, less when it fails
early) lets :func:`complete` gallop (jumps of 2, 4, 8… raises while certified, halved when
not) and take raises one by one where the order of purchase changes. ``method="scan"``
takes every raise (each a certified floating-point run). No cap is silent: past
``max_runs`` runs the outcome says ``truncated``.
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
_sum = np.add.reduce
_min = np.minimum.reduce
try:  # np.count_nonzero without its Python wrapper (same count)
    from numpy._core.multiarray import count_nonzero as _count_nonzero
except ImportError:  # pragma: no cover - other numpy layouts

    def _count_nonzero(a: np.ndarray) -> int:
        return int(np.count_nonzero(a))


class Uncertain(Exception):
    """A decision of the floating-point run is within rounding distance: redo it exactly."""


#: one run's decisions: the paying projects bought, in order, each with an upper bound of
#: its exact price per unit of cost (ρ) at that run's share, and W > 0 when that price was
#: certified to be exactly 1 / W (W: the total weight of its supporters whose money is not
#: exactly spent, none of them short), else 0
Trace = list[tuple[str, float, float]]


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
        self.wm: dict[str, np.ndarray] = {}
        self.wsum: dict[str, float] = {}
        self.unit: dict[str, bool] = {}
        self.integral: dict[str, bool] = {}
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
            self.wm[project] = weights * self.m[project]
            self.wsum[project] = float(self.wm[project].sum())
            self.unit[project] = bool(np.all(weights == 1.0))
            # integral weights: the total weight is an exact integer in floating point
            self.integral[project] = bool(np.all(weights == np.round(weights)))
            self.cost[project] = s.fcosts[project]
            if len(weights):
                min_weight = min(min_weight, float(weights.min()))
        self.min_weight = min_weight if min_weight < math.inf else 1.0
        self.min_cost = min(self.cost.values(), default=1.0)
        self.tie = {p: election.tie_key(p) for p in self.paying}
        self._project = {
            p: (
                self.cost[p],
                self.idx[p],
                self.m[p],
                self.w[p],
                self.wm[p],
                self.wsum[p],
                self.unit[p],
                self.integral[p],
            )
            for p in self.paying
        }
        # projects with the same cost and the same supporters (same weights) have the same
        # price at every share: between them only the tie-breaking decides
        twins: dict[tuple, list[str]] = {}
        for project in self.paying:
            key = (
                election.costs[project],
                s.idx[project].tobytes(),
                self.w[project].tobytes(),
            )
            twins.setdefault(key, []).append(project)
        self.twin = {p: id(group) for group in twins.values() for p in group}
        self.runs = 0
        self.exact_runs = 0
        self.certificates = 0
        self.failed_certificates = 0

    def selected(self, per_voter: Any) -> list[str]:
        """The projects MES funds at ``per_voter``, in order (exact, see the module doc)."""
        return self.traced(per_voter)[0]

    def traced(self, per_voter: Any) -> tuple[list[str], Trace | None]:
        """:meth:`selected` and the run's trace (None when the run had to be exact)."""
        self.runs += 1
        try:
            trace = self._run(float(per_voter))
        except Uncertain:
            self.exact_runs += 1
            return rules.mes(self.e, Q(to_fraction(per_voter))).selected, None
        return self.free + [p for p, _rho, _exact in trace], trace

    def certify(self, per_voter: Any, guide: Trace) -> Trace | None:
        """The trace at ``per_voter`` when MES is proven to buy the same projects in the same
        order at every share between the one ``guide`` was traced at and ``per_voter``
        (above it); None when the proof fails (see the module docstring)."""
        self.runs += 1
        self.certificates += 1
        try:
            return self._run(float(per_voter), guide)
        except Uncertain:
            self.failed_certificates += 1
            return None

    def _errors(self, b: float) -> tuple[float, float]:
        # absolute bounds of the rounding error of any sum of budgets (generous: every
        # budget is touched at most once per round, each time with one rounding), and of
        # a price per unit of cost
        rounds = len(self.paying) + 1
        err = 8 * EPS * b * self.e.voters * rounds
        return err, 4 * err / (self.min_cost * self.min_weight) + 8 * EPS

    def _run(self, b: float, guide: Trace | None = None) -> Trace:
        """One run at the share ``b``; with ``guide`` (the trace at a smaller share), the
        certificate of the interval between the two shares."""
        if not self.e.voters or b <= 0:
            if guide:
                raise Uncertain
            return []
        budgets = np.full(self.groups, b)
        #: voters whose money is exactly spent (they paid all they had, surely)
        self._zero = np.zeros(self.groups, dtype=bool)
        err, rho_err = self._errors(b)
        last = dict.fromkeys(self.paying, 0.0)
        trace: Trace = []
        if guide is not None:
            for chosen, bound, exact in guide:
                rho, q, _exact = self._guided_round(
                    chosen, bound, exact, budgets, last, err, rho_err
                )
                self._buy(chosen, q, budgets, err)
                del last[chosen]
                trace.append((chosen, rho + rho_err, _exact))
            # what the smaller share left unaffordable stays so up to this one
            for project in last:
                if (
                    self._money(project, budgets)
                    >= self.cost[project] - SLACK * self.cost[project] - err
                ):
                    raise Uncertain
            return trace
        return self._rounds(budgets, last, trace, err, rho_err)

    def _rounds(
        self,
        budgets: np.ndarray,
        last: dict[str, float],
        trace: Trace,
        err: float,
        rho_err: float,
    ) -> Trace:
        """The rounds of an ordinary run, from the state given."""
        prices: dict[str, float] = {}
        exact: dict[str, float] = {}
        while last:
            best = math.inf
            threshold = math.inf  # above it, a project is surely not the round's best
            candidates: list[tuple[float, str]] = []
            for project in sorted(last, key=last.__getitem__):
                if last[project] > threshold:
                    break
                found = self._price(project, budgets, err)
                if found is None:
                    del last[project]
                    continue
                rho, q, exact[project] = found
                prices[project] = q
                last[project] = rho
                candidates.append((rho, project))
                if rho < best:
                    best = rho
                    threshold = best * (1 + SLACK) + 2 * rho_err
            if not candidates:
                break
            near = [p for rho, p in candidates if rho <= threshold]
            project = min(near, key=self.tie.__getitem__)
            if len(near) > 1 and len({self.twin[p] for p in near}) > 1:
                project = self._exact_tie(near, exact)
            del last[project]
            self._buy(project, prices[project], budgets, err)
            trace.append((project, last_rho(candidates, project) + rho_err, exact[project]))
        return trace

    def _beats(self, chosen: str, weight: float, other: str) -> bool:
        """Whether ``chosen``, priced exactly 1 / ``weight`` (see :data:`Trace`), is
        surely bought before ``other``, whose price is never below 1 / the total weight of
        its supporters whose money is not exactly spent (they pay at most q × weight)."""
        if not (weight and self.integral[chosen] and self.integral[other]):
            return False
        idx = self.idx[other]
        w_other = self.wsum[other] - float(np.dot(self.wm[other], self._zero[idx]))
        return w_other < weight or (w_other == weight and self.tie[other] > self.tie[chosen])

    def _exact_tie(self, near: list[str], exact: dict[str, float]) -> str:
        """Projects priced within rounding distance of each other: decided exactly when
        one of them is priced exactly 1 / W (ties of the same support are common: nobody
        or only voters with nothing left short), else the run is redone exactly."""
        known = [p for p in near if exact[p] and self.integral[p]]
        if not known:
            raise Uncertain
        chosen = min(known, key=lambda p: (-exact[p], self.tie[p]))
        for other in near:
            if other != chosen and not self._beats(chosen, exact[chosen], other):
                raise Uncertain
        return chosen

    def _guided_round(
        self,
        chosen: str,
        bound: float,
        exact: float,
        budgets: np.ndarray,
        last: dict[str, float],
        err: float,
        rho_err: float,
    ) -> tuple[float, float, float]:
        """A round of a certificate: ``chosen`` (bought at the smaller share, where its
        price was at most ``bound``) is proven to be bought here too and at every share in
        between: every other project's price here is above ``bound`` (prices only fall as
        the share rises, see the module docstring)."""
        limit = bound * (1 + SLACK) + 2 * rho_err
        found_chosen = None
        for project in sorted(last, key=last.__getitem__):
            if last[project] > limit:
                break
            if project == chosen:
                found_chosen = self._price(chosen, budgets, err)
                if found_chosen is None:
                    raise Uncertain
                last[chosen] = found_chosen[0]
            else:
                found = self._price(project, budgets, err)
                if found is None:
                    del last[project]
                    continue
                last[project] = found[0]
                if (
                    found[0] <= limit
                    and not (
                        self.twin[project] == self.twin[chosen]
                        and self.tie[project] > self.tie[chosen]
                    )
                    and not self._beats(chosen, exact, project)
                ):
                    raise Uncertain
        if found_chosen is None:
            if chosen not in last:
                raise Uncertain
            found_chosen = self._price(chosen, budgets, err)
            if found_chosen is None:
                raise Uncertain
        return found_chosen

    def _buy(self, project: str, q: float, budgets: np.ndarray, err: float) -> None:
        idx = self.idx[project]
        have = budgets.take(idx)
        owed = q * self.w[project]
        budgets[idx] = np.maximum(have - owed, 0.0)
        # surely short: they pay all they have, exactly nothing is left
        self._zero[idx[have < owed * (1 - SLACK) - err]] = True

    def _money(self, project: str, budgets: np.ndarray) -> float:
        return float(np.dot(budgets[self.idx[project]], self.m[project]))

    def _price(
        self, project: str, budgets: np.ndarray, err: float
    ) -> tuple[float, float, float] | None:
        """(ρ, q): the price per unit of weight q that the supporters pay (those who
        cannot pay q × weight pay all they have), and ρ = q / cost; None when their money
        is short. Newton's method on the concave, piecewise linear money-at-q function from
        below: q rises and the set of supporters who pay all grows until it is stable (a
        few passes, no sort). (numpy's reductions are called directly: the same sums as
        ``ndarray.sum``/``min``, without their Python wrappers, this being the hot loop.)"""
        cost, idx, counts, w, wm, wsum, unit, integral = self._project[project]
        have = budgets.take(idx)
        total = float(np.dot(have, counts))
        margin = SLACK * cost + err
        if total < cost - margin:
            return None
        if total <= cost + margin:
            raise Uncertain
        ratio = have if unit else have / w
        q = cost / wsum
        lowest = float(_min(ratio))
        margin = err / self.min_weight
        if lowest >= q:  # nobody short: everyone pays q × weight, ρ = 1 / total weight
            exact = lowest > q * (1 + SLACK) + margin and integral
            return q / cost, q, wsum if exact else 0.0
        money = have * counts
        capped = 0
        while True:
            short = ratio < q
            count = _count_nonzero(short)
            if count == capped:
                break
            capped = count
            paying = ~short
            denominator = float(_sum(wm[paying]))
            if denominator <= 0:
                raise Uncertain
            q = (cost - float(_sum(money[short]))) / denominator
        # exact when the only supporters short are those with exactly nothing left and
        # the others surely are not: ρ = 1 / their total weight (an integer)
        if (
            integral
            and capped == _count_nonzero(self._zero.take(idx))
            and float(_min(ratio[~short])) > q * (1 + SLACK) + margin
        ):
            return q / cost, q, denominator
        return q / cost, q, 0.0


def last_rho(candidates: list[tuple[float, str]], project: str) -> float:
    return next(rho for rho, p in candidates if p == project)


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
    """The share at which add1 stops: the plain loop's, found with certified jumps (see
    the module docstring)."""
    completion = completion or Completion()
    if completion.method not in ("search", "scan"):
        raise ValueError(f"unknown completion method {completion.method!r}")
    runs = runs or FastRuns(election)
    budget = election.budget
    voters = election.voters
    equal = budget / voters if voters else Q(0)
    first, trace = runs.traced(equal)
    if not voters or (completion.stop_when_exhaustive and election.is_exhaustive(first)):
        return Searched(equal, first, 0, runs.runs, runs.exact_runs)
    share = Q(math.floor(to_fraction(equal))) if completion.integral else equal
    step = completion.per_voter_step(election)
    if step <= 0:
        raise ValueError("the completion step must be positive")
    supported = frozenset(p for p in election.costs if election.supporters[p])
    reached = [0]
    # pabutools' bound: the total budget never goes past (voters + 1) × the budget
    last_k = math.floor(to_fraction((bound_share(election) - share) / step))

    def share_at(k: int) -> Any:
        return equal if k == 0 else share + step * k

    def report(selected: list[str]) -> None:
        spent = election.cost_of(selected)
        if progress is not None and spent <= budget and budget > 0:
            # how much of the budget the outcomes found so far spend, in thousandths
            reached[0] = max(reached[0], min(999, int(1000 * spent / budget)))
            progress(reached[0], 1000)

    def stops(selected: list[str]) -> bool:
        return frozenset(selected) == supported or (
            completion.stop_when_exhaustive and election.is_exhaustive(selected)
        )

    def found(k: int, selected: list[str], truncated: bool = False) -> Searched:
        return Searched(share_at(k), selected, k, runs.runs, runs.exact_runs, truncated)

    k, current, jump = 0, first, 1
    # where the order of purchase changes every raise or two, certificates fail: after a
    # failure at the smallest jump, take `wait` raises one by one (doubled at each failure)
    wait, patience = 0, 1
    while not stops(current) and k < last_k:
        if runs.runs >= completion.max_runs:
            return found(k, current, truncated=True)
        jump = min(jump, last_k - k)
        if jump > 1 and trace is not None:
            # one certificate vouches for every raise up to k + jump: same projects, same
            # order, so none of them stops the loop (the outcome at k does not)
            proven = runs.certify(share_at(k + jump), trace)
            if proven is not None:
                k, trace, jump, patience = k + jump, proven, jump * 2, 1
            else:
                jump //= 2
                if jump == 1:
                    wait, patience = patience, min(2 * patience, 64)
            continue
        candidate, candidate_trace = runs.traced(share_at(k + 1))
        if election.cost_of(candidate) > budget:
            return found(k, current)
        report(candidate)
        if wait:
            wait -= 1
        jump = 2 if completion.method == "search" and candidate == current and not wait else 1
        k, current, trace = k + 1, candidate, candidate_trace
    return found(k, current)


def bound_share(election: Election) -> Any:
    """The largest share the completion tries (pabutools' ``budget_bound``)."""
    return election.budget * (election.voters + 1) / election.voters


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
        if set(current) == supported or share + step * (k + 1) > bound_share(election):
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
    if final.selected != found.selected:  # pragma: no cover - the certified runs guarantee it
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
