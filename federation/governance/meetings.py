"""Meetings: agenda (built from proposals and the most supported concerns), registration,
attendance and quorum, minutes written by the secretary and published; iCalendar export."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from federation.db import db, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance.concerns import diagnostic
from federation.governance.models import (
    AgendaItem,
    Body,
    Concern,
    Meeting,
    MeetingAttendance,
    Proposal,
)
from federation.identity.models import User
from federation.journal.services import record


def schedule(
    body: Body,
    title: str,
    starts_at: datetime,
    *,
    ends_at: datetime | None = None,
    place: str = "",
    video_url: str = "",
    quorum: int = 0,
) -> Meeting:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            _("Le titre est obligatoire (200 caractères au plus)."), field="title"
        )
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed(_("La fin doit suivre le début."), field="ends_at")
    if video_url and not video_url.startswith("https://"):
        raise ValidationFailed(_("Le lien de visio doit commencer par https://"), field="video_url")
    if not place and not video_url:
        raise ValidationFailed(_("Indiquez un lieu ou un lien de visio."), field="place")
    if quorum < 0 or quorum > 100000:
        raise ValidationFailed(_("Quorum invalide."), field="quorum")
    meeting = Meeting(
        body_id=body.id,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place[:300],
        video_url=video_url[:500],
        quorum=quorum,
    )
    db.session.add(meeting)
    db.session.flush()
    from federation.governance.notices import meeting_scheduled

    meeting_scheduled(meeting, body)  # the body's members are told
    return meeting


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("Réunion introuvable."), field="meeting")
    return meeting


def meetings(body: Body | None = None) -> list[Meeting]:
    query = select(Meeting).order_by(Meeting.starts_at.desc())
    if body is not None:
        query = query.where(Meeting.body_id == body.id)
    return list(db.session.scalars(query))


def agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position)
        )
    )


def add_agenda_item(
    meeting: Meeting, title: str, *, proposal_id: int | None = None, concern_id: int | None = None
) -> AgendaItem:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            _("L'intitulé est obligatoire (200 caractères au plus)."), field="title"
        )
    if proposal_id is not None and db.session.get(Proposal, proposal_id) is None:
        raise NotFound(_("Proposition introuvable."), field="proposal_id")
    if concern_id is not None and db.session.get(Concern, concern_id) is None:
        raise NotFound(_("Préoccupation introuvable."), field="concern_id")
    position = (
        db.session.scalar(
            select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
        )
        or 0
    ) + 1
    item = AgendaItem(
        meeting_id=meeting.id,
        position=position,
        title=title,
        proposal_id=proposal_id,
        concern_id=concern_id,
    )
    db.session.add(item)
    db.session.flush()
    return item


def agenda_from_concerns(meeting: Meeting, count: int = 5) -> list[AgendaItem]:
    """Put the most supported open concerns on the agenda (skipping those already there)."""
    present = {i.concern_id for i in agenda(meeting) if i.concern_id}
    added = []
    for row in diagnostic(limit=count + len(present)):
        if row.concern.id in present or len(added) >= count:
            continue
        added.append(
            add_agenda_item(
                meeting,
                _("%(t)s (%(n)d soutiens)", t=row.concern.title, n=row.supports),
                concern_id=row.concern.id,
            )
        )
    return added


def register(meeting: Meeting, user: User) -> None:
    if meeting.status != "scheduled":
        raise Conflict(_("Les inscriptions sont closes."))
    row = _attendance(meeting, user.id)
    if row is None:
        db.session.add(MeetingAttendance(meeting_id=meeting.id, user_id=user.id, registered=True))
        db.session.flush()


def _attendance(meeting: Meeting, user_id: int) -> MeetingAttendance | None:
    return db.session.scalar(
        select(MeetingAttendance).where(
            MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.user_id == user_id
        )
    )


def record_attendance(meeting: Meeting, present_user_ids: set[int]) -> None:
    for row in db.session.scalars(
        select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
    ):
        row.present = row.user_id in present_user_ids
        present_user_ids = present_user_ids - {row.user_id}
    for user_id in present_user_ids:
        db.session.add(
            MeetingAttendance(
                meeting_id=meeting.id, user_id=user_id, registered=False, present=True
            )
        )
    if meeting.status == "scheduled":
        meeting.status = "held"
    db.session.flush()


def attendance(meeting: Meeting) -> list[MeetingAttendance]:
    return list(
        db.session.scalars(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
        )
    )


def present_count(meeting: Meeting) -> int:
    return (
        db.session.scalar(
            select(func.count(MeetingAttendance.id)).where(
                MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.present.is_(True)
            )
        )
        or 0
    )


def quorum_reached(meeting: Meeting) -> bool:
    return present_count(meeting) >= meeting.quorum


def present_ids(meeting: Meeting) -> set[int]:
    """The members recorded present: the electorate of a vote held in the meeting."""
    return set(
        db.session.scalars(
            select(MeetingAttendance.user_id).where(
                MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.present.is_(True)
            )
        )
    )


def put_on_agenda(meeting: Meeting, proposal: Proposal) -> AgendaItem:
    """The proposal's agenda item in the meeting (added if it is not there yet)."""
    item = db.session.scalar(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.proposal_id == proposal.id
        )
    )
    return item or add_agenda_item(meeting, proposal.title, proposal_id=proposal.id)


