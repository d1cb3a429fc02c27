"""Events: scheduling, registrations with capacity, a waiting list promoted automatically,
approval when the organisers want it, door codes recorded as attendance, reminders,
iCalendar, and roles and quotas drawn from the core roster.

Every change to an event's registrations takes the event's row lock first
(``federation.db.lock_row``: ``FOR UPDATE`` on PostgreSQL, the write lock on SQLite) and
counts afterwards: two people can never both take the last place, and a freed place goes to
exactly one person of the waiting list.

Protecting people: on an event with a private list (every event of a sensitive campaign),
nobody but the organisers sees who registered, and no name is ever public; anyone may
register with an e-mail address only. Elsewhere a name is public only when its person chose
it (``public_name``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_actions import services
from convergence_actions.models import Campaign, Event, Registration
from federation.calendar.models import Place
from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.identity.notifications import notify, send_mail
from federation.plugins.events import emit
from federation.roster.services import aware
from federation.texts import render
from federation.validation import flag, ident, integer_field, text_field

ROSTER_SOURCE = "actions.event"
ROSTER_TITLE = "actions.event"
ACTIVE = ("confirmed", "waiting", "pending")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_EVENT_DAYS = 14

# --- reading ------------------------------------------------------------------------------


def events(
    *,
    upcoming_from: datetime | None = None,
    campaign: Campaign | None = None,
    limit: int | None = None,
) -> list[Event]:
    query = select(Event).order_by(Event.starts_at, Event.id).limit(limit)
    if upcoming_from is not None:
        query = query.where(Event.ends_at >= upcoming_from)
    if campaign is not None:
        query = query.where(Event.campaign_id == campaign.id)
    return list(db.session.scalars(query))


def get_event(event_id: Any) -> Event:
    row = db.session.get(Event, ident(event_id, "event_id"))
    if row is None:
        raise NotFound(_("Action introuvable."), field="event_id")
    return row


def campaign_of(event: Event) -> Campaign | None:
    return db.session.get(Campaign, event.campaign_id) if event.campaign_id else None


def can_organise(user: Any, event: Event) -> bool:
    return services.can_organise(user, campaign_of(event))


def counts(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """Registrations per event and status, one grouped query."""
    result: dict[int, dict[str, int]] = {i: dict.fromkeys(ACTIVE, 0) for i in event_ids}
    if not event_ids:
        return result
    for event_id, status, n in db.session.execute(
        select(Registration.event_id, Registration.status, func.count(Registration.id))
        .where(Registration.event_id.in_(event_ids), Registration.status.in_(ACTIVE))
        .group_by(Registration.event_id, Registration.status)
    ):
        result[event_id][status] = n
    return result


def registrations(event: Event, viewer: Any) -> list[Registration]:
    """The participant list: the organisers only (who registered is never public)."""
    if not can_organise(viewer, event):
        raise Forbidden(_("La liste des participant·es est réservée aux organisateur·rices."))
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id)
            .order_by(Registration.status, Registration.registered_at, Registration.id)
        )
    )


def public_names(event: Event) -> list[str]:
    """Names shown to everyone: only those who chose it, never on a private list."""
    if event.private_list:
        return []
    return list(
        db.session.scalars(
            select(Registration.public_name)
            .where(
                Registration.event_id == event.id,
                Registration.status == "confirmed",
                Registration.public_name != "",
            )
            .order_by(Registration.id)
        )
    )


def my_registration(event: Event, user: Any) -> Registration | None:
    if not services.signed_in(user):
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.user_id == user.id,
            Registration.status.in_(ACTIVE),
        )
    )


# --- scheduling ---------------------------------------------------------------------------


def schedule(data: dict[str, Any], actor: Any, *, campaign: Campaign | None = None) -> Event:
    """Schedule an event (of a campaign, or on its own)."""
    if campaign is None and data.get("campaign_id") not in (None, "", 0, "0"):
        campaign = services.get_campaign(data.get("campaign_id"))
    services.require_organiser(actor, campaign)
    if campaign is not None and campaign.status != "active":
        raise Conflict(_("Cette campagne est close."), field="campaign_id")
    starts = services.moment_field(data.get("starts_at"), "starts_at")
    ends = services.moment_field(data.get("ends_at"), "ends_at")
    if ends <= starts:
        raise ValidationFailed(_("La fin doit suivre le début."), field="ends_at")
    if ends - starts > timedelta(days=MAX_EVENT_DAYS):
        raise ValidationFailed(_("Une action dure deux semaines au plus."), field="ends_at")
    place_id = None
    if data.get("place_id") not in (None, "", 0, "0"):
        place = db.session.get(Place, ident(data.get("place_id"), "place_id"))
        if place is None:
            raise NotFound(_("Lieu introuvable."), field="place_id")
        place_id = place.id
    location = text_field(data.get("location"), "location", 300)
    if not location and place_id is None:
        raise ValidationFailed(_("Indiquez un lieu."), field="location")
    sensitive = bool(campaign and campaign.sensitive)
    private = sensitive or flag(data.get("private_list", False))
    event = Event(
        campaign_id=campaign.id if campaign else None,
        title=text_field(data.get("title"), "title", 200, required=True),
        description=text_field(data.get("description"), "description", 5000),
        starts_at=starts,
        ends_at=ends,
        place_id=place_id,
        location=location,
        accessibility=text_field(data.get("accessibility"), "accessibility", 2000),
        capacity=integer_field(data.get("capacity"), "capacity", 0, 100000, default=0),
        waiting_list=flag(data.get("waiting_list", True)),
        approval=flag(data.get("approval", False)),
        open_to_email=private or flag(data.get("open_to_email", False)),
        private_list=private,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(event)
    db.session.flush()
    services.journal(
        "event_scheduled",
        {
            "event": event.id,
            "campaign": event.campaign_id,
            "title": event.title,
            "starts_at": starts.isoformat(),
        },
        actor,
    )
    return event


def cancel_event(event: Event, actor: Any) -> None:
    if not can_organise(actor, event):
        raise Forbidden(_("Réservé aux organisateur·rices de l'action."), field="user")
    lock_row(Event, event.id)
    db.session.refresh(event)
    if event.status != "open":
        raise Conflict(_("Cette action est déjà annulée."), field="event_id")
    event.status = "cancelled"
    db.session.flush()
    services.journal("event_cancelled", {"event": event.id, "title": event.title}, actor)


# --- registrations ------------------------------------------------------------------------


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not db.session.scalar(select(Registration.id).where(Registration.code == code)):
            return code


def _params(event: Event, row: Registration) -> dict[str, Any]:
    return {
        "event": event.id,
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "code": row.code,
    }


def _tell(event: Event, row: Registration, kind: str, **extra: Any) -> None:
    """The person hears of their registration: a notification, or a mail for an address."""
    params = {**_params(event, row), **extra}
    link = f"/c/{_slug()}/actions/events/{event.id}"
    if row.user_id is not None:
        notify(
            row.user_id,
            kind=kind,
            params=params,
            link=link,
            commune_id=event.commune_id,
        )
    elif row.email:
        text = render(kind, params)
        send_mail(row.email, text[:120], text)


def _slug() -> str:
    from federation.tenancy.models import Commune

    return db.session.get(Commune, services.commune_id()).slug


def _journal_counts(event: Event, actor: Any = None) -> None:
    found = counts([event.id])[event.id]
    services.journal(
        "registrations",
        {
            "event": event.id,
            "title": event.title,
            "confirmed": found["confirmed"],
            "waiting": found["waiting"],
        },
        actor,
    )


def _confirmed(event_id: int) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id, Registration.status == "confirmed"
        )
    )


def _locked(event: Event) -> Event:
    lock_row(Event, event.id)  # serialises every registration change of this event
    db.session.refresh(event)
    return event


def _check_email(value: Any) -> str:
    email = text_field(value, "email", 254, required=True).lower()
    local, _sep, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise ValidationFailed(_("Adresse e-mail invalide."), field="email")
    return email


def register(
    event: Event,
    user: Any = None,
    *,
    email: Any = None,
    public_name: Any = "",
    now: datetime | None = None,
) -> Registration:
    """Register a member (``user``) or, where the organisers allow it, an e-mail address.

    Confirmed while places remain, else on the waiting list (when the event keeps one), or
    pending when the organisers approve participants. The event is locked before counting."""
    if services.signed_in(user):
        services.require_member(user)
        address = ""
    else:
        if not event.open_to_email:
            raise Forbidden(_("Connectez-vous pour vous inscrire."), field="email")
        address = _check_email(email)
        user = None
    name = "" if event.private_list else text_field(public_name, "public_name", 120)
    event = _locked(event)
    now = now or utcnow()
    if event.status != "open":
        raise Conflict(_("Cette action est annulée."), field="event_id")
    if aware(event.starts_at) <= aware(now):
        raise Conflict(_("Les inscriptions sont closes."), field="event_id")
    same = Registration.user_id == user.id if user is not None else Registration.email == address
    if db.session.scalar(
        select(Registration.id).where(
            Registration.event_id == event.id, same, Registration.status.in_(ACTIVE)
        )
    ):
        raise Conflict(_("Déjà inscrit·e à cette action."), field="event_id")
    if event.approval:
        status = "pending"
    elif not event.capacity or _confirmed(event.id) < event.capacity:
        status = "confirmed"
    elif event.waiting_list:
        status = "waiting"
    else:
        raise Conflict(_("Cette action est complète."), field="event_id")
    row = Registration(
        event_id=event.id,
        user_id=user.id if user is not None else None,
        email=address,
        status=status,
        public_name=name,
        code=_new_code(),
        registered_at=now,
    )
    db.session.add(row)
    db.session.flush()
    if status == "waiting":
        _tell(event, row, "actions.waiting", rank=waiting_rank(row))
    else:
        _tell(event, row, "actions.registered" if status == "confirmed" else "actions.pending")
    _journal_counts(event)
    return row


def waiting_rank(row: Registration) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == row.event_id,
            Registration.status == "waiting",
            Registration.id <= row.id,
        )
    )


def _promote(event: Event) -> list[Registration]:
    """Fill free places from the waiting list, oldest first (under the event's lock)."""
    promoted = []
    free = (event.capacity - _confirmed(event.id)) if event.capacity else None
    query = (
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waiting")
        .order_by(Registration.registered_at, Registration.id)
    )
    if free is not None:
        query = query.limit(max(free, 0))
    for row in db.session.scalars(query):
        row.status = "confirmed"
        promoted.append(row)
    db.session.flush()
    for row in promoted:
        _tell(event, row, "actions.promoted")
    return promoted


def get_registration(event: Event, registration_id: Any) -> Registration:
    row = db.session.get(Registration, ident(registration_id, "registration_id"))
    if row is None or row.event_id != event.id:
        raise NotFound(_("Inscription introuvable."), field="registration_id")
    return row


def cancel_registration(event: Event, row: Registration, actor: Any = None) -> list[Registration]:
    """The person (or an organiser) withdraws; a freed place goes to the waiting list."""
    own = services.signed_in(actor) and row.user_id == actor.id
    if not own and not can_organise(actor, event):
        raise Forbidden(_("Seule la personne inscrite ou l'organisation annule."), field="user")
    return _withdraw(event, row, "registration_id")


def cancel_by_code(event: Event, code: Any) -> list[Registration]:
    """Someone registered by e-mail withdraws with the code they received."""
    row = _by_code(event, code)
    if row.user_id is not None:
        raise Forbidden(_("Connectez-vous pour annuler."), field="code")
    return _withdraw(event, row, "code")


def _withdraw(event: Event, row: Registration, field: str) -> list[Registration]:
    """Cancel under the event's lock; a freed place goes to the waiting list."""
    event = _locked(event)
    db.session.refresh(row)
    if row.status not in ACTIVE:
        raise Conflict(_("Cette inscription est déjà annulée."), field=field)
    row.status = "cancelled"
    db.session.flush()
    promoted = _promote(event) if event.status == "open" else []
    _journal_counts(event)
    return promoted


def decide(event: Event, row: Registration, approve: bool, actor: Any) -> Registration:
    """Approve (confirmed if places remain, else waiting) or refuse a pending participant."""
    if not can_organise(actor, event):
        raise Forbidden(_("Réservé aux organisateur·rices de l'action."), field="user")
    event = _locked(event)
    db.session.refresh(row)
    if row.status != "pending":
        raise Conflict(_("Cette inscription n'attend pas de réponse."), field="registration_id")
    if not approve:
        row.status = "refused"
        db.session.flush()
        _tell(event, row, "actions.refused")
    elif not event.capacity or _confirmed(event.id) < event.capacity:
        row.status = "confirmed"
        db.session.flush()
        _tell(event, row, "actions.registered")
    elif event.waiting_list:
        row.status = "waiting"
        db.session.flush()
        _tell(event, row, "actions.waiting", rank=waiting_rank(row))
    else:
        raise Conflict(_("Cette action est complète."), field="registration_id")
    _journal_counts(event, actor)
    return row


def update_capacity(event: Event, capacity: Any, actor: Any) -> list[Registration]:
    """More places: the waiting list moves up at once."""
    if not can_organise(actor, event):
        raise Forbidden(_("Réservé aux organisateur·rices de l'action."), field="user")
    event = _locked(event)
    value = integer_field(capacity, "capacity", 0, 100000, required=True)
    if value and value < _confirmed(event.id):
        raise Conflict(
            _("Déjà %(n)d personnes confirmées.", n=_confirmed(event.id)), field="capacity"
        )
    event.capacity = value
    db.session.flush()
    promoted = _promote(event)
    _journal_counts(event, actor)
    return promoted


# --- at the door --------------------------------------------------------------------------


def _by_code(event: Event, code: Any) -> Registration:
    text = str(code or "").strip().upper().replace(" ", "").replace("-", "")
    if not text or len(text) > 16:
        raise ValidationFailed(_("Code invalide."), field="code")
    row = db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.code == text)
    )
    if row is None:
        raise NotFound(_("Aucune inscription avec ce code."), field="code")
    return row


