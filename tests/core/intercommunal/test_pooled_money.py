# ruff: noqa: F811 - the plateau fixture is imported, and named as test arguments
"""Issue 10 item 9: pooled money. Shares sum exactly to one, only communes that ratified
(and were members then) are charged, and the spending cap holds under concurrency."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from federation.db import db
from tests.core.intercommunal.test_ratification import (  # noqa: F401 - plateau is a fixture
    _assembly_vote,
    _local_proposal,
    _plateau_vote,
    plateau,
)

BASE = "/api/v1/federations/plateau"


def _create(client, factory, plateau, contributions, budget="10000"):
    return client.post(
        f"{BASE}/projects",
        json={"title": "Station de mesure", "budget": budget, "contributions": contributions},
        headers=factory.token(plateau["coordinator"]),
    )


def test_shares_that_do_not_sum_to_one_are_refused_naming_them(client, factory, plateau):
    response = _create(
        client,
        factory,
        plateau,
        [{"commune": "c0", "share": "0.5"}, {"commune": "c1", "share": "0.1"}],
    )
    assert response.status_code == 422, response.json
    message = " ".join(response.json["errors"]["json"]["contributions"])
    assert "0.5" in message and "0.1" in message and "0.6" in message
    over = _create(
        client,
        factory,
        plateau,
        [{"commune": "c0", "share": "0.7"}, {"commune": "c1", "share": "0.4"}],
    )
    assert over.status_code == 422 and "contributions" in over.json["errors"]["json"]
    thirds = _create(
        client,
        factory,
        plateau,
        [{"commune": f"c{i}", "share": s} for i, s in enumerate(["0.3333", "0.3333", "0.3334"])],
    )
    assert thirds.status_code == 201, thirds.json
    assert sum(Decimal(c["amount"]) for c in thirds.json["contributions"]) == Decimal("10000")


def test_shares_given_as_fractions_add_up_exactly(app, plateau):
    """Thirds as fractions (the service; the demo uses it): exact, amounts to the cent."""
    from federation.errors import ValidationFailed
    from federation.intercommunal import pooled
    from federation.tenancy.models import Federation

    ids = [c.id for c in plateau["communes"][:3]]
    with app.app_context():
        fed = db.session.get(Federation, plateau["federation"].id)
        project = pooled.create_project(fed, "Tiers", "100", dict.fromkeys(ids, "1/3"), shares=True)
        assert sorted(str(c.amount) for c in project.contributions) == [
            "33.33",
            "33.33",
            "33.34",
        ]
        with pytest.raises(ValidationFailed) as refused:
            pooled.create_project(
                fed, "Sixièmes", "100", dict.fromkeys(ids, "0.166667"), shares=True
            )
        assert "0.500001" in str(refused.value.message)
        db.session.rollback()


def _approved_project(client, factory, plateau):
    """c3 leaves before the decision, c0 and c1 ratify (2 of the 3 remaining), c2 never
    answers: only c0 and c1 are charged, 2,500 each."""
    from tests.support.notes_plugin import CALLS

    for commune in plateau["communes"]:
        factory.enable(commune, "notes")
    project = _create(
        client, factory, plateau, [{"commune": f"c{i}", "share": "0.25"} for i in range(4)]
    )
    assert project.status_code == 201, project.json
    project_id = project.json["id"]
    headers = factory.token(plateau["coordinator"])
    client.post(f"{BASE}/projects/{project_id}/submit", json={}, headers=headers)
    admin = factory.token(factory.platform_admin())
    assert client.delete(f"{BASE}/communes/c3", headers=admin).status_code == 204
    CALLS.clear()
    _plateau_vote(client, factory, plateau, 0, "yes")
    _plateau_vote(client, factory, plateau, 1, "yes")
    funded = [
        c for c in CALLS if c[0] == "event" and c[1][0] == "intercommunal.pooled_project_ratified"
    ]
    return project_id, funded


def test_only_communes_that_ratified_while_members_are_charged(client, factory, plateau):
    project_id, funded = _approved_project(client, factory, plateau)
    detail = client.get(f"{BASE}/projects").json[0]
    assert detail["status"] == "approved"
    assert sorted((c[1][2], c[1][1]["amount"]) for c in funded) == [
        ("c0", "2500.00"),
        ("c1", "2500.00"),
    ]
    charged = {c["commune"]: c["charged"] for c in detail["contributions"]}
    assert charged == {"c0": True, "c1": True, "c2": False, "c3": False}
    assert detail["funded"] == "5000.00"
    page = client.get(f"/f/plateau/projects/{project_id}?lang=en")
    assert page.status_code == 200 and "not paid" in page.text and "€5,000.00" in page.text
    # the spending cap is what was actually charged
    headers = factory.token(plateau["coordinator"])
    today = date.today().isoformat()
    over = client.post(
        f"{BASE}/projects/{project_id}/expenses",
        json={"label": "Capteurs", "amount": "6000", "spent_on": today},
        headers=headers,
    )
    assert over.status_code == 409 and "amount" in over.json["errors"]["json"]


def _wide_pool_app(app, make_app, workers):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return app
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": workers + 5, "max_overflow": 0})


def _widen_the_race(monkeypatch):
    """Sleep between reading what was spent and writing the expense: a race, if any, shows."""
    import time

    from federation.intercommunal import pooled

    original = pooled._spent_now

    def slow(project):
        value = original(project)
        time.sleep(0.05)
        return value

    monkeypatch.setattr(pooled, "_spent_now", slow)


def _concurrent_expenses(app, make_app, client, factory, plateau):
    project_id, _funded = _approved_project(client, factory, plateau)
    workers = 12
    served = _wide_pool_app(app, make_app, workers)
    barrier = threading.Barrier(workers, timeout=60)
    statuses: list[int] = []

    def attempt(n: int) -> None:
        """The service itself, each thread with its own connection and transaction (through
        the API, the token's last-use write would serialise SQLite requests by accident)."""
        from federation.errors import Conflict
        from federation.identity.models import User
        from federation.intercommunal import pooled
        from federation.tenancy.models import Federation

        with served.app_context():
            fed = db.session.get(Federation, plateau["federation"].id)
            project = pooled.get_project(fed, project_id)
            actor = db.session.get(User, plateau["coordinator"].id)
            barrier.wait()
            try:
                pooled.add_expense(project, f"Dépense {n}", "1000", date(2026, 1, 1), actor)
                db.session.commit()
                statuses.append(201)
            except Conflict:
                db.session.rollback()
                statuses.append(409)
            except Exception:  # the planted race may also fail elsewhere (journal contention)
                db.session.rollback()
                statuses.append(500)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    from federation.intercommunal.models import PooledExpense

    with app.app_context():
        total = sum(e.amount for e in db.session.query(PooledExpense).all())
    return total, statuses


def test_spending_cap_holds_under_concurrent_expenses(
    app,
    make_app,
    client,
    factory,
    plateau,
    monkeypatch,
):
    """R12 shape: 12 concurrent 1,000 € expenses on 5,000 € funded → 5 accepted, 7 refused."""
    _widen_the_race(monkeypatch)
    total, statuses = _concurrent_expenses(app, make_app, client, factory, plateau)
    assert set(statuses) <= {201, 409}, statuses
    assert total <= Decimal("5000"), (total, statuses)
    assert statuses.count(201) == 5, statuses


def test_the_cap_test_sees_an_unlocked_cap(
    app,
    make_app,
    client,
    factory,
    plateau,
    monkeypatch,
):
    """Planted: without the lock the same race overspends (else the test proves nothing)."""
    from federation.intercommunal import pooled

    monkeypatch.setattr(pooled, "_lock_project", lambda project: None)
    _widen_the_race(monkeypatch)
    total, statuses = _concurrent_expenses(app, make_app, client, factory, plateau)
    assert total > Decimal("5000"), (total, statuses)


def test_the_project_page_submits_with_the_rule_for_communes_that_cannot_answer(
    client, factory, plateau
):
    project = _create(
        client, factory, plateau, [{"commune": f"c{i}", "share": "0.25"} for i in range(4)]
    )
    project_id = project.json["id"]
    factory.login(client, plateau["coordinator"])
    page = client.get(f"/f/plateau/projects/{project_id}")
    assert 'name="unable_rule"' in page.text
    client.post(
        f"/f/plateau/projects/{project_id}",
        data={"action": "submit", "rule": "majority", "unable_rule": "exclude"},
    )
    proposals = client.get(f"{BASE}/proposals").json
    assert proposals[0]["unable_rule"] == "exclude" and proposals[0]["status"] == "ratifying"
