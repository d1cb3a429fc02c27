"""Basket arithmetic, pure and exact: what a subscription costs over a season.

A contract has lines (a product with a price and a solidarity price per unit) and
deliveries; the grid says which line is delivered on which date. A subscription takes a
quantity of some lines. Nothing here touches the database or uses floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Prices:
    price: Decimal
    solidarity: Decimal


def basket(
    quantities: Mapping[int, Decimal], prices: Mapping[int, Prices], lines: Iterable[int]
) -> tuple[Decimal, Decimal]:
    """One delivery's basket (the lines delivered that day): (price, solidarity price),
    each line rounded to the cent once."""
    full = solidarity = Decimal("0")
    for line_id in lines:
        qty = quantities.get(line_id)
        if not qty:
            continue
        full += cents(qty * prices[line_id].price)
        solidarity += cents(qty * prices[line_id].solidarity)
    return full, solidarity


@dataclass(frozen=True)
class SeasonCost:
    total: Decimal  # at the price, every delivery not skipped
    solidarity_total: Decimal  # at the solidarity price
    per_delivery: dict[int, tuple[Decimal, Decimal]]

    @property
    def reduction(self) -> Decimal:
        """What the solidarity pot pays for a solidarity subscription."""
        return self.total - self.solidarity_total


def season_cost(
    quantities: Mapping[int, Decimal],
    prices: Mapping[int, Prices],
    grid: Mapping[int, Iterable[int]],
    skipped: Iterable[int] = (),
) -> SeasonCost:
    """``grid``: delivery id → the line ids delivered that day. Skipped deliveries cost
    nothing (given ones are paid: the basket goes to food aid)."""
    skip = set(skipped)
    per: dict[int, tuple[Decimal, Decimal]] = {}
    total = solidarity = Decimal("0")
    for delivery_id, line_ids in grid.items():
        value = basket(quantities, prices, line_ids)
        per[delivery_id] = value
        if delivery_id in skip:
            continue
        total += value[0]
        solidarity += value[1]
    return SeasonCost(total, solidarity, per)
