"""Deliveries one may give (issue 14 item 5): to food aid, to the solidarity pot (its price
goes to the pot, the basket is not delivered) or to another household (who picks it up);
page, API and pick-up list go through contracts.change_delivery."""

from __future__ import annotations

from decimal import Decimal

import pytest
from convergence_food import contracts, distributions, solidarity
from convergence_food.models import Delivery

from federation.db import db
from federation.errors import ValidationFailed
from tests.plugins.food.conftest import user


def test_a_delivery_given_to_the_pot_or_to_another_household(app, in_commune, food_town):
    town = food_town
    with in_commune(town.commune):
        giver, friend, third = (user(r) for r in town.members)
        contract = contracts.get_contract(town.contract_id)
        sub = contracts.subscribe(contract, giver, {town.lines[0]: "1", town.lines[1]: "2"})
        other = contracts.subscribe(contract, third, {town.lines[1]: "1"})
        before = solidarity.active_pot().balance
        contracts.change_delivery(sub, town.deliveries[0], "pot")
        # 1 kg of tomatoes (4.20) and 2 salads (2 × 1.15) for that delivery
        assert solidarity.active_pot().balance - before == Decimal("6.50")
        assert sub.total == Decimal("19.50")  # paid all the same
        with pytest.raises(ValidationFailed) as refused:
            contracts.change_delivery(sub, town.deliveries[1], "gift", recipient_id=giver.id)
        assert refused.value.field == "recipient_id"
        contracts.change_delivery(sub, town.deliveries[1], "gift", recipient_id=friend.id)
        contracts.change_delivery(other, town.deliveries[1], "pot")
        days = {
            d.id: distributions.create_distribution(
                {"day": db.session.get(Delivery, d.id).delivery_on.isoformat(), "place": "Halle"}
            )
            for d in contracts.deliveries_of(contract)[:2]
        }
        first = distributions.pickup(days[town.deliveries[0]])
        # the giver's basket went to the pot: only the other subscriber picks one up
        assert [p.account_id for p in first.people] == [third.id]
        second = distributions.pickup(days[town.deliveries[1]])
        assert [p.account_id for p in second.people] == [friend.id]
        assert len(second.people[0].items) == 2
        from convergence_food.transfer import erase_personal_data, personal_data

        assert personal_data(friend)["deliveries_received"]
        erase_personal_data(friend)
        assert not personal_data(friend)["deliveries_received"]


def test_the_api_names_the_recipient_field(app, client, factory, in_commune, food_town):
    town = food_town
    with in_commune(town.commune):
        sub = contracts.subscribe(
            contracts.get_contract(town.contract_id), user(town.members[0]), {town.lines[0]: "1"}
        )
        sub_id = sub.id
    headers = factory.token(town.members[0].user)
    url = f"{town.api}/subscriptions/{sub_id}/changes"
    bad = client.post(
        url,
        json={"delivery_id": town.deliveries[0], "action": "gift", "recipient_id": 999999},
        headers=headers,
    )
    assert bad.status_code == 422 and "recipient_id" in bad.text
    good = client.post(
        url,
        json={
            "delivery_id": town.deliveries[0],
            "action": "gift",
            "recipient_id": town.members[1].user.id,
        },
        headers=headers,
    )
    assert good.status_code in (200, 201), good.text
