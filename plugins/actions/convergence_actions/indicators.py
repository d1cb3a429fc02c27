"""Federation indicators: actions held, people mobilised, hours given — every value for every
member commune in a constant number of grouped queries (never one per commune)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from convergence_actions.events import ROSTER_SOURCE
from convergence_actions.models import Event, Registration
from federation.db import db, utcnow
from federation.plugins import Indicator


def figures(commune_ids: list[int]) -> dict[str, dict[int, float]]:
    """Per commune: actions held (started, not cancelled), people mobilised (checked in at
    the door, with or without an account) and hours given (attendance × duration, and
    attended roster roles of the events)."""
    now = utcnow()
    held: dict[int, float] = dict.fromkeys(commune_ids, 0)
    people: dict[int, float] = dict.fromkeys(commune_ids, 0)
    hours: dict[int, float] = defaultdict(float)
    for cid, starts, ends, n in db.session.execute(
        select(Event.commune_id, Event.starts_at, Event.ends_at, func.count(Registration.id))
        .outerjoin(
            Registration,
            (Registration.event_id == Event.id) & Registration.attended_at.is_not(None),
        )
        .where(
            Event.commune_id.in_(commune_ids), Event.status != "cancelled", Event.starts_at <= now
        )
        .group_by(Event.commune_id, Event.id, Event.starts_at, Event.ends_at)
    ):
        held[cid] += 1
        people[cid] += n
        hours[cid] += (ends - starts).total_seconds() / 3600 * n
    try:
        from federation.roster.models import Shift, Signup
    except ImportError:  # a core without the roster
        Shift = None
    if Shift is not None:
        for cid, starts, ends in db.session.execute(
            select(Shift.commune_id, Shift.starts_at, Shift.ends_at)
            .join(Signup, Signup.shift_id == Shift.id)
            .where(
                Shift.commune_id.in_(commune_ids),
                Shift.source_kind == ROSTER_SOURCE,
                Signup.attendance == "attended",
            )
        ):
            hours[cid] += (ends - starts).total_seconds() / 3600
    return {
        "held": held,
        "people": people,
        "hours": {cid: round(hours.get(cid, 0.0), 1) for cid in commune_ids},
    }


def indicators(federation: Any, commune_ids: list[int]) -> list[Indicator]:
    found = figures(commune_ids)
    return [
        Indicator("actions.held", _l("Actions tenues"), found["held"], weight=70),
        Indicator(
            "actions.people",
            _l("Personnes mobilisées"),
            found["people"],
            counts_people=True,
            weight=71,
        ),
        Indicator("actions.hours", _l("Heures données"), found["hours"], unit="h", weight=72),
    ]
