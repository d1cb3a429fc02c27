"""Community places (opening hours, rooms and their booking rules) and projects to create a
cooperative or an association (their steps, each done by a decision when it names one).

A place is the core's (:mod:`federation.calendar`: the ``places`` table, the commune's one
list of places, on its map); the plugin adds its accessibility and opening hours
(``actions_place_details``) and its rooms. :class:`CommunityPlace` reads both as one.

A booking takes its room's row lock before looking for an overlap: two concurrent requests
for the same span never both succeed (no double booking).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_actions import services
from convergence_actions.models import Booking, PlaceDetails, Project, ProjectStep, Room
from federation.calendar import services as calendar
from federation.calendar.models import Place
from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.models import Decision
from federation.roster.services import aware
from federation.validation import choice_field, flag, ident, integer_field, text_field

PROJECT_KINDS = ("cooperative", "association")
SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")

# --- places -------------------------------------------------------------------------------


class CommunityPlace:
    """A core place with the plugin's details (read as one object by pages, API, export)."""

    def __init__(self, place: Place, details: PlaceDetails | None) -> None:
        self.place, self.details = place, details

    def __getattr__(self, name: str) -> Any:
        return getattr(self.place, name)

    @property
    def accessibility(self) -> str:
        return self.details.accessibility if self.details else ""

    @property
    def opening_hours(self) -> dict:
        return self.details.opening_hours if self.details else {}


def _with_details() -> Any:
    return select(Place, PlaceDetails).outerjoin(PlaceDetails, PlaceDetails.place_id == Place.id)


def places() -> list[CommunityPlace]:
    """The commune's places (the core's list), with their details, in one query."""
    rows = db.session.execute(_with_details().order_by(Place.name, Place.id)).all()
    return [CommunityPlace(place, details) for place, details in rows]


def get_place(place_id: Any) -> CommunityPlace:
    found = db.session.execute(
        _with_details().where(Place.id == ident(place_id, "place_id"))
    ).first()
    if found is None:
        raise NotFound(_("Lieu introuvable."), field="place_id")
    return CommunityPlace(*found)


def set_details(place: Place, accessibility: str, opening_hours: dict) -> PlaceDetails:
    row = db.session.scalar(select(PlaceDetails).where(PlaceDetails.place_id == place.id))
    row = row or PlaceDetails(place_id=place.id)
    row.accessibility, row.opening_hours = accessibility, opening_hours
    db.session.add(row)
    db.session.flush()
    return row


def parse_hours(value: Any) -> dict[str, list[list[str]]]:
    """Opening hours: a dict, or lines ``"0 09:00-12:00 14:00-18:00"`` (Monday = 0)."""
    if isinstance(value, dict):
        lines = [f"{day} {' '.join('-'.join(s) for s in spans)}" for day, spans in value.items()]
    else:
        lines = [line for line in str(value or "").splitlines() if line.strip()]
    hours: dict[str, list[list[str]]] = {}
    for line in lines:
        day, *spans = line.split()
        if day not in "0123456" or len(day) != 1 or not spans:
            raise ValidationFailed(
                _("Une ligne par jour : « 0 09:00-18:00 » (lundi = 0)."), field="opening_hours"
            )
        for span in spans:
            if not SPAN.match(span) or span[:5] >= span[6:]:
                raise ValidationFailed(_("Horaire invalide : %(s)s", s=span), field="opening_hours")
            hours.setdefault(day, []).append([span[:5], span[6:]])
    return hours


def create_place(data: dict[str, Any], actor: Any) -> CommunityPlace:
    """A place of the commune (the core's service: one list, names unique) with the
    plugin's details."""
    services.require_organiser(actor)
    name = text_field(data.get("name"), "name", 200, required=True)
    accessibility = text_field(data.get("accessibility"), "accessibility", 2000)
    hours = parse_hours(data.get("opening_hours"))
    place = calendar.add_place(
        name,
        text_field(data.get("address"), "address", 300),
        text_field(data.get("description"), "description", 5000),
    )
    details = set_details(place, accessibility, hours)
    services.journal("place_opened", {"place": place.id, "name": place.name}, actor)
    return CommunityPlace(place, details)


