"""What a month holds: meetings, votes' closing dates and roster shifts, for a commune or
for one person; a commune's places and the concerns located there. Three queries a month,
whatever the number of events."""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, cast, func, literal, null, or_, select, union_all

from federation.calendar.models import Place
from federation.db import db
from federation.errors import Conflict, ValidationFailed

KIND_LABELS = {
    "meeting": _l("Réunion"),
    "vote": _l("Clôture du vote"),
    "shift": _l("Créneau"),
}


@dataclass(frozen=True)
class Item:
    kind: str
    id: int
    title: str
    start: datetime
    end: datetime | None
    url: str
    cancelled: bool = False
    #: the commune's name, on a person's calendar across their communes
    commune: str = ""

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    last = date(year + (month == 12), month % 12 + 1, 1)
    return (
        datetime.combine(first, time.min, tzinfo=UTC),
        datetime.combine(last, time.min, tzinfo=UTC),
    )


def parse_month(value: str | None, today: date) -> tuple[int, int]:
    """``"2026-12"`` → (2026, 12); anything else → the current month."""
    try:
        year, month = (int(part) for part in (value or "").split("-", 1))
        if 1900 <= year <= 2999 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def items(slug: str, start: datetime, end: datetime, user_id: int | None = None) -> list[Item]:
    """Events of the current commune between ``start`` and ``end``; a person's own when
    ``user_id`` is given (meetings they registered for, votes open to the commune or their
    circles, the shifts they signed up for). One query (UNION ALL of the three kinds), each
    part under the session's tenant criteria."""
    from federation.governance.models import BodyMember, Meeting, MeetingAttendance, Vote
    from federation.roster.models import Shift, Signup
    from federation.roster.texts import title_of

    no_params = cast(null(), JSON)
    meetings = select(
        literal("meeting").label("kind"),
        Meeting.id,
        Meeting.title,
        Meeting.starts_at.label("start"),
        Meeting.ends_at.label("end"),
        Meeting.status,
        literal("").label("title_kind"),
        no_params.label("title_params"),
    ).where(Meeting.starts_at >= start, Meeting.starts_at < end)
    votes = select(
        literal("vote"),
        Vote.id,
        Vote.title,
        Vote.closes_at,
        cast(null(), Vote.closes_at.type),
        Vote.status,
        Vote.title_kind,  # a generated title reads in the reader's language
        Vote.title_params,
    ).where(Vote.closes_at >= start, Vote.closes_at < end, Vote.status.in_(("open", "closed")))
    shifts = select(
        literal("shift"),
        Shift.id,
        Shift.title,
        Shift.starts_at,
        Shift.ends_at,
        Shift.status,
        Shift.title_kind,
        Shift.title_params,
    ).where(Shift.starts_at >= start, Shift.starts_at < end)
    if user_id is not None:
        registered = select(MeetingAttendance.meeting_id).where(
            MeetingAttendance.user_id == user_id, MeetingAttendance.registered.is_(True)
        )
        meetings = meetings.where(Meeting.id.in_(registered))
        mine = select(BodyMember.body_id).where(BodyMember.user_id == user_id)
        votes = votes.where(or_(Vote.electorate == "commune", Vote.body_id.in_(mine)))
        signed = select(Signup.shift_id).where(Signup.user_id == user_id, Signup.status == "active")
        shifts = shifts.where(Shift.id.in_(signed))
    base = f"/c/{slug}"
    paths = {"meeting": "meetings", "vote": "votes", "shift": "roster/shifts"}
    found = [
        Item(
            row.kind,
            row.id,
            title_of(row.title_kind, row.title_params, row.title),
            _aware(row.start),
            row.end and _aware(row.end),
            f"{base}/{paths[row.kind]}/{row.id}",
            row.status == "cancelled",
        )
        for row in db.session.execute(union_all(meetings, votes, shifts))
    ]
    return sorted(found, key=lambda i: (i.start, i.kind, i.id))


def person_items(user_id: int, start: datetime, end: datetime) -> list[Item]:
    """A person's events in every commune where they are an active member (a query per
    commune: a person belongs to a few)."""
    from dataclasses import replace

    from federation.identity.services import memberships_of
    from federation.tenancy.context import commune_scope

    found: list[Item] = []
    for membership in memberships_of(user_id):
        if membership.status != "active":
            continue
        commune = membership.commune
        with commune_scope(commune.id):
            found += [
                replace(item, commune=commune.name)
                for item in items(commune.slug, start, end, user_id=user_id)
            ]
    return sorted(found, key=lambda i: (i.start, i.kind, i.id))


def month_grid(year: int, month: int, found: list[Item]) -> list[list[tuple[date, list[Item]]]]:
    """Weeks (Monday first) of (day, items) pairs, days of the next and previous months
    included to fill the weeks."""
    by_day: dict[date, list[Item]] = defaultdict(list)
    for item in found:
        by_day[item.start.date()].append(item)
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[(day, by_day.get(day, [])) for day in week] for week in weeks]


def neighbours(year: int, month: int) -> tuple[str, str]:
    before = date(year, month, 1) - timedelta(days=1)
    after = date(year, month, 28) + timedelta(days=4)
    return f"{before.year:04d}-{before.month:02d}", f"{after.year:04d}-{after.month:02d}"


# -- places ---------------------------------------------------------------------------------


def places() -> list[Place]:
    return list(db.session.scalars(select(Place).order_by(Place.name)))


def concerns_by_place() -> dict[str, list]:
    """Open concerns whose ``place`` names a place, by the place's lower-cased name."""
    from federation.governance.models import Concern

    names = select(func.lower(Place.name))
    rows = db.session.scalars(
        select(Concern)
        .where(Concern.status == "open", func.lower(Concern.place).in_(names))
        .order_by(Concern.created_at.desc())
    )
    found: dict[str, list] = defaultdict(list)
    for concern in rows:
        found[concern.place.lower()].append(concern)
    return found


def _coordinate(value: str | None, field: str, limit: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise ValidationFailed(_l("Coordonnée invalide."), field=field) from None
    if not -limit <= number <= limit:
        raise ValidationFailed(_l("Coordonnée hors limites."), field=field)
    return number


def place_named(name: str) -> Place | None:
    """The commune's place of that name in any case, compared in Python (``casefold``):
    SQL's lower() folds only ASCII on SQLite, so "École" twice passed a SQL check and hit
    the unique constraint (a 500 the API fuzz found), and "école" matched on PostgreSQL
    only. A commune has few places: they are read once."""
    wanted = name.strip().casefold()
    return next((p for p in db.session.scalars(select(Place)) if p.name.casefold() == wanted), None)


def add_place(
    name: str, address: str = "", description: str = "", latitude=None, longitude=None
) -> Place:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_l("Donnez un nom au lieu (200 caractères au plus)."), field="name")
    lat = _coordinate(latitude, "latitude", 90)
    lon = _coordinate(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise ValidationFailed(
            _l("Donnez la latitude et la longitude, ou aucune."), field="latitude"
        )
    if place_named(name) is not None:
        raise Conflict(_l("Un lieu porte déjà ce nom."))
    place = Place(
        name=name,
        address=(address or "")[:300],
        description=description or "",
        latitude=lat,
        longitude=lon,
    )
    db.session.add(place)
    db.session.flush()
    return place
