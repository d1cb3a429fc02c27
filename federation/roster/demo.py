"""Demonstration data: a commune-wide duty, a weekly harvest-help series and a
distribution shift filled by the demo people."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

from federation.db import utcnow
from federation.errors import ServiceError
from federation.roster import duty, services


def load(commune: Any, users: dict[str, Any]) -> None:
    if services.shifts(after=utcnow() - timedelta(days=1)):
        return  # already there
    facilitator = users.get("facilitator")
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    duty.set_duty(shifts_per_cycle=1, cycle_weeks=4, starts_on=now.date(), actor=facilitator)
    first = now + timedelta(days=2, hours=9 - now.hour)
    services.create_series(
        "Chantier de récolte",
        first,
        180,
        [{"name": "récolte", "needed": 4}, {"name": "tri et pesée", "needed": 2}],
        rule={"freq": "weekly", "interval": 1},
        weeks_ahead=4,
        place="Jardin partagé",
        tasks="Récolte des légumes de saison, tri, pesée.",
        actor=facilitator,
    )
    start = now + timedelta(days=3, hours=17 - now.hour)
    shift = services.create_shift(
        "Distribution des paniers",
        start,
        start + timedelta(hours=2),
        [{"name": "accueil", "needed": 2}, {"name": "caisse", "needed": 1}],
        place="Halle du marché",
        tasks="Accueil, remise des paniers, caisse solidaire.",
        actor=facilitator,
    )
    for role_name, person in (("accueil", "member"), ("caisse", "facilitator")):
        user = users.get(person)
        if user is None:
            continue
        role = next(r for r in shift.roles if r.name == role_name)
        with suppress(ServiceError):  # demo people may not all be members
            services.sign_up(shift, role, user)
