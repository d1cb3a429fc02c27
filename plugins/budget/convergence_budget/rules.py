"""Participatory-budgeting rules: greedy and the Method of Equal Shares (MES), exactly.

Pure functions on an :class:`Election` (no database, no Flask), so that the same code
tallies a vote of the commune and a pabulib file.

Model. Every ballot gives each project a weight: 1 for an approval, the points for a
cumulative (points) ballot, and for a ranked ballot ``max_length - position`` points
(the first of three gets 3, the pabulib convention of Kraków). Identical ballots are
grouped with their multiplicity.

* **Greedy**: projects by total weight (votes or points), highest first; a project is
  funded when it fits in what is left of the budget. Variants: ``skip`` (go on after a
  project that does not fit, the usual rule) or stop at the first misfit, and an optional
  minimum score (``threshold``) under which a project is not eligible.
* **MES** (equalshares.net): each voter gets an equal share of the budget; a project is
  funded when its supporters can pay for it; in each round the project whose supporters
  pay the least per unit of utility is bought, its supporters paying equally (those who
  cannot pay their part pay all they have left). The **utilities** are chosen explicitly
  (:data:`UTILITIES`, named as pabutools names them): ``cost`` (``Cost_Sat``, the project's
  cost for every voter whose ballot names it: the standard, equalshares.net's) or
  ``cardinality`` (``Cardinality_Sat``, 1 for every voter whose ballot names it). Either
  way a ballot counts for MES by the projects it names, not by its points or ranks: a
  ranked ballot's Borda points and a cumulative ballot's points are scores for greedy,
  never utilities (:func:`with_utilities`). :func:`mes` itself runs on any election with
  utility ``weight × cost``, which is what :func:`with_utilities` prepares.
* **Completion** (``add1``, equalshares.net): while the outcome is not exhaustive, every
  voter's share is raised by one currency unit (starting from the integral part of the
  share) and MES is run again, as long as the outcome still fits in the real budget; then
  what is left is completed by greedy.

Arithmetic is exact (rationals: ``gmpy2.mpq`` when installed, else
:class:`fractions.Fraction`); counts are integers. **Tie-breaking**, for both rules:
among projects equally good (same score for greedy, same price per utility for MES), the
cheaper one first, then the one with more support (total weight), then the smaller
project id (string order). Projects nobody supports are never funded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

try:  # gmpy2 rationals are an order of magnitude faster; results are the same
    from gmpy2 import mpq as _mpq

    def Q(value: Any, denominator: Any = None) -> Any:
        if denominator is None:
            if isinstance(value, Fraction):
                return _mpq(value.numerator, value.denominator)
            return _mpq(value)
        return _mpq(value, denominator)

    EXACT = "gmpy2"
except ImportError:  # pragma: no cover - exercised when gmpy2 is absent

    def Q(value: Any, denominator: Any = None) -> Any:
        return Fraction(value) if denominator is None else Fraction(value, denominator)

    EXACT = "fractions"


def to_fraction(value: Any) -> Fraction:
    """An exact :class:`Fraction` from an ``mpq``, an int, a Decimal or a decimal string."""
    if isinstance(value, Fraction):
        return value
    numerator = getattr(value, "numerator", None)
    denominator = getattr(value, "denominator", None)
    if numerator is not None and denominator is not None and not isinstance(value, float):
        return Fraction(int(numerator), int(denominator))
    return Fraction(str(value))


Ballot = tuple[Mapping[str, Any], int]
#: relative margin between a floating-point estimate and the exact value it stands for
SLACK = 1e-9


def _exact(value: Any, shared: dict[int, Any]) -> Any:
    """A weight, exactly: Python integers as they are (nearly all weights; exact, and the
    fastest to add), anything else as an exact rational."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return Q(to_fraction(value))


def group_ballots(
    ballots: Iterable[Ballot], costs: Mapping[str, Any]
) -> list[tuple[tuple[tuple[str, Any], ...], int]]:
    """Ballots grouped by their (sorted, positive) weights; KeyError on an unknown project."""
    grouped: dict[tuple, int] = {}
    shared: dict[int, Any] = {}
    for weights, count in ballots:
        key = tuple(sorted((p, _exact(w, shared)) for p, w in weights.items() if w and w > 0))
        grouped[key] = grouped.get(key, 0) + int(count)
    for key in grouped:
        for project, _w in key:
            if project not in costs:
                raise KeyError(f"ballot names an unknown project {project!r}")
    return list(grouped.items())


