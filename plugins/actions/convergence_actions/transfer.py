"""Commune export/import of the actions data, and a person's own actions data (GDPR).

The export carries campaigns (their mandate, report and the title of the deciding
decision), events, places with rooms, projects with steps. Supporters, pledges,
registrations and bookings are personal: they stay out of the commune export and go to the
person's own export instead. Decisions are the core's: an imported campaign keeps the
decision's title in its mandate text, not a link to another commune's decision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_actions import events, places, services
from convergence_actions.models import (
    Booking,
    Campaign,
    Event,
    Pledge,
    Project,
    ProjectStep,
    Registration,
    Room,
    Supporter,
)
from federation.db import db
from federation.errors import ValidationFailed
from federation.governance.models import Decision

CAMPAIGN_FIELDS = ("title", "goal", "demands", "means", "budget_line", "sensitive", "status")
CAMPAIGN_FIELDS += ("report",)
EVENT_FIELDS = ("title", "description", "location", "accessibility", "capacity")
EVENT_FIELDS += ("waiting_list", "approval", "open_to_email", "private_list", "status")
PLACE_FIELDS = ("name", "address", "accessibility", "description", "opening_hours")
ROOM_FIELDS = ("name", "capacity", "max_hours", "min_notice_hours", "members_only")


def export_commune() -> dict[str, Any]:
    decisions = {
        d.id: d.title
        for d in db.session.scalars(
            select(Decision).where(
                Decision.id.in_(
                    select(Campaign.decision_id).where(Campaign.decision_id.is_not(None))
                )
            )
        )
    }
    campaigns = services.campaigns()
    keys = {c.id: i for i, c in enumerate(reversed(campaigns))}
    place_rows = places.places()
    place_keys = {p.id: i for i, p in enumerate(place_rows)}
    return {
        "campaigns": [
            {
                **{k: getattr(c, k) for k in CAMPAIGN_FIELDS},
                "key": keys[c.id],
                "deadline": c.deadline.isoformat() if c.deadline else None,
                "decision": decisions.get(c.decision_id, ""),
            }
            for c in reversed(campaigns)
        ],
        "places": [
            {
                **{k: getattr(p, k) for k in PLACE_FIELDS},
                "rooms": [{k: getattr(r, k) for k in ROOM_FIELDS} for r in places.rooms(p)],
            }
            for p in place_rows
        ],
        "events": [
            {
                **{k: getattr(e, k) for k in EVENT_FIELDS},
                "campaign": keys.get(e.campaign_id),
                "place": place_keys.get(e.place_id),
                "starts_at": e.starts_at.isoformat(),
                "ends_at": e.ends_at.isoformat(),
            }
            for e in events.events()
        ],
        "projects": [
            {
                "name": p.name,
                "kind": p.kind,
                "description": p.description,
                "status": p.status,
                "steps": [
                    {"title": s.title, "done_on": s.done_on.isoformat() if s.done_on else None}
                    for s in places.steps(p)
                ],
            }
            for p in places.projects()
        ],
    }


def _bad(detail: str) -> ValidationFailed:
    return ValidationFailed(_("Données d'import invalides : %(d)s", d=detail), field="actions")


def import_commune(data: dict[str, Any]) -> None:
    """Recreate the data of :func:`export_commune` in the current commune (validated; the
    caller's transaction rolls everything back on a refusal)."""
    if not isinstance(data, dict):
        raise _bad("actions")
    campaign_ids: dict[int, int] = {}
    try:
        for item in data.get("campaigns", []):
            row = Campaign(**{k: item[k] for k in CAMPAIGN_FIELDS})
            deadline = item.get("deadline")
            row.deadline = date.fromisoformat(deadline) if deadline else None
            if item.get("decision"):
                row.demands = (row.demands + "\n\n" + item["decision"]).strip()
            db.session.add(row)
            db.session.flush()
            campaign_ids[int(item["key"])] = row.id
        place_ids: list[int] = []
        for item in data.get("places", []):
            place = places.ensure_place({k: item[k] for k in PLACE_FIELDS})
            place_ids.append(place.id)
            for room in item.get("rooms", []):
                db.session.add(Room(place_id=place.id, **{k: room[k] for k in ROOM_FIELDS}))
        for item in data.get("events", []):
            row = Event(**{k: item[k] for k in EVENT_FIELDS})
            row.starts_at = datetime.fromisoformat(item["starts_at"])
            row.ends_at = datetime.fromisoformat(item["ends_at"])
            row.campaign_id = campaign_ids.get(item.get("campaign"))
            if item.get("place") is not None:
                row.place_id = place_ids[int(item["place"])]
            db.session.add(row)
        for item in data.get("projects", []):
            project = Project(
                name=item["name"],
                kind=item["kind"],
                description=item.get("description", ""),
                status=item.get("status", "active"),
            )
            db.session.add(project)
            db.session.flush()
            for position, step in enumerate(item.get("steps", []), start=1):
                done = step.get("done_on")
                db.session.add(
                    ProjectStep(
                        project_id=project.id,
                        position=position,
                        title=step["title"],
                        done_on=date.fromisoformat(done) if done else None,
                    )
                )
        db.session.flush()
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise _bad(str(exc)[:80]) from None


def personal_data(user: Any) -> dict[str, Any]:
    """The person's supports, pledges, registrations and bookings (every commune)."""
    return {
        "supports": [
            {"commune_id": s.commune_id, "campaign_id": s.campaign_id, "public": s.public}
            for s in db.session.scalars(select(Supporter).where(Supporter.user_id == user.id))
        ],
        "pledges": [
            {
                "commune_id": p.commune_id,
                "campaign_id": p.campaign_id,
                "kind": p.kind,
                "amount": str(p.amount),
                "item": p.item,
            }
            for p in db.session.scalars(select(Pledge).where(Pledge.user_id == user.id))
        ],
        "registrations": [
            {
                "commune_id": r.commune_id,
                "event_id": r.event_id,
                "status": r.status,
                "public_name": r.public_name,
                "code": r.code,
                "attended": r.attended_at is not None,
            }
            for r in db.session.scalars(select(Registration).where(Registration.user_id == user.id))
        ],
        "bookings": [
            {
                "commune_id": b.commune_id,
                "room_id": b.room_id,
                "starts_at": b.starts_at.isoformat(),
                "ends_at": b.ends_at.isoformat(),
                "purpose": b.purpose,
            }
            for b in db.session.scalars(select(Booking).where(Booking.user_id == user.id))
        ],
    }


def erase_personal_data(user: Any) -> None:
    """Supports are deleted; pledges keep their amounts but lose the person; registrations
    keep only their status and attendance (the counts); bookings lose the person."""
    for row in db.session.scalars(select(Supporter).where(Supporter.user_id == user.id)):
        db.session.delete(row)
    for row in db.session.scalars(select(Pledge).where(Pledge.user_id == user.id)):
        row.user_id = None
    for row in db.session.scalars(select(Registration).where(Registration.user_id == user.id)):
        row.user_id, row.email, row.public_name = None, "", ""
    for row in db.session.scalars(select(Booking).where(Booking.user_id == user.id)):
        row.user_id, row.purpose = None, ""
    db.session.flush()


__all__ = ["erase_personal_data", "export_commune", "import_commune", "personal_data"]