def ensure_place(data: dict[str, Any]) -> CommunityPlace:
    """The commune's place of that name (any case), created if missing (imports)."""
    name = text_field(data.get("name"), "name", 200, required=True)
    place = calendar.place_named(name)
    if place is None:
        place = calendar.add_place(name, data.get("address") or "", data.get("description") or "")
    details = set_details(
        place, data.get("accessibility") or "", parse_hours(data.get("opening_hours"))
    )
    return CommunityPlace(place, details)


def is_open(place: CommunityPlace, start: datetime, end: datetime) -> bool:
    """Whether the span lies within one opening span of its day (no hours: always open)."""
    if not place.opening_hours:
        return True
    if start.date() != end.date():
        return False
    spans = place.opening_hours.get(str(start.weekday()), [])
    s, e = start.strftime("%H:%M"), end.strftime("%H:%M")
    return any(a <= s and e <= b for a, b in spans)


def rooms(place: Any) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.place_id == place.id).order_by(Room.id)))


def get_room(room_id: Any) -> Room:
    row = db.session.get(Room, ident(room_id, "room_id"))
    if row is None:
        raise NotFound(_("Salle introuvable."), field="room_id")
    return row


def add_room(place: Any, data: dict[str, Any], actor: Any) -> Room:
    services.require_organiser(actor)
    room = Room(
        place_id=place.id,
        name=text_field(data.get("name"), "name", 120, required=True),
        capacity=integer_field(data.get("capacity"), "capacity", 0, 10000, default=0),
        max_hours=integer_field(data.get("max_hours"), "max_hours", 1, 72, default=4),
        min_notice_hours=integer_field(
            data.get("min_notice_hours"), "min_notice_hours", 0, 24 * 60, default=0
        ),
        members_only=flag(data.get("members_only", True)),
    )
    db.session.add(room)
    db.session.flush()
    return room


def bookings(room: Room, *, upcoming_from: datetime | None = None) -> list[Booking]:
    query = (
        select(Booking)
        .where(Booking.room_id == room.id, Booking.status == "active")
        .order_by(Booking.starts_at)
    )
    if upcoming_from is not None:
        query = query.where(Booking.ends_at >= upcoming_from)
    return list(db.session.scalars(query))


def book(room: Room, data: dict[str, Any], user: Any, *, now: datetime | None = None) -> Booking:
    """Book a room under its rules (members, notice, longest span, opening hours); the
    room's lock makes the overlap check hold under concurrent requests."""
    services.require_member(user)
    start = services.moment_field(data.get("starts_at"), "starts_at")
    end = services.moment_field(data.get("ends_at"), "ends_at")
    now = aware(now or utcnow())
    if end <= start:
        raise ValidationFailed(_("La fin doit suivre le début."), field="ends_at")
    if end - start > timedelta(hours=room.max_hours):
        raise ValidationFailed(
            _("Cette salle se réserve %(n)d heures au plus.", n=room.max_hours), field="ends_at"
        )
    if start < now + timedelta(hours=room.min_notice_hours):
        raise ValidationFailed(
            _("Réservez au moins %(n)d heures à l'avance.", n=room.min_notice_hours),
            field="starts_at",
        )
    place = get_place(room.place_id)
    if not is_open(place, start, end):
        raise ValidationFailed(_("Le lieu est fermé à ces heures-là."), field="starts_at")
    event_id = data.get("event_id") or None
    if event_id:
        from convergence_actions.events import get_event

        event_id = get_event(event_id).id
    lock_row(Room, room.id)  # serialises the bookings of this room
    clash = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.room_id == room.id,
            Booking.status == "active",
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
    )
    if clash:
        raise Conflict(_("La salle est déjà réservée sur ce créneau."), field="starts_at")
    row = Booking(
        room_id=room.id,
        user_id=user.id,
        event_id=event_id,
        starts_at=start,
        ends_at=end,
        purpose=text_field(data.get("purpose"), "purpose", 200),
    )
    db.session.add(row)
    db.session.flush()
    services.journal(
        "booking",
        {
            "booking": row.id,
            "room": f"{place.name} — {room.name}",
            "starts_at": start.isoformat(),
            "ends_at": end.isoformat(),
        },
    )
    return row