def meetings_around_proposal(proposal: Proposal) -> tuple[list[Meeting], list[Meeting]]:
    """(:func:`meetings` of the proposal's body, :func:`meetings_of_proposal`) in one query."""
    from federation.governance.models import Vote

    on_agenda = select(AgendaItem.meeting_id).where(AgendaItem.proposal_id == proposal.id)
    voted = select(Vote.meeting_id).where(
        Vote.proposal_id == proposal.id, Vote.meeting_id.is_not(None)
    )
    held = Meeting.id.in_(on_agenda) | Meeting.id.in_(voted)
    rows = db.session.execute(
        select(Meeting, held)
        .where((Meeting.body_id == proposal.body_id) | held)
        .order_by(Meeting.starts_at.desc(), Meeting.id)
    ).all()
    of_body = [m for m, _held in rows if m.body_id == proposal.body_id]
    held_in = sorted((m for m, was_held in rows if was_held), key=lambda m: m.starts_at)
    return of_body, held_in


def meetings_of_proposal(proposal: Proposal) -> list[Meeting]:
    """The meetings where the proposal was on the agenda (or put to a vote)."""
    from federation.governance.models import Vote

    on_agenda = select(AgendaItem.meeting_id).where(AgendaItem.proposal_id == proposal.id)
    voted = select(Vote.meeting_id).where(
        Vote.proposal_id == proposal.id, Vote.meeting_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.id.in_(on_agenda) | Meeting.id.in_(voted))
            .order_by(Meeting.starts_at)
        )
    )


def votes_held(meeting: Meeting) -> list[dict]:
    """The votes held in the meeting, as the minutes record them."""
    from federation.governance.models import Vote

    return [
        {
            "vote": v.id,
            **v.title_data(),  # a generated title: its kind and parameters (language-neutral)
            "proposal": v.proposal_id,
            "status": v.status,
            "adopted": (v.result or {}).get("adopted"),
        }
        for v in db.session.scalars(
            select(Vote).where(Vote.meeting_id == meeting.id).order_by(Vote.id)
        )
    ]


def write_minutes(meeting: Meeting, secretary: User, text: str, publish: bool = False) -> None:
    if meeting.minutes_published_at is not None:
        raise Conflict(_("Le compte rendu est publié : il ne se modifie plus."))
    text = (text or "").strip()
    if len(text) > 100000:
        raise ValidationFailed(_("Compte rendu trop long."), field="minutes")
    meeting.minutes = text
    meeting.secretary_id = secretary.id
    if publish:
        if not text:
            raise ValidationFailed(_("Un compte rendu vide ne se publie pas."), field="minutes")
        meeting.minutes_published_at = utcnow()
        record(
            "meeting.minutes",
            payload={
                "meeting": meeting.id,
                "title": meeting.title,
                "present": present_count(meeting),
                "quorum": meeting.quorum,
                "quorum_reached": quorum_reached(meeting),
                "agenda": [{"title": i.title, "proposal": i.proposal_id} for i in agenda(meeting)],
                "votes": votes_held(meeting),
                "minutes": text,
            },
            commune_id=meeting.commune_id,
            actor=secretary.display_name,
        )


def cancel(meeting: Meeting) -> None:
    if meeting.status != "scheduled":
        raise Conflict(_("Seule une réunion prévue peut être annulée."))
    meeting.status = "cancelled"


def icalendar(body: Body, items: list[Meeting], host: str) -> str:
    """RFC 5545 calendar of a body's meetings (federation.calendar.ical: folded lines)."""
    from federation.calendar.ical import CalendarEvent, feed

    return feed(
        body.name,
        (
            CalendarEvent(
                uid=f"meeting-{meeting.id}@{host}",
                start=meeting.starts_at,
                end=meeting.ends_at or (meeting.starts_at + timedelta(hours=2)),
                summary=meeting.title,
                location=meeting.place or meeting.video_url,
                cancelled=meeting.status == "cancelled",
                stamp=meeting.created_at or utcnow(),
            )
            for meeting in items
        ),
    ).decode()