@dataclass
class Election:
    """What a rule needs: the budget, the projects' costs and the grouped ballots.

    ``ballots`` are ``(weights, multiplicity)`` pairs; ``weights`` maps a project id to
    a positive weight. ``voters`` counts every ballot, empty ones included (each voter
    gets an equal share of the budget in MES).
    """

    budget: Any
    costs: Mapping[str, Any]
    ballots: Sequence[Ballot]
    voters: int = 0

    def __post_init__(self) -> None:
        self.budget = Q(to_fraction(self.budget))
        self.costs = {p: Q(to_fraction(c)) for p, c in self.costs.items()}
        self.groups = group_ballots(self.ballots, self.costs)
        total = sum(count for _key, count in self.groups)
        self.voters = max(int(self.voters or 0), total)

    @classmethod
    def prepared(
        cls,
        budget: Any,
        costs: Mapping[str, Any],
        ballots: Callable[[], Iterable[Ballot]],
        voters: int,
        *,
        scores: dict[str, int] | None = None,
        supporters: dict[str, int] | None = None,
    ) -> Election:
        """An election whose ballots (``ballots()``, every project named in ``costs``,
        ``voters`` of them) are grouped only when a rule asks for them: greedy reads only
        the totals, which a reader may give already counted (``scores``, ``supporters``,
        exact integers). The pabulib reader's path; the same election as the constructor's."""
        self = cls.__new__(cls)
        self.budget = Q(to_fraction(budget))
        self.costs = {p: Q(to_fraction(c)) for p, c in costs.items()}
        self.ballots = ()
        self.voters = int(voters)
        self._ballots = ballots
        if scores is not None:
            self.__dict__["scores"] = scores
        if supporters is not None:
            self.__dict__["supporters"] = supporters
        return self

    @cached_property
    def groups(self) -> list[tuple[tuple[tuple[str, Any], ...], int]]:
        """Identical ballots once, with their multiplicity: ``((project, weight)…), count``
        with the projects sorted and only positive weights."""
        return group_ballots(self._ballots(), self.costs)

    @cached_property
    def scores(self) -> dict[str, Any]:
        """Total weight per project (votes for approval, points otherwise)."""
        scores: dict[str, Any] = dict.fromkeys(self.costs, 0)
        for key, count in self.groups:
            for project, weight in key:
                scores[project] += weight * count
        return scores

    @cached_property
    def supporters(self) -> dict[str, int]:
        """How many voters support each project (a positive weight)."""
        counts = dict.fromkeys(self.costs, 0)
        for key, count in self.groups:
            for project, _weight in key:
                counts[project] += count
        return counts

    def tie_key(self, project: str) -> tuple:
        """Documented tie-breaking: cheaper first, then more support, then smaller id."""
        return (self.costs[project], -self.scores[project], project)

    def cost_of(self, projects: Iterable[str]) -> Any:
        return sum((self.costs[p] for p in projects), Q(0))

    def is_exhaustive(self, selected: Iterable[str], budget: Any = None) -> bool:
        """No project left out would still fit in ``budget`` (the election's by default)."""
        chosen = set(selected)
        left = (self.budget if budget is None else budget) - self.cost_of(chosen)
        return all(cost > left for p, cost in self.costs.items() if p not in chosen)


@dataclass
class Outcome:
    """The funded projects in the order they were chosen, and why each project won or lost."""

    rule: str
    selected: list[str]
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    spent: Any = 0
    per_voter_budget: Any = None
    iterations: int = 0
    truncated: bool = False
    runs: int = 0
    comparison: dict[str, Any] | None = None
    #: MES: the utilities it ran with (a key of :data:`UTILITIES`)
    utilities: str | None = None

    def as_json(self) -> dict[str, Any]:
        """JSON-serialisable form (rationals as strings "a/b" or integers)."""
        return {
            "rule": self.rule,
            "selected": list(self.selected),
            "spent": _num(self.spent),
            "per_voter_budget": _num(self.per_voter_budget),
            "iterations": self.iterations,
            "truncated": self.truncated,
            "runs": self.runs,
            "comparison": self.comparison,
            "utilities": self.utilities,
            "details": {p: {k: _num(v) for k, v in d.items()} for p, d in self.details.items()},
        }


