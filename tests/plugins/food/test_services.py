"""Contracts, subscriptions and baskets through the services: exact decimals, the vote
that opens a contract, skipped and given deliveries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from convergence_food import contracts, solidarity

from federation.errors import Conflict, Forbidden, ValidationFailed
from tests.plugins.food.conftest import user


def test_contract_opens_only_through_the_circles_vote(factory, in_commune):
    from tests.plugins.food.conftest import make_town

    town = make_town(factory, in_commune, "sans-vote", open_contract=False)
    with in_commune(town.commune):
        contract = contracts.get_contract(town.contract_id)
        assert contract.status == "draft"
        with pytest.raises(Conflict):
            contracts.subscribe(contract, user(town.members[0]), {town.lines[0]: "1"})


def test_season_total_is_exact(food_town, in_commune):
    town = food_town
    with in_commune(town.commune):
        contract = contracts.get_contract(town.contract_id)
        sub = contracts.subscribe(
            contract, user(town.members[0]), {town.lines[0]: "1.5", town.lines[1]: "2"}
        )
        # 1.5 kg × 4.20 = 6.30 ; 2 × 1.15 = 2.30 ; 8.60 per delivery × 3 deliveries
        assert sub.total == Decimal("25.80")
        assert sub.reduction == Decimal("0") and sub.tier == "standard"


def test_prices_frozen_once_in_vote(food_town, in_commune):
    town = food_town
    with in_commune(town.commune):
        contract = contracts.get_contract(town.contract_id)
        with pytest.raises(Conflict):
            contracts.add_line(contract, {"product_id": 1, "price": "1", "solidarity_price": "1"})


def test_support_price_feeds_the_pot(food_town, in_commune):
    town = food_town
    with in_commune(town.commune):
        contract = contracts.get_contract(town.contract_id)
        contracts.subscribe(
            contract, user(town.members[0]), {town.lines[0]: "1"}, "support", "12,50"
        )
        pot = solidarity.pot()
        assert pot.balance == Decimal("12.50") and pot.received == Decimal("12.50")


def test_solidarity_price_needs_a_granted_request_and_the_pot(food_town, in_commune):
    town = food_town
    member = town.members[1]
    with in_commune(town.commune):
        contract = contracts.get_contract(town.contract_id)
        with pytest.raises(Forbidden):
            contracts.subscribe(contract, user(member), {town.lines[0]: "1"}, "solidarity")
        request = solidarity.request_aid(user(member), {"household_size": 2})
        solidarity.decide_request(request.id, True, user(town.circle_member))
        # reduction 1 kg × (4.20 − 2.80) × 3 deliveries = 4.20, the pot holds 4.19
        solidarity.gift("4.19")
        with pytest.raises(Conflict) as refused:
            contracts.subscribe(contract, user(member), {town.lines[0]: "1"}, "solidarity")
        assert refused.value.field == "tier"
    with in_commune(town.commune):
        solidarity.gift("0.01")
        sub = contracts.subscribe(
            contracts.get_contract(town.contract_id),
            user(member),
            {town.lines[0]: "1"},
            "solidarity",
        )
        assert sub.total == Decimal("8.40") and sub.reduction == Decimal("4.20")
        pot = solidarity.pot()
        assert pot.balance == Decimal("0.00") and pot.spent == Decimal("4.20")


def test_skip_refunds_the_pot_and_give_keeps_the_price(food_town, in_commune):
    town = food_town
    member = town.members[2]
    with in_commune(town.commune):
        request = solidarity.request_aid(user(member), {})
        solidarity.decide_request(request.id, True, user(town.circle_member))
        solidarity.gift("50")
        contract = contracts.get_contract(town.contract_id)
        sub = contracts.subscribe(contract, user(member), {town.lines[0]: "2"}, "solidarity")
        assert sub.total == Decimal("16.80") and sub.reduction == Decimal("8.40")
        contracts.change_delivery(sub, town.deliveries[0], "skip")
        assert sub.total == Decimal("11.20") and sub.reduction == Decimal("5.60")
        assert solidarity.pot().balance == Decimal("50") - Decimal("8.40") + Decimal("2.80")
        with pytest.raises(Conflict):  # max_skips = 1
            contracts.change_delivery(sub, town.deliveries[1], "skip")
        contracts.change_delivery(sub, town.deliveries[1], "give")
        assert sub.total == Decimal("11.20")


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", "abc"), ("price", "1.234"), ("price", "-2"), ("solidarity_price", "9.99")],
)
def test_bad_prices_name_their_field(factory, in_commune, field, value):
    from tests.plugins.food.conftest import make_town

    town = make_town(factory, in_commune, f"prix-{field[:4]}-{len(value)}", open_contract=False)
    with in_commune(town.commune):
        from convergence_food.models import Product
        from sqlalchemy import select

        from federation.db import db

        contract = contracts.get_contract(town.contract_id)
        product = db.session.scalar(select(Product).where(Product.name == "Tomates"))
        # remove the line so that the product may be added again
        data = {"product_id": product.id, "price": "3.00", "solidarity_price": "2.00"}
        data[field] = value
        with pytest.raises((ValidationFailed, Conflict)) as refused:
            contracts.add_line(contract, data)
        assert refused.value.field in (field, "product_id")
