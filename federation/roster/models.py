"""Roster data: shifts with roles and capacities, sign-ups and attendance, recurring series,
duties and the duty ledger, exemptions and leave, members' skills, per-commune settings and
personal calendar feeds. Every table is a tenant table (``roster_*``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from federation.db import TimestampMixin, db, utcnow
from federation.identity.models import User
from federation.tenancy.scoping import TenantMixin

SHIFT_STATES = ("open", "cancelled")
SIGNUP_STATES = ("active", "cancelled")
ATTENDANCE = ("attended", "missed", "excused")
#: kinds of ledger entries; the amount is signed (debits negative)
LEDGER_KINDS = ("debit", "credit", "makeup", "gift", "correction")
EXEMPTION_KINDS = ("exemption", "leave")
EXEMPTION_REASONS = ("health", "family", "age", "work", "other")


def _user_fk(nullable: bool = True, ondelete: str = "SET NULL") -> Any:
    return mapped_column(ForeignKey("users.id", ondelete=ondelete), nullable=nullable)


class RosterSeries(TenantMixin, TimestampMixin, db.Model):
    """A recurring series: the rule and the template its shifts are created from."""

    __tablename__ = "roster_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("gov_bodies.id", ondelete="SET NULL"))
    source_kind: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    source_ref: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    #: a title kind (a text kind, see federation.roster.texts) and its parameters, "" for a
    #: title typed by a person (then ``title`` is shown as typed)
    title_kind: Mapped[str] = mapped_column(String(60), default="", nullable=False)
    title_params: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    tasks: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: {"freq": "weekly", "interval": 1, "byweekday": [0, 3]} (dateutil rrule arguments)
    rule: Mapped[dict] = mapped_column(JSON, nullable=False)
    first_starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    #: shifts exist this many weeks ahead (extended by ``convergence roster extend``)
    weeks_ahead: Mapped[int] = mapped_column(Integer, default=4, nullable=False)
    until: Mapped[date | None] = mapped_column(Date)
    #: [{"name": …, "needed": n, "skill": "", "role": ""}]
    roles: Mapped[list] = mapped_column(JSON, nullable=False)
    signup_hours_before: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    cancel_hours_before: Mapped[int] = mapped_column(Integer, default=24, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_by_id: Mapped[int | None] = _user_fk()

    @property
    def display_title(self) -> str:
        """The title in the reader's language (a stored kind rendered at read time)."""
        from federation.roster.texts import display_title

        return display_title(self)


class Shift(TenantMixin, TimestampMixin, db.Model):
    """A dated shift: place, tasks, roles with the number of people each needs."""

    __tablename__ = "roster_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the circle (governance body) that organises it, if any
    body_id: Mapped[int | None] = mapped_column(ForeignKey("gov_bodies.id", ondelete="SET NULL"))
    #: the plugin object the shift belongs to ("food.distribution", "42"), if any
    source_kind: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    source_ref: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("roster_series.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    #: see RosterSeries.title_kind
    title_kind: Mapped[str] = mapped_column(String(60), default="", nullable=False)
    title_params: Mapped[dict] = mapped_column(JSON, default=dict, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    tasks: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: sign-ups close at this time (default: the start)
    signup_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: cancelling a sign-up is possible until this time
    cancel_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="open", nullable=False)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = _user_fk()

    roles: Mapped[list[ShiftRole]] = relationship(
        back_populates="shift", order_by="ShiftRole.position", lazy="selectin"
    )

    @property
    def display_title(self) -> str:
        """The title in the reader's language (a stored kind rendered at read time)."""
        from federation.roster.texts import display_title

        return display_title(self)

    __table_args__ = (
        Index("ix_roster_shifts_commune_starts", "commune_id", "starts_at"),
        Index("ix_roster_shifts_commune_source", "commune_id", "source_kind", "source_ref"),
        UniqueConstraint("commune_id", "series_id", "starts_at"),
    )


class ShiftRole(TenantMixin, db.Model):
    """A role of a shift ("accueil", "caisse"…), how many people it needs, what it requires.

    Sign-ups lock this row (``federation.db.lock_row``): capacity is never exceeded."""

    __tablename__ = "roster_shift_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("roster_shifts.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    needed: Mapped[int] = mapped_column(Integer, nullable=False)
    #: a skill the person must hold (recorded by the circle), "" for none
    required_skill: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    #: a commune role the person must hold ("facilitator"…), "" for none
    required_role: Mapped[str] = mapped_column(String(40), default="", nullable=False)

    shift: Mapped[Shift] = relationship(back_populates="roles")

    __table_args__ = (Index("ix_roster_shift_roles_commune_shift", "commune_id", "shift_id"),)


class Signup(TenantMixin, db.Model):
    """A person signed up for a role of a shift; attendance recorded afterwards."""

    __tablename__ = "roster_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("roster_shifts.id", ondelete="CASCADE"), nullable=False
    )
    role_id: Mapped[int] = mapped_column(
        ForeignKey("roster_shift_roles.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False)
    #: "attended", "missed", "excused", or None until recorded
    attendance: Mapped[str | None] = mapped_column(String(10))
    #: the commune whose duty this shift credits (another commune of a federation)
    credit_commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False
    )
    #: a solidarity shift: its credit goes to this member instead
    gift_to_id: Mapped[int | None] = _user_fk()
    signed_up_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by_id: Mapped[int | None] = _user_fk()

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        UniqueConstraint("commune_id", "shift_id", "user_id"),
        Index("ix_roster_signups_commune_role", "commune_id", "role_id", "status"),
        Index("ix_roster_signups_commune_user", "commune_id", "user_id"),
    )


