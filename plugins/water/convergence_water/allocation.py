"""Fair allocation of water under scarcity — pure functions on whole litres (numpy).

The rule, in the order the water circle reads it:

1. **Vital needs first.** Each user's vital need is its people × the vital volume per
   person, capped by what it declared for drinking and sanitation. Vital needs are never
   reduced by the drought rules; when the available volume cannot cover them all, it is
   shared in proportion (so equally per person).
2. **Then each use category, in the circle's priority order.** A user's demand in a
   category is its declared need (for drinking: what is left above the vital part) reduced
   by the rule of the level in force (a percentage, or forbidden). A category is served in
   full while water remains; the first category that cannot be served in full is shared
   in proportion to the demands, and the categories after it get nothing.

Shares are apportioned with the largest-remainder method, so that the shares of a
category sum exactly to the volume shared, each within one litre of its exact
proportional value and never above its demand. The allocated total therefore never
exceeds the available volume. Everything is vectorised: 100,000 users take milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from convergence_water.constants import CATEGORIES
from federation.lazy import lazy_module

np = lazy_module("numpy")  # imported by the first computation, not at start-up

#: beyond this product (cap × volume), exact integer apportionment could overflow int64
_EXACT_LIMIT = 2**62


@dataclass(frozen=True)
class Rule:
    """The restriction of one use category at one drought level."""

    reduction_pct: int = 0
    forbidden: bool = False
    hours: str = ""

    @property
    def factor_pct(self) -> int:
        """The share of the need that may still be drawn, in percent."""
        if self.forbidden:
            return 0
        return max(0, 100 - int(self.reduction_pct))

    def cap(self, need: np.ndarray) -> np.ndarray:
        """The most a need may receive under this rule (litres, rounded down)."""
        return need * self.factor_pct // 100


@dataclass(frozen=True)
class Tier:
    """How one tier (``"vital"`` or a category) was served, for all users together."""

    category: str
    demand: int
    served: int

    @property
    def ratio(self) -> float:
        return 1.0 if self.demand <= 0 else self.served / self.demand

    @property
    def full(self) -> bool:
        return self.served >= self.demand


@dataclass
class Allocation:
    """The result of :func:`allocate`; arrays are indexed by user, then by category."""

    available: int
    vital_litres: int
    people: np.ndarray
    needs: np.ndarray
    vital_need: np.ndarray
    vital: np.ndarray
    caps: np.ndarray
    alloc: np.ndarray
    tiers: list[Tier] = field(default_factory=list)

    @property
    def totals(self) -> np.ndarray:
        return self.vital + self.alloc.sum(axis=1)

    @property
    def allocated(self) -> int:
        return int(self.vital.sum() + self.alloc.sum())

    @property
    def unallocated(self) -> int:
        return self.available - self.allocated

    def tier(self, category: str) -> Tier | None:
        return next((t for t in self.tiers if t.category == category), None)


def apportion(demands: np.ndarray, volume: int) -> np.ndarray:
    """Share ``volume`` litres in proportion to ``demands`` (largest remainders).

    Returns whole litres: all demands when they fit, otherwise shares summing exactly to
    ``volume``, each at most its demand and within one litre of ``demand × volume / total``.
    """
    demands = np.asarray(demands, dtype=np.int64)
    total = int(demands.sum())
    if total <= volume:
        return demands.copy()
    if volume <= 0 or total == 0:
        return np.zeros_like(demands)
    largest = int(demands.max())
    if largest * volume < _EXACT_LIMIT:
        product = demands * volume
        shares = product // total
        remainders = product % total
    else:  # huge volumes: float quotas, corrected below to stay exact
        quotas = demands.astype(np.float64) * (volume / total)
        shares = np.minimum(np.floor(quotas).astype(np.int64), demands)
        remainders = quotas - shares
    missing = volume - int(shares.sum())
    while missing > 0:
        room = shares < demands
        order = np.lexsort((np.arange(len(shares)), -remainders))
        order = order[room[order]][:missing]
        shares[order] += 1
        remainders[order] = -1
        missing = volume - int(shares.sum())
    while missing < 0:
        order = np.lexsort((np.arange(len(shares)), remainders))
        order = order[shares[order] > 0][:-missing]
        shares[order] -= 1
        missing = volume - int(shares.sum())
    return shares


def check_priority(priority: Sequence[str]) -> list[str]:
    """A priority order must name every category exactly once."""
    order = list(priority)
    if sorted(order) != sorted(CATEGORIES):
        raise ValueError(f"priority must order exactly these categories: {', '.join(CATEGORIES)}")
    return order


def allocate(
    people: Sequence[int] | np.ndarray,
    needs: Sequence[Sequence[int]] | np.ndarray,
    available: int,
    *,
    vital_litres: int,
    rules: Mapping[str, Rule],
    priority: Sequence[str] = CATEGORIES,
) -> Allocation:
    """Allocate ``available`` litres per day among users.

    :param people: persons per user (households, public services hosting people).
    :param needs: declared needs in litres per day, one column per :data:`CATEGORIES`.
    :param available: the volume that may be drawn from the resource, litres per day.
    :param vital_litres: the vital volume per person and per day.
    :param rules: the restriction of each category at the level in force.
    :param priority: the circle's order of the categories after the vital needs.
    """
    people = np.asarray(people, dtype=np.int64).reshape(-1)
    needs = np.asarray(needs, dtype=np.int64).reshape(-1, len(CATEGORIES))
    if len(people) != len(needs):
        raise ValueError("people and needs must describe the same users")
    if (people < 0).any() or (needs < 0).any():
        raise ValueError("people and needs cannot be negative")
    if available < 0 or vital_litres < 0:
        raise ValueError("volumes cannot be negative")
    order = check_priority(priority)

    vital_need = np.minimum(needs[:, 0], people * int(vital_litres))
    rest = needs.copy()
    rest[:, 0] -= vital_need
    caps = np.empty_like(needs)
    for j, category in enumerate(CATEGORIES):
        caps[:, j] = rules.get(category, Rule()).cap(rest[:, j])

    left = int(available)
    vital = apportion(vital_need, left)
    left -= int(vital.sum())
    tiers = [Tier("vital", int(vital_need.sum()), int(vital.sum()))]
    alloc = np.zeros_like(needs)
    for category in order:
        j = CATEGORIES.index(category)
        share = apportion(caps[:, j], left)
        alloc[:, j] = share
        served = int(share.sum())
        left -= served
        tiers.append(Tier(category, int(caps[:, j].sum()), served))
    return Allocation(
        available=int(available),
        vital_litres=int(vital_litres),
        people=people,
        needs=needs,
        vital_need=vital_need,
        vital=vital,
        caps=caps,
        alloc=alloc,
        tiers=tiers,
    )