def _num(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float, list, dict)):
        return value
    frac = to_fraction(value)
    if frac.denominator == 1:
        return int(frac.numerator)
    return f"{frac.numerator}/{frac.denominator}"


#: MES utilities: our name → pabutools' satisfaction class
UTILITIES = {"cost": "Cost_Sat", "cardinality": "Cardinality_Sat"}


def with_utilities(election: Election, utilities: str = "cost") -> Election:
    """The election MES runs on, for the chosen utilities (cached on ``election``).

    :func:`mes` gives a supporter of project ``c`` the utility ``weight × cost(c)`` and makes
    them pay ``q × weight``. ``cost`` (Cost_Sat): every project a ballot names gets weight 1,
    so the utility is the cost. ``cardinality`` (Cardinality_Sat): weight ``1 / cost(c)``, so
    the utility is 1 and a supporter pays ``ρ``, the price per unit of utility, exactly as
    MES with utility 1 does (a free project keeps weight 1: it is funded at once). The
    election's own weights (points, Borda points) are not utilities: greedy reads them."""
    if utilities not in UTILITIES:
        raise ValueError(f"unknown utilities {utilities!r}")
    cache = election.__dict__.setdefault("_by_utilities", {})
    found = cache.get(utilities)
    if found is not None:
        return found
    groups = election.groups
    costs = election.costs
    if utilities == "cost" and all(w == 1 for key, _n in groups for _p, w in key):
        found = election  # approval ballots: already weight 1 each
    else:
        one = Q(1)
        weight = {p: one if utilities == "cost" or costs[p] <= 0 else one / costs[p] for p in costs}

        def ballots() -> list[Ballot]:
            return [({p: weight[p] for p, _w in key}, count) for key, count in groups]

        found = Election.prepared(election.budget, costs, ballots, election.voters)
    cache[utilities] = found
    return found


# --- greedy ---------------------------------------------------------------------------------


def greedy(
    election: Election,
    *,
    skip: bool = True,
    threshold: Any = 0,
    budget: Any = None,
    already: Sequence[str] = (),
    stage: str = "greedy",
    reserve: Any = None,
) -> Outcome:
    """Fund projects by decreasing score while they fit (see the module docstring)."""
    threshold = Q(to_fraction(threshold or 0))
    chosen = list(already)
    left = (election.budget if budget is None else Q(to_fraction(budget))) - election.cost_of(
        chosen
    )
    scores = election.scores
    order = sorted(
        (p for p in election.costs if p not in set(chosen)),
        key=lambda p: (-scores[p], *election.tie_key(p)),
    )
    details: dict[str, dict[str, Any]] = {}
    stopped = False
    for rank, project in enumerate(order, start=1):
        cost, score = election.costs[project], scores[project]
        base = {"rank": rank, "score": score, "cost": cost, "stage": stage}
        if stage != "greedy":  # completing MES: its scores are utilities, not votes
            base["supporters"] = election.supporters[project]
        if score <= 0:
            details[project] = {**base, "status": "rejected", "reason": "no_support"}
        elif score < threshold:
            details[project] = {
                **base,
                "status": "rejected",
                "reason": "threshold",
                "threshold": threshold,
            }
        elif stopped:
            details[project] = {**base, "status": "rejected", "reason": "stopped", "left": left}
        elif cost <= left:
            left -= cost
            chosen.append(project)
            details[project] = {**base, "status": "selected", "left": left}
        elif not skip and reserve and left * 100 >= cost * Q(to_fraction(reserve)):
            chosen.append(project)  # the first misfit, funded from a reserve
            details[project] = {**base, "status": "selected", "reason": "reserve", "left": left}
            left -= cost
            stopped = True
        else:
            details[project] = {**base, "status": "rejected", "reason": "over_budget", "left": left}
            stopped = not skip
    rule = "greedy" if skip else "greedy_no_skip"
    return Outcome(rule, chosen, details, election.cost_of(chosen))


# --- Method of Equal Shares -----------------------------------------------------------------