class Duty(TenantMixin, TimestampMixin, db.Model):
    """A duty set by the commune (``body_id`` None) or a circle: N shifts every K weeks."""

    __tablename__ = "roster_duties"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("gov_bodies.id", ondelete="CASCADE"))
    shifts_per_cycle: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    cycle_weeks: Mapped[int] = mapped_column(Integer, default=4, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    #: a deficit of this many shifts puts the member on alert, of this many suspended
    alert_after: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    suspend_after: Mapped[int] = mapped_column(Integer, default=2, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_by_id: Mapped[int | None] = _user_fk()

    __table_args__ = (Index("ix_roster_duties_commune_body", "commune_id", "body_id"),)


class LedgerEntry(TenantMixin, db.Model):
    """One movement of a member's duty ledger; the status is derived from these, never set."""

    __tablename__ = "roster_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(
        ForeignKey("roster_duties.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    #: debits: the cycle's index (one debit per member and cycle)
    cycle: Mapped[int | None] = mapped_column(Integer)
    #: credits: "<commune id>:<sign-up id>:<n>" (one entry per change of attendance)
    ref: Mapped[str | None] = mapped_column(String(40))
    #: the commune where the shift took place (another one for a federated credit)
    shift_commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )

    __table_args__ = (
        UniqueConstraint("commune_id", "duty_id", "user_id", "cycle"),
        UniqueConstraint("commune_id", "duty_id", "ref"),
        Index("ix_roster_ledger_commune_user", "commune_id", "user_id"),
    )


class Exemption(TenantMixin, TimestampMixin, db.Model):
    """An exemption (lasting) or a leave (dated) from a duty: no debit while it runs."""

    __tablename__ = "roster_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(
        ForeignKey("roster_duties.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str] = mapped_column(String(12), default="other", nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = _user_fk()

    __table_args__ = (Index("ix_roster_exemptions_commune_user", "commune_id", "user_id"),)


class MemberSkill(TenantMixin, TimestampMixin, db.Model):
    """A skill a member holds in this commune (recorded by the circle)."""

    __tablename__ = "roster_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    skill: Mapped[str] = mapped_column(String(80), nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "user_id", "skill"),)


class RosterSettings(TenantMixin, db.Model):
    """A commune's roster settings (one row per commune, created when first changed)."""

    __tablename__ = "roster_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: shifts done in other communes of a federation credit our members, and members of
    #: those communes may do our shifts for their own commune (both sides must allow it)
    federated_credit: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: reminders are sent this many hours before a shift
    remind_hours_before: Mapped[int] = mapped_column(Integer, default=24, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id"),)


class FeedToken(TenantMixin, TimestampMixin, db.Model):
    """A person's calendar feed: the URL carries an HMAC of this row's nonce; revoking
    deletes the row, renewing changes the nonce."""

    __tablename__ = "roster_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    nonce: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "user_id"),)
