"""The demo's food story in one commune, and the federation's indicators from it in a
constant number of queries."""

from __future__ import annotations

from decimal import Decimal

from convergence_food import contracts, land, solidarity
from convergence_food.models import Contract, Match, Subscription
from sqlalchemy import select

from federation.db import db
from federation.identity.models import User


def test_demo_story(factory, in_commune):
    commune = factory.commune("faux-la-montagne", "Faux-la-Montagne")
    factory.enable(commune, "food")
    refs = {
        "facilitator": factory.member(commune, "facilitator"),
        "member": factory.member(commune),
        "other": factory.member(commune),
    }
    with in_commune(commune):
        from convergence_food.demo import load

        from federation.tenancy.models import Commune

        users = {k: db.session.get(User, v.user.id) for k, v in refs.items()}
        load(db.session.get(Commune, commune.id), users)
    with in_commune(commune):
        contract = db.session.scalar(select(Contract))
        assert contract.status == "open" and contract.decision_id
        subs = db.session.scalars(select(Subscription)).all()
        assert sorted(s.tier for s in subs) == ["solidarity", "support"]
        pot = solidarity.pot()
        assert pot.balance >= 0 and pot.received == Decimal("150.00")
        assert db.session.scalar(select(Match)).status == "adopted"
        assert land.installations() == 1
        assert contracts.subscriptions_of(contract)
        # the market gardener's harvest shift, filled to capacity by the demo people
        from convergence_food import harvest
        from convergence_food.models import Producer

        garden = db.session.scalar(select(Producer).where(Producer.kind == "market_gardener"))
        rows = harvest.fill_rows(*harvest.harvest_shifts(garden))
        assert rows and all(got == need > 0 for _shift, got, need in rows)


def test_indicators_in_constant_queries(app, factory, in_commune, count_queries):
    from convergence_food.indicators import indicators

    from tests.plugins.food.conftest import make_town

    small = make_town(factory, in_commune, "petite")
    big = make_town(factory, in_commune, "grande")
    with in_commune(big.commune):
        from convergence_food import services

        services.declare_needs({"vegetables": "3600", "bread": "100"})
    ids = [small.commune.id, big.commune.id]
    from federation.tenancy.context import federation_scope

    with app.app_context(), federation_scope(ids[:1]), count_queries() as one:
        indicators(None, ids[:1])
    with app.app_context(), federation_scope(ids), count_queries() as two:
        found = {i.key: i for i in indicators(None, ids)}
    assert one.count == two.count
    # 800 kg of tomatoes + 1000 salads = 1800 for 3600 of vegetables; no bread for 100
    assert found["food.coverage.vegetables"].values[big.commune.id] == 50
    assert found["food.coverage"].values[big.commune.id] == 1800 * 100 / 3700
    assert found["food.coverage"].values[small.commune.id] is None  # no needs declared
    assert found["food.producers"].values[small.commune.id] == 1


def test_one_producer_several_communes(app, client, factory, in_commune):
    """A producer listed by a neighbour of the same federation is listed here too, through
    the API, and the federation counts it once; a commune outside refuses."""
    from convergence_food.indicators import indicators

    from federation.tenancy.context import federation_scope
    from tests.plugins.food.conftest import make_town

    first = make_town(factory, in_commune, "amont", open_contract=False)
    second = make_town(factory, in_commune, "aval", open_contract=False)
    federation = factory.federation("plateau", [first.commune, second.commune])
    with in_commune(first.commune):
        from convergence_food import services

        bakery = services.create_producer({"name": "Fournil du Moulin", "kind": "baker"})
        services.add_product(bakery, {"name": "Pain", "family": "bread", "yearly_quantity": "9"})
        bakery_id = bakery.id
    headers = factory.token(second.facilitator.user)
    shared = client.post(
        f"{second.api}/producers/shared",
        json={"commune": first.commune.slug, "producer_id": bakery_id},
        headers=headers,
    )
    assert shared.status_code == 201, shared.json
    assert shared.json["shared"] is True and shared.json["name"] == "Fournil du Moulin"
    assert (
        client.get(f"{second.api}/producers/{shared.json['id']}/products").json[0]["name"] == "Pain"
    )
    outsider = client.post(
        f"{second.api}/producers/shared",
        json={"commune": first.outsider.commune.slug, "producer_id": 1},
        headers=headers,
    )
    assert outsider.status_code == 422 and "commune" in outsider.json["errors"]["json"]
    ids = [first.commune.id, second.commune.id]
    with app.app_context(), federation_scope(ids):
        found = {i.key: i for i in indicators(federation, ids)}
    assert found["food.producers"].values == {first.commune.id: 2, second.commune.id: 1}