def check_in(event: Event, code: Any, actor: Any, *, now: datetime | None = None) -> Registration:
    """A registration code shown at the door becomes attendance (once)."""
    if not can_organise(actor, event):
        raise Forbidden(_("Réservé aux organisateur·rices de l'action."), field="user")
    now = aware(now or utcnow())
    if aware(event.starts_at) - timedelta(hours=2) > now:
        raise Conflict(_("L'accueil ouvre deux heures avant le début."), field="code")
    row = _by_code(event, code)
    if row.status != "confirmed":
        raise Conflict(_("Cette inscription n'est pas confirmée."), field="code")
    if row.attended_at is not None:
        raise Conflict(_("Cette personne est déjà accueillie."), field="code")
    row.attended_at = now
    db.session.flush()
    attended = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.attended_at.is_not(None)
        )
    )
    services.journal(
        "attendance", {"event": event.id, "title": event.title, "attended": attended}, actor
    )
    return row


# --- reminders ----------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None, hours: int = 24) -> int:
    """Remind every confirmed participant of the events starting within ``hours`` (once)."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Event).where(
                Event.status == "open",
                Event.reminded_at.is_(None),
                Event.starts_at > now,
                Event.starts_at <= now + timedelta(hours=hours),
            )
        )
    )
    sent = 0
    for event in due:
        for row in db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id, Registration.status == "confirmed"
            )
        ):
            _tell(event, row, "actions.reminder")
            sent += 1
        event.reminded_at = now
    db.session.flush()
    if due:
        emit("actions.reminded", {"events": [e.id for e in due]}, commune_id=services.commune_id())
    return sent


# --- iCalendar ----------------------------------------------------------------------------


def icalendar(items: list[Event], host: str, name: str) -> str:
    """RFC 5545 calendar of events (the core's helper: escaped, folded lines)."""
    from federation.calendar.ical import CalendarEvent, feed

    return feed(
        name,
        (
            CalendarEvent(
                uid=f"action-{event.id}@{host}",
                start=event.starts_at,
                end=event.ends_at,
                summary=event.title,
                location=event.location,
                description=event.description,
                cancelled=event.status == "cancelled",
                stamp=event.created_at or utcnow(),
            )
            for event in items
        ),
        prodid="-//Convergence//actions//FR",
    ).decode()


# --- roles from the roster ----------------------------------------------------------------


def parse_roles(value: Any) -> list[dict[str, Any]]:
    """``"signaleur·e:4, premiers secours:2:secourisme"`` (or a list of dicts) → roster
    role specs: a name, how many, and the qualification a role requires (optional)."""
    if isinstance(value, list):
        return value
    roles = []
    for part in str(value or "").split(","):
        if not part.strip():
            continue
        name, needed, skill = ([*part.split(":", 2), "", ""])[:3]
        roles.append(
            {
                "name": text_field(name, "roles", 80, required=True),
                "needed": integer_field(needed or "1", "roles", 1, 1000),
                "skill": text_field(skill, "roles", 80),
            }
        )
    if not roles:
        raise ValidationFailed(_("Au moins un rôle (nom:nombre)."), field="roles")
    return roles


def open_roles(event: Event, roles: Any, actor: Any) -> Any:
    """Roles and quotas of the event (marshals, first aid…) as a roster shift that members
    sign up for on the roster's pages; once per event."""
    from federation.roster.services import create_shift

    if not can_organise(actor, event):
        raise Forbidden(_("Réservé aux organisateur·rices de l'action."), field="user")
    event = _locked(event)
    if event.shift_id is not None:
        raise Conflict(_("Les rôles de cette action sont déjà ouverts."), field="roles")
    specs = parse_roles(roles)
    campaign = campaign_of(event)
    shift = create_shift(
        "",
        event.starts_at,
        event.ends_at,
        specs,
        place=event.location[:300],
        body=campaign.body_id if campaign else None,
        source_kind=ROSTER_SOURCE,
        source_ref=str(event.id),
        actor=actor,
        title_kind=ROSTER_TITLE,
        title_params={"title": event.title},
        cancel_deadline=min(event.starts_at, event.starts_at - timedelta(hours=2)),
    )
    event.shift_id = shift.id
    db.session.flush()
    services.journal(
        "roster_opened",
        {
            "event": event.id,
            "title": event.title,
            "shift": shift.id,
            "needed": sum(int(r["needed"]) for r in specs),
        },
        actor,
    )
    return shift


def shift_of(event: Event) -> Any:
    if event.shift_id is None:
        return None
    from federation.roster.models import Shift

    return db.session.get(Shift, event.shift_id)


def event_link(commune: Any, event_id: int) -> tuple[str, str] | None:
    row = db.session.get(Event, event_id)
    if row is None:
        return None
    return row.title, f"/c/{commune.slug}/actions/events/{row.id}"
