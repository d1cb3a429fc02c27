"""Harvest help: a producer (or the food circle) opens harvest shifts through the core
roster — one shift or a weekly/monthly series — and people sign up on the roster's pages
(never over capacity). The shifts carry the source ``food.harvest`` and the producer's id;
their title is stored as a kind and its parameters, rendered in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from convergence_food.constants import HARVEST_SOURCE, HARVEST_TITLE
from convergence_food.models import Producer
from convergence_food.services import food_bodies, may_manage_producer
from federation.errors import Forbidden, ValidationFailed
from federation.validation import choice_field, integer_field, text_field

REPEATS = {"": "", "weekly": "weekly", "monthly": "monthly"}


def _starts(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValidationFailed(
                _("Date et heure invalides (AAAA-MM-JJTHH:MM)."), field="starts_at"
            ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def open_harvest(producer: Producer, data: dict[str, Any], actor: Any = None) -> list[Any]:
    """Open harvest-help shifts for ``producer``: ``starts_at``, ``duration_minutes``,
    ``needed`` (people), ``place``, ``tasks``, ``repeat`` ("", "weekly", "monthly"),
    ``interval`` and ``weeks_ahead`` for a series. Returns the shifts created. The roster
    writes the journal entry; the caller commits."""
    from federation import roster

    if actor is not None and not may_manage_producer(actor, producer):
        raise Forbidden(_("Réservé au cercle alimentation et au·à la producteur·rice."))
    starts = _starts(data.get("starts_at"))
    minutes = integer_field(
        data.get("duration_minutes"), "duration_minutes", 30, 12 * 60, default=180
    )
    needed = integer_field(data.get("needed"), "needed", 1, 100, default=4)
    repeat = choice_field(data.get("repeat") or "", REPEATS, "repeat")
    common = {
        "place": text_field(data.get("place"), "place", 300),
        "tasks": text_field(data.get("tasks"), "tasks", 2000),
        "body": (food_bodies() or [None])[0],
        "source_kind": HARVEST_SOURCE,
        "source_ref": str(producer.id),
        "actor": actor,
        "title_kind": HARVEST_TITLE,
        "title_params": {"producer": producer.name},
    }
    roles = [{"name": "récolte", "needed": needed}]
    if not repeat:
        return [
            roster.create_shift("", starts, starts + timedelta(minutes=minutes), roles, **common)
        ]
    series = roster.create_series(
        "",
        starts,
        minutes,
        roles,
        rule={
            "freq": repeat,
            "interval": integer_field(data.get("interval"), "interval", 1, 12, default=1),
        },
        weeks_ahead=integer_field(data.get("weeks_ahead"), "weeks_ahead", 1, 26, default=4),
        **common,
    )
    return [s for s in roster.shifts_for(HARVEST_SOURCE, producer.id) if s.series_id == series.id]


def harvest_shifts(producer: Producer) -> tuple[list[Any], dict[int, int]]:
    """The producer's upcoming harvest shifts and their sign-ups per role (two queries)."""
    from federation import roster
    from federation.db import utcnow

    now = utcnow()
    shifts = [
        s
        for s in roster.shifts_for(HARVEST_SOURCE, producer.id)
        if s.status == "open" and roster.services.aware(s.ends_at) >= now
    ]
    return shifts, roster.filled(shifts)


def fill_rows(shifts: list[Any], taken: dict[int, int]) -> list[tuple[Any, int, int]]:
    """(shift, people signed up, people needed) for a page."""
    return [
        (s, sum(taken.get(r.id, 0) for r in s.roles), sum(r.needed for r in s.roles))
        for s in shifts
    ]
