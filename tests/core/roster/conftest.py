"""Shared set-up for roster tests: a commune with a facilitator and members, helpers to act
in its scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from federation.db import db, utcnow
from federation.identity.models import User


@dataclass
class Village:
    commune: object
    facilitator: object
    members: list
    base: str
    api: str


@pytest.fixture
def village(factory):
    commune = factory.commune("roster-ville", "Roster-Ville")
    facilitator = factory.member(commune, "facilitator")
    members = [factory.member(commune) for _ in range(4)]
    return Village(
        commune,
        facilitator,
        members,
        f"/c/{commune.slug}/roster",
        f"/api/v1/communes/{commune.slug}/roster",
    )


def user(ref) -> User:
    person = ref.user if hasattr(ref, "user") else ref
    return db.session.get(User, person.id)


def soon(hours: float = 48) -> datetime:
    return utcnow().replace(microsecond=0) + timedelta(hours=hours)


@pytest.fixture
def make_shift(in_commune) -> Callable[..., int]:
    """Create a shift in a commune (roles default: 2 people), return its id."""
    from federation import roster

    def _make(commune, needed: int = 2, starts_in: float = 48, **kw) -> int:
        with in_commune(commune):
            start = soon(starts_in)
            shift = roster.create_shift(
                kw.pop("title", "Distribution"),
                start,
                start + timedelta(hours=2),
                kw.pop("roles", [{"name": "accueil", "needed": needed}]),
                place=kw.pop("place", "Halle"),
                **kw,
            )
            shift_id = shift.id
        return shift_id

    return _make
