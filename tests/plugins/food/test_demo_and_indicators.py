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
