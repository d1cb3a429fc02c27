"""Basket arithmetic, property-tested: exact decimals, every line rounded to the cent once,
a skipped delivery costs nothing, the pot's reduction is never negative."""

from __future__ import annotations

from decimal import Decimal

from convergence_food.baskets import Prices, basket, cents, season_cost
from hypothesis import given
from hypothesis import strategies as st

money = st.decimals(min_value="0.01", max_value="99.99", places=2)
qty = st.decimals(min_value="0.001", max_value="50", places=3)


@st.composite
def contracts(draw):
    n_lines = draw(st.integers(1, 4))
    prices = {}
    for line in range(1, n_lines + 1):
        price = draw(money)
        prices[line] = Prices(price, draw(st.decimals(min_value="0", max_value=price, places=2)))
    quantities = {line: draw(qty) for line in prices if draw(st.booleans())} or {1: Decimal(1)}
    grid = {
        d: [line for line in prices if draw(st.booleans())]
        for d in range(1, draw(st.integers(1, 6)) + 1)
    }
    skipped = [d for d in grid if draw(st.booleans())]
    return quantities, prices, grid, skipped


@given(contracts())
def test_season_cost_properties(contract):
    quantities, prices, grid, skipped = contract
    cost = season_cost(quantities, prices, grid, skipped)
    kept = [d for d in grid if d not in skipped]
    assert cost.total == sum((cost.per_delivery[d][0] for d in kept), Decimal(0))
    assert cost.total == cost.total.quantize(Decimal("0.01"))
    assert Decimal(0) <= cost.solidarity_total <= cost.total
    assert cost.reduction >= 0
    assert season_cost(quantities, prices, grid, list(grid)).total == 0


def test_known_basket():
    prices = {
        1: Prices(Decimal("4.20"), Decimal("2.80")),
        2: Prices(Decimal("1.15"), Decimal("0.75")),
    }
    # 0.333 kg × 4.20 = 1.3986 → 1.40 ; 3 × 1.15 = 3.45
    assert basket({1: Decimal("0.333"), 2: Decimal("3")}, prices, [1, 2]) == (
        Decimal("4.85"),
        Decimal("3.18"),
    )
    assert cents(Decimal("0.005")) == Decimal("0.01")