class _Structure:
    """Supporters of each project as numpy arrays (group index, weight index), built once."""

    def __init__(self, election: Election) -> None:
        self.projects = sorted(election.costs)
        groups = election.groups
        self.mult = np.array([count for _key, count in groups], dtype=np.int64)
        per_project: dict[str, list[tuple[int, Any]]] = {p: [] for p in self.projects}
        for index, (key, _count) in enumerate(groups):
            for project, weight in key:
                per_project[project].append((index, weight))
        self.idx: dict[str, np.ndarray] = {}
        self.widx: dict[str, np.ndarray] = {}
        self.weights: dict[str, list[Any]] = {}
        self.mults: dict[str, np.ndarray] = {}
        self.fweights: dict[str, np.ndarray] = {}
        self.fcosts = {p: float(c) for p, c in election.costs.items()}
        for project, rows in per_project.items():
            values = sorted({w for _i, w in rows})
            position = {w: i for i, w in enumerate(values)}
            self.weights[project] = values
            self.idx[project] = np.array([i for i, _w in rows], dtype=np.int64)
            self.widx[project] = np.array([position[w] for _i, w in rows], dtype=np.int64)
            self.mults[project] = self.mult[self.idx[project]]
            self.fweights[project] = np.array([float(w) for w in values], dtype=np.float64)


def _structure(election: Election) -> _Structure:
    cached = election.__dict__.get("_mes_structure")
    if cached is None:
        cached = election.__dict__["_mes_structure"] = _Structure(election)
    return cached