def get_booking(booking_id: Any) -> Booking:
    row = db.session.get(Booking, ident(booking_id, "booking_id"))
    if row is None:
        raise NotFound(_("Réservation introuvable."), field="booking_id")
    return row


def cancel_booking(row: Booking, actor: Any) -> None:
    own = services.signed_in(actor) and row.user_id == actor.id
    if not own and not services.can_organise(actor):
        raise Forbidden(_("Seule la personne qui a réservé annule."), field="user")
    if row.status != "active":
        raise Conflict(_("Cette réservation est déjà annulée."), field="booking_id")
    row.status = "cancelled"
    db.session.flush()
    room = db.session.get(Room, row.room_id)
    services.journal("booking_cancelled", {"booking": row.id, "room": room.name}, actor)


# --- cooperative and association projects -------------------------------------------------


def projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.id.desc())))


def get_project(project_id: Any) -> Project:
    row = db.session.get(Project, ident(project_id, "project_id"))
    if row is None:
        raise NotFound(_("Projet introuvable."), field="project_id")
    return row


def steps(project: Project) -> list[ProjectStep]:
    return list(
        db.session.scalars(
            select(ProjectStep)
            .where(ProjectStep.project_id == project.id)
            .order_by(ProjectStep.position)
        )
    )


def start_project(data: dict[str, Any], actor: Any) -> Project:
    """A project and its steps (one per line of ``steps``)."""
    services.require_organiser(actor)
    project = Project(
        name=text_field(data.get("name"), "name", 200, required=True),
        kind=choice_field(data.get("kind"), PROJECT_KINDS, "kind"),
        description=text_field(data.get("description"), "description", 5000),
    )
    if data.get("place_id") not in (None, "", 0, "0"):
        project.place_id = get_place(data.get("place_id")).id
    if data.get("body_id") not in (None, "", 0, "0"):
        from federation.governance.models import Body

        body = db.session.get(Body, ident(data.get("body_id"), "body_id"))
        if body is None:
            raise NotFound(_("Cercle introuvable."), field="body_id")
        project.body_id = body.id
    db.session.add(project)
    db.session.flush()
    raw = data.get("steps") or ""
    titles = raw if isinstance(raw, list) else [s for s in str(raw).splitlines() if s.strip()]
    for position, title in enumerate(titles[:50], start=1):
        db.session.add(
            ProjectStep(
                project_id=project.id,
                position=position,
                title=text_field(title, "steps", 200, required=True),
            )
        )
    db.session.flush()
    services.journal("project_started", {"project": project.id, "name": project.name}, actor)
    return project


def complete_step(
    project: Project, step_id: Any, actor: Any, *, decision_id: Any = None
) -> ProjectStep:
    """A step is done (by a decision of a circle or the assembly, when it names one)."""
    if not (services.can_organise(actor) or services.in_body(project.body_id, actor)):
        raise Forbidden(_("Réservé au cercle du projet."), field="user")
    step = db.session.get(ProjectStep, ident(step_id, "step_id"))
    if step is None or step.project_id != project.id:
        raise NotFound(_("Étape introuvable."), field="step_id")
    if step.done_on is not None:
        raise Conflict(_("Cette étape est déjà franchie."), field="step_id")
    if decision_id not in (None, "", 0, "0"):
        decision = db.session.get(Decision, ident(decision_id, "decision_id"))
        if decision is None:
            raise NotFound(_("Décision introuvable."), field="decision_id")
        step.decision_id = decision.id
    step.done_on = utcnow().date()
    db.session.flush()
    if all(s.done_on for s in steps(project)):
        project.status = "done"
    services.journal(
        "project_step",
        {
            "project": project.id,
            "name": project.name,
            "step": step.title,
            "decision": step.decision_id,
        },
        actor,
    )
    return step
