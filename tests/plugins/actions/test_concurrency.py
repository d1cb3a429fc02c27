"""Race safety (PostgreSQL): twelve people take the last places of an event at once, and
twelve people book the same room slot at once. Registrations never exceed the capacity (the
others wait, in order), a freed place goes to exactly one person, and a slot is booked once.
The planted twins (the event's and the room's row lock switched off, every request reading
after all have arrived, before any writes) break the same checks."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta

import pytest
from convergence_actions import events, places
from convergence_actions.models import Booking, Registration
from sqlalchemy import func, select

from federation.db import db, utcnow
from federation.errors import Conflict
from federation.tenancy.context import commune_scope
from tests.plugins.actions.conftest import make_town, new_event, user

THREADS = 12
CAPACITY = 3


def _rush(app, commune_id: int, calls: list) -> list[str]:
    start = threading.Barrier(len(calls), timeout=60)
    results: list[str] = []

    def one(call) -> None:
        with app.app_context(), commune_scope(commune_id):
            try:
                start.wait()
                results.append(call())
                db.session.commit()
            except Conflict:
                db.session.rollback()
                results.append("refused")
            except Exception as exc:
                db.session.rollback()
                results.append(f"error: {type(exc).__name__}")

    threads = [threading.Thread(target=one, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def race_town(app, factory, in_commune):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrency is proven on PostgreSQL (CONVERGENCE_TEST_DATABASE_URL)")
    town = make_town(factory, in_commune, "ruee")
    town.members.extend(factory.member(town.commune) for _ in range(THREADS - 4))
    return town


def registration_race(app, town, in_commune) -> dict:
    event_id = new_event(town, in_commune, capacity=CAPACITY)

    def register(ref):
        return lambda: events.register(events.get_event(event_id), user(ref)).status

    results = _rush(app, town.commune.id, [register(m) for m in town.members[:THREADS]])
    with in_commune(town.commune):
        confirmed = db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.status == "confirmed")
            .order_by(Registration.id)
        ).all()
        first = confirmed[0]
        events.cancel_registration(
            events.get_event(event_id),
            first,
            user(next(m for m in town.members if m.user.id == first.user_id)),
        )
    with in_commune(town.commune):
        after = db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event_id, Registration.status == "confirmed"
            )
        )
    return {"results": results, "confirmed_after_promotion": after}


def registration_holds(outcome: dict) -> bool:
    results = outcome["results"]
    return (
        results.count("confirmed") == CAPACITY
        and results.count("waiting") == THREADS - CAPACITY
        and outcome["confirmed_after_promotion"] == CAPACITY
    )


def booking_race(app, town, in_commune) -> dict:
    with in_commune(town.commune):
        place = places.create_place({"name": "Maison commune"}, user(town.facilitator))
        room_id = places.add_room(
            place, {"name": "Salle", "max_hours": 3}, user(town.facilitator)
        ).id
    start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)

    def book(ref, shift_minutes):
        span = {
            "starts_at": start + timedelta(minutes=shift_minutes),
            "ends_at": start + timedelta(minutes=shift_minutes + 90),
        }
        return lambda: (places.book(places.get_room(room_id), span, user(ref)), "ok")[1]

    calls = [book(m, 15 * (i % 3)) for i, m in enumerate(town.members[:THREADS])]
    results = _rush(app, town.commune.id, calls)
    with in_commune(town.commune):
        spans = db.session.execute(
            select(Booking.starts_at, Booking.ends_at).where(Booking.room_id == room_id)
        ).all()
    overlapping = any(
        a.starts_at < b.ends_at and b.starts_at < a.ends_at
        for i, a in enumerate(spans)
        for b in spans[i + 1 :]
    )
    return {"results": results, "bookings": len(spans), "overlapping": overlapping}


def booking_holds(outcome: dict) -> bool:
    return (
        outcome["results"].count("ok") == 1
        and outcome["bookings"] == 1
        and not outcome["overlapping"]
        and not [r for r in outcome["results"] if r.startswith("error")]
    )


def _no_lock(monkeypatch, module) -> None:
    arrived = threading.Barrier(THREADS, timeout=60)

    def no_lock(_model, _row_id, **_kw) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            arrived.wait()

    monkeypatch.setattr(module, "lock_row", no_lock)


def test_registrations_never_exceed_capacity_under_concurrency(app, race_town, in_commune):
    outcome = registration_race(app, race_town, in_commune)
    assert registration_holds(outcome), outcome


def test_planted_twin_registrations_without_the_lock_is_caught(
    app, race_town, in_commune, monkeypatch
):
    _no_lock(monkeypatch, events)
    outcome = registration_race(app, race_town, in_commune)
    assert not registration_holds(outcome), outcome


def test_a_room_slot_is_booked_once_under_concurrency(app, race_town, in_commune):
    outcome = booking_race(app, race_town, in_commune)
    assert booking_holds(outcome), outcome


def test_planted_twin_bookings_without_the_lock_is_caught(app, race_town, in_commune, monkeypatch):
    _no_lock(monkeypatch, places)
    outcome = booking_race(app, race_town, in_commune)
    assert not booking_holds(outcome), outcome
