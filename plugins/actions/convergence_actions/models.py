"""Collective actions: campaigns mandated by a decision, their supporters and pledges; events
with registrations (capacity, waiting list, approval, door codes); community places (the
core's ``places``, with the plugin's details: accessibility, opening hours) with rooms and
bookings; cooperative or association projects and their steps; federation-wide
campaigns shared by the communes that opt in (``actions.campaign``).

Every table but the federation campaigns is a tenant table; unique constraints lead with
``commune_id``. Amounts are exact decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import federation.calendar.models  # noqa: F401 - the core's places, which rooms refer to
from federation.db import TimestampMixin, db, utcnow
from federation.tenancy.federation_data import FederationDataMixin
from federation.tenancy.scoping import TenantMixin

INFO = {"info": {"plugin": "actions"}}
TOPIC = "actions.campaign"


def _user_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FederationCampaign(FederationDataMixin, TimestampMixin, db.Model):
    """A campaign across the communes of a federation: each commune that opts in hosts it
    locally through a campaign of its own (``Campaign.federation_campaign_id``)."""

    __tablename__ = "actions_federation_campaigns"
    __federation_topic__ = TOPIC

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    goal: Mapped[str] = mapped_column(Text, default="", nullable=False)
    origin_commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL")
    )

    __table_args__ = (INFO,)


class Campaign(TenantMixin, TimestampMixin, db.Model):
    """A campaign carried by a circle under a mandate: the decision of the assembly (or an
    action circle) that launched it, its goal, demands, means and deadline."""

    __tablename__ = "actions_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    goal: Mapped[str] = mapped_column(Text, default="", nullable=False)
    demands: Mapped[str] = mapped_column(Text, default="", nullable=False)
    means: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: a line of the commune's budget (its code), where the budget plugin is on
    budget_line: Mapped[str] = mapped_column(String(60), default="", nullable=False)
    deadline: Mapped[date | None] = mapped_column(Date)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    body_id: Mapped[int | None] = mapped_column(ForeignKey("gov_bodies.id", ondelete="SET NULL"))
    #: sensitive: participant lists stay with the organisers, e-mail-only participation
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False)
    report: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_meetings.id", ondelete="SET NULL")
    )
    federation_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions_federation_campaigns.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = _user_fk()
    #: when the carriers and supporters were told the deadline is near (once)
    deadline_reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (INFO,)


class CampaignConcern(TenantMixin, db.Model):
    __tablename__ = "actions_campaign_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("actions_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("gov_concerns.id", ondelete="CASCADE"), nullable=False
    )

    __table_args__ = (UniqueConstraint("commune_id", "campaign_id", "concern_id"), INFO)


class Supporter(TenantMixin, TimestampMixin, db.Model):
    """A person supports a campaign; their name is shown only if they chose so."""

    __tablename__ = "actions_supporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("actions_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    public: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "campaign_id", "user_id"), INFO)


class Pledge(TenantMixin, TimestampMixin, db.Model):
    """A need of the campaign (money or material) and what people pledge to it."""

    __tablename__ = "actions_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("actions_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = _user_fk()
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # money | material
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"), nullable=False)
    item: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"), INFO)


class PlaceDetails(TenantMixin, db.Model):
    """What the plugin adds to a commune's place (the core's ``places`` table, one table
    of places for the whole platform): its accessibility and opening hours."""

    __tablename__ = "actions_place_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), nullable=False
    )
    accessibility: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: {"0": [["09:00", "18:00"]], …} — weekday (Monday = 0) to opening spans
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "place_id"), INFO)


class Room(TenantMixin, db.Model):
    """A room of a place, and its booking rules."""

    __tablename__ = "actions_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    max_hours: Mapped[int] = mapped_column(Integer, default=4, nullable=False)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    members_only: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    __table_args__ = (INFO,)


class Booking(TenantMixin, TimestampMixin, db.Model):
    """A room booked for a span (never two overlapping active bookings of one room)."""

    __tablename__ = "actions_bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(
        ForeignKey("actions_rooms.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = _user_fk()
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions_events.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    purpose: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False)

    __table_args__ = (
        Index("ix_actions_bookings_room_span", "commune_id", "room_id", "starts_at"),
        INFO,
    )


class Event(TenantMixin, TimestampMixin, db.Model):
    """An action or an event: when, where, how accessible, and how people join it."""

    __tablename__ = "actions_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions_campaigns.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    location: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    accessibility: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: 0: no limit
    capacity: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    waiting_list: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    approval: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: people without an account may register with an e-mail address
    open_to_email: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: the participant list is seen by the organisers only, never a public name
    private_list: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_shifts.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(12), default="open", nullable=False)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = _user_fk()

    __table_args__ = (INFO,)


class Registration(TenantMixin, db.Model):
    """Someone registered to an event: an account, or an e-mail address only."""

    __tablename__ = "actions_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("actions_events.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254), default="", nullable=False)
    #: confirmed | waiting | pending (approval) | refused | cancelled
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    #: the name shown publicly, only when the person chose so
    public_name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    attended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("commune_id", "code"),
        Index("ix_actions_registrations_event", "commune_id", "event_id", "status"),
        INFO,
    )


class Project(TenantMixin, TimestampMixin, db.Model):
    """A project to create a cooperative or an association, with its steps."""

    __tablename__ = "actions_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("gov_bodies.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False)

    __table_args__ = (INFO,)


class ProjectStep(TenantMixin, db.Model):
    """A step of a project (statutes, general assembly, registration…), done by a decision
    of the project's circle when it names one."""

    __tablename__ = "actions_project_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("actions_projects.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )

    __table_args__ = (INFO,)
