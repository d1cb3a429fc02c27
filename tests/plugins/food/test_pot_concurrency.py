"""The solidarity pot never goes negative under concurrent requests (PostgreSQL): sixteen
households ask for the solidarity price at once, the pot covers five. The planted twin (the
pot's row lock switched off, every request reading the balance before any writes) lets more
through, or breaks on the database's CHECK: the same assertions catch it."""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal

import pytest
from convergence_food import contracts, solidarity
from convergence_food.models import PotMovement, Subscription
from sqlalchemy import func, select

from federation.db import db
from federation.errors import Conflict
from federation.tenancy.context import commune_scope
from tests.plugins.food.conftest import make_town, user

THREADS = 16
COVERED = 5
REDUCTION = Decimal("4.20")  # 1 kg of tomatoes × (4.20 − 2.80) × 3 deliveries


def _postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def solidarity_rush(app, entrants: list) -> list[str]:
    """Every (town, person) asks for the solidarity price at the same instant; one result
    per request: "ok", "refused" or "error: …"."""
    start = threading.Barrier(len(entrants), timeout=60)
    results: list[str] = []

    def one(town, ref) -> None:
        with app.app_context(), commune_scope(town.commune.id):
            try:
                start.wait()
                contracts.subscribe(
                    contracts.get_contract(town.contract_id),
                    user(ref),
                    {town.lines[0]: "1"},
                    "solidarity",
                )
                db.session.commit()
                results.append("ok")
            except Conflict:
                db.session.rollback()
                results.append("refused")
            except Exception as exc:
                db.session.rollback()
                results.append(f"error: {type(exc).__name__}")

    threads = [threading.Thread(target=one, args=entrant) for entrant in entrants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def race(app, factory, in_commune, town, before_read=None) -> dict:
    people = [factory.member(town.commune) for _ in range(THREADS)]
    with in_commune(town.commune):
        solidarity.gift(REDUCTION * COVERED)
    results = solidarity_rush(app, [(town, p) for p in people])
    with in_commune(town.commune):
        pot = solidarity.pot()
        granted = db.session.scalar(
            select(func.count(Subscription.id)).where(Subscription.tier == "solidarity")
        )
        moved = db.session.scalar(select(func.sum(PotMovement.amount))) or Decimal(0)
        return {
            "results": results,
            "balance": pot.balance,
            "granted": granted,
            "consistent": moved == pot.balance == pot.received - pot.spent,
        }


def holds(outcome: dict, covered: int = COVERED) -> bool:
    """Exactly ``covered`` requests granted, the pot at zero, its movements adding up to its
    balance, and no request failing with an error (also used by the shared pot's race)."""
    return (
        outcome["results"].count("ok") == covered
        and outcome["granted"] == covered
        and outcome["balance"] == Decimal("0")
        and outcome["consistent"]
        and not [r for r in outcome["results"] if r.startswith("error")]
    )


@pytest.fixture
def open_town(app, factory, in_commune):
    if not _postgres(app):
        pytest.skip("concurrency is proven on PostgreSQL (CONVERGENCE_TEST_DATABASE_URL)")
    town = make_town(factory, in_commune, "ruee")
    from federation.plugins.services import update_settings
    from federation.tenancy.models import Commune

    with in_commune(town.commune):
        update_settings(
            db.session.get(Commune, town.commune.id), "food", {"aid_open_to": "members"}
        )
    return town


def test_pot_never_negative_under_concurrent_requests(app, factory, in_commune, open_town):
    outcome = race(app, factory, in_commune, open_town)
    assert holds(outcome), outcome


def test_planted_twin_without_the_lock_is_caught(app, factory, in_commune, open_town, monkeypatch):
    """No lock: every request reads the balance after all have arrived, before any write."""
    arrived = threading.Barrier(THREADS, timeout=60)

    def no_lock(_model, _row_id, **_kw) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            arrived.wait()

    monkeypatch.setattr(solidarity, "lock_row", no_lock)
    outcome = race(app, factory, in_commune, open_town)
    assert not holds(outcome), outcome