class _Run:
    """One run of MES at a given per-voter budget.

    Voters whose ballots made them pay the same amounts have the same budget: they form a
    *class*. A ballot group's class is kept in a numpy array; budgets are exact rationals,
    one per class, so that the work per project is a bincount and a few rational operations.
    """

    def __init__(self, election: Election, per_voter: Any) -> None:
        self.e = election
        self.s = _structure(election)
        self.budgets: list[Any] = [per_voter]
        #: the same budgets as floats, only to rank candidates before the exact check
        self.fbudgets: list[float] = [float(per_voter)]
        #: budget value → class: voters left with the same money are interchangeable
        self.classes: dict[Any, int] = {per_voter: 0}
        self.group_class = np.zeros(len(self.s.mult), dtype=np.int64)

    def _class_of(self, budget: Any) -> int:
        found = self.classes.get(budget)
        if found is None:
            found = self.classes[budget] = len(self.budgets)
            self.budgets.append(budget)
            self.fbudgets.append(float(budget))
        return found

    def price_float(self, project: str) -> float | None:
        """An approximation of :meth:`price` (divided by the cost) in floating point; None
        when the supporters' money is surely short. Used to find the few candidates whose
        exact price is then computed."""
        s = self.s
        n_weights = len(s.weights[project])
        if n_weights == 0:
            return None
        keys = self.group_class[s.idx[project]] * n_weights + s.widx[project]
        counts = np.bincount(keys, weights=s.mults[project])
        found = np.flatnonzero(counts)
        budgets = np.asarray(self.fbudgets)[found // n_weights]
        weights = s.fweights[project][found % n_weights]
        counts = counts[found]
        keep = budgets > 0
        budgets, weights, counts = budgets[keep], weights[keep], counts[keep]
        cost = s.fcosts[project]
        if float(np.dot(budgets, counts)) < cost * (1 - SLACK):
            return None
        order = np.argsort(budgets / weights, kind="stable")
        budgets, weights, counts = budgets[order], weights[order], counts[order]
        paid = np.concatenate(([0.0], np.cumsum(budgets * counts)[:-1]))
        denominator = np.cumsum((weights * counts)[::-1])[::-1]
        q = (cost - paid) / denominator
        fits = np.flatnonzero(q * weights <= budgets * (1 + SLACK))
        value = q[fits[0]] if len(fits) else q[-1]
        return float(value) / cost

    def buckets(self, project: str) -> list[tuple[Any, Any, int, int]]:
        """``(budget, weight, count, key)`` of the project's supporters, grouped by class."""
        s = self.s
        n_weights = len(s.weights[project])
        if n_weights == 0:
            return []
        keys = self.group_class[s.idx[project]] * n_weights + s.widx[project]
        counts = np.bincount(keys, weights=s.mults[project])
        found = np.flatnonzero(counts)
        weights = s.weights[project]
        budgets = self.budgets
        return [
            (budgets[k // n_weights], weights[k % n_weights], int(counts[k]), k)
            for k in found.tolist()
            if budgets[k // n_weights]  # voters with nothing left neither pay nor count
        ]

    def price(self, project: str) -> Any | None:
        """Smallest payment per unit of weight ``q`` its supporters can afford, or None."""
        cost = self.e.costs[project]
        items = self.buckets(project)
        if sum((b * c for b, _w, c, _k in items), Q(0)) < cost:
            return None
        items.sort(key=lambda item: item[0] / item[1])
        paid = Q(0)
        denominator = sum((w * c for _b, w, c, _k in items), Q(0))
        for budget, weight, count, _key in items:
            q = (cost - paid) / denominator
            if q * weight <= budget:
                return q
            paid += budget * count
            denominator -= weight * count
        return None  # pragma: no cover - unreachable when the money suffices

    def buy(self, project: str, q: Any) -> None:
        s = self.s
        n_weights = len(s.weights[project])
        items = self.buckets(project)
        keys = self.group_class[s.idx[project]] * n_weights + s.widx[project]
        lookup = np.arange(int(keys.max()) + 1, dtype=np.int64) // n_weights  # unchanged
        for budget, weight, _count, key in items:
            lookup[key] = self._class_of(budget - min(budget, q * weight))
        self.group_class[s.idx[project]] = lookup[keys]

    def money_of(self, project: str) -> Any:
        return sum((b * c for b, _w, c, _k in self.buckets(project)), Q(0))


def mes(
    election: Election,
    per_voter: Any = None,
    *,
    explain: bool = False,
) -> Outcome:
    """The Method of Equal Shares at a per-voter budget (the equal share by default)."""
    voters = election.voters
    if per_voter is None:
        per_voter = election.budget / voters if voters else Q(0)
    per_voter = Q(to_fraction(per_voter))
    run = _Run(election, per_voter)
    costs = election.costs
    selected: list[str] = []
    details: dict[str, dict[str, Any]] = {}
    last: dict[str, float] = {}
    for project in sorted(costs):
        if election.supporters[project] == 0:
            continue
        if costs[project] <= 0:
            selected.append(project)  # free and wanted: funded at once
            details[project] = {"status": "selected", "stage": "mes", "round": 0, "price": 0}
            continue
        last[project] = 0.0
    rounds = 0
    while last and voters:
        # 1. floating point ranks the candidates (lazily: a price never goes down)…
        best_f = math.inf
        candidates: list[tuple[float, str]] = []
        for project in sorted(last, key=lambda p: (last[p], p)):
            if last[project] > best_f * (1 + SLACK):
                break
            f = run.price_float(project)
            if f is None:
                del last[project]
                continue
            last[project] = f
            best_f = min(best_f, f)
            candidates.append((f, project))
        if not candidates:
            break
        # 2. …and exact rationals decide among those within rounding distance of the best
        best: tuple | None = None
        best_q = None
        for f, project in candidates:
            if f > best_f * (1 + SLACK):
                continue
            q = run.price(project)
            if q is None:
                del last[project]
                continue
            key = (q / costs[project], *election.tie_key(project))
            if best is None or key < best:
                best, best_q = key, q
        if best is None:
            continue
        rounds += 1
        project = best[-1]
        del last[project]
        if explain:
            weights = run.s.weights[project]
            details[project] = {
                "status": "selected",
                "stage": "mes",
                "round": rounds,
                "price": best_q,
                # what each supporter was asked (all alike when their weights are)
                "payment": best_q * weights[0] if len(weights) == 1 else None,
                "supporters": election.supporters[project],
            }
        run.buy(project, best_q)
        selected.append(project)
    if explain:
        for project in costs:
            if project in details:
                continue
            if election.supporters[project] == 0:
                details[project] = {"status": "rejected", "stage": "mes", "reason": "no_support"}
            else:
                details[project] = {
                    "status": "rejected",
                    "stage": "mes",
                    "reason": "unaffordable",
                    "money": run.money_of(project),
                    "cost": costs[project],
                }
    outcome = Outcome("mes", selected, details, election.cost_of(selected), per_voter)
    outcome.iterations = rounds
    return outcome


def mes_add1(
    election: Election,
    *,
    integral: bool = True,
    stop_when_exhaustive: bool = True,
    step: Any = 1,
    percent: Any = None,
    complete_with_greedy: bool = True,
    max_runs: int = 100_000,
    method: str = "search",
    progress: Any = None,
) -> Outcome:
    """MES with the usual completion (equalshares.net "add1", pabutools'
    ``exhaustion_by_budget_increase``): every voter's share is raised by ``step`` currency
    units (or by ``percent`` % of the budget spread over the voters, pabutools' default
    being 1 %) while the outcome is not exhaustive and still fits in the budget; then what
    is left is funded greedily when ``complete_with_greedy``.

    The raise is found by search, not by one run per step (:mod:`convergence_budget.mes`).
    ``integral``: after the first run, start from the integral part of the equal share
    (equalshares.net) rather than the share itself (pabutools). ``stop_when_exhaustive``
    False keeps raising until the outcome would exceed the budget (Wieliczka 2023, and
    pabulib's ``add1-comparison``). Past ``max_runs`` MES runs the search stops and the
    outcome says so (``truncated``): never silently.
    """
    from .mes import Completion, mes_with_completion

    completion = Completion(
        step=step,
        percent=percent,
        integral=integral,
        stop_when_exhaustive=stop_when_exhaustive,
        max_runs=max_runs,
        method=method,
    )
    return mes_with_completion(
        election, completion, complete_with_greedy=complete_with_greedy, progress=progress
    )


def cardinality_comparison(election: Election, first: Outcome, second: Outcome) -> dict[str, Any]:
    """pabulib's comparison step: each voter prefers the outcome that funds more of the
    projects on their ballot; ``second`` replaces ``first`` only when strictly more voters
    prefer it."""
    a, b = set(first.selected), set(second.selected)
    prefer_first = prefer_second = ties = 0
    for key, count in election.groups:
        mine = {project for project, _weight in key}
        in_a, in_b = len(mine & a), len(mine & b)
        if in_a > in_b:
            prefer_first += count
        elif in_b > in_a:
            prefer_second += count
        else:
            ties += count
    ties += election.voters - sum(count for _key, count in election.groups)
    return {"first": prefer_first, "second": prefer_second, "ties": ties}


#: what a process or a file may ask of each rule
GREEDY_OPTIONS = ("skip", "threshold", "reserve")
MES_OPTIONS = (
    "completion",
    "integral",
    "stop_when_exhaustive",
    "step",
    "percent",
    "complete_with_greedy",
    "comparison",
    "max_runs",
    "method",
    "utilities",
)
RULES = ("greedy", "mes")


def tally(election: Election, rule: str, progress: Any = None, **options: Any) -> Outcome:
    """Run the rule a process (or a file's META) chose.

    ``greedy``: options ``skip`` (False: stop at the first project that does not fit),
    ``threshold`` (minimum score), ``reserve`` (with ``skip`` False: the first misfit is
    still funded, from a reserve, when what is left covers ``reserve`` % of its cost —
    Poznań's rule). ``mes``: ``completion`` ``"add1"`` (default) or ``"none"``, the options
    of :func:`mes_add1`, and ``comparison`` (pabulib's comparison step: the greedy outcome
    replaces MES's when more voters prefer it, see :func:`cardinality_comparison`) and
    ``utilities`` (:data:`UTILITIES`, ``"cost"`` unless said: :func:`with_utilities`)."""
    if rule == "greedy":
        return greedy(election, **{k: v for k, v in options.items() if k in GREEDY_OPTIONS})
    if rule == "mes":
        utilities = options.get("utilities") or "cost"
        runs_on = with_utilities(election, utilities)
        if options.get("completion", "add1") == "none":
            outcome = mes(runs_on, explain=True)
        else:
            keys = set(MES_OPTIONS) - {"completion", "comparison", "utilities"}
            outcome = mes_add1(
                runs_on, progress=progress, **{k: v for k, v in options.items() if k in keys}
            )
        outcome.utilities = utilities
        if options.get("comparison"):
            other = greedy(election)
            votes = cardinality_comparison(election, outcome, other)
            outcome.comparison = {
                **votes,
                "kept": "greedy" if votes["second"] > votes["first"] else "mes",
            }
            if votes["second"] > votes["first"]:
                other.rule = outcome.rule
                other.comparison = outcome.comparison
                other.iterations, other.truncated = outcome.iterations, outcome.truncated
                other.per_voter_budget = outcome.per_voter_budget
                other.utilities = utilities
                return other
        return outcome
    raise ValueError(f"unknown rule {rule!r}")
