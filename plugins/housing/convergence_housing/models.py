"""Housing data. Every table is a tenant table (``commune_id`` through the mixin).

Personal data — owners (names, addresses, contacts) and households (requests) — is read by
the housing circle only (see :func:`convergence_housing.services.can_see_private`). Money is
``Numeric(14, 2)`` and :class:`~decimal.Decimal`, never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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

from federation.db import TimestampMixin, db, utcnow
from federation.tenancy.scoping import TenantMixin

INFO = {"info": {"plugin": "housing"}}
Money = Numeric(14, 2)


def _user_fk() -> Any:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Owner(TenantMixin, TimestampMixin, db.Model):
    """An owner of one or more dwellings: personal data, seen by the housing circle only."""

    __tablename__ = "housing_owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the owner's reference in the vacancy file (so that a re-import finds them again)
    ref: Mapped[str | None] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    email: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    phone: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    kind: Mapped[str] = mapped_column(String(12), default="private", nullable=False)
    #: "1", "2", "3" or "do_not_contact"
    contact_rank: Mapped[str] = mapped_column(String(16), default="1", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "ref"), INFO)


class Building(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "housing_buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)

    __table_args__ = (INFO,)


class Dwelling(TenantMixin, TimestampMixin, db.Model):
    """A dwelling and its follow-up. ``status``/``substatus``/``occupancy`` are the last
    values of the event log (:class:`DwellingEvent`); every counter is computed from the log."""

    __tablename__ = "housing_dwellings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable reference: the vacancy file's local id, or one the circle gives
    ref: Mapped[str] = mapped_column(String(60), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False)
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_buildings.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(8), default="house", nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    surface: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    year_built: Mapped[int | None] = mapped_column(Integer)
    comfort: Mapped[str] = mapped_column(String(8), default="average", nullable=False)
    energy_class: Mapped[str] = mapped_column(String(1), default="", nullable=False)
    accessible: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    owner_kind: Mapped[str] = mapped_column(String(8), default="unknown", nullable=False)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_owners.id", ondelete="SET NULL")
    )
    occupancy: Mapped[str] = mapped_column(String(16), default="vacant", nullable=False)
    vacant_since: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="not_followed", nullable=False)
    substatus: Mapped[str] = mapped_column(String(16), default="", nullable=False)
    levers: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    blocking: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    source: Mapped[str] = mapped_column(String(8), default="manual", nullable=False)
    #: a report by an inhabitant waits for the circle's confirmation
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    reported_by_id: Mapped[int | None] = _user_fk()
    report_note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    lovac_year: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("commune_id", "ref"),
        Index("ix_housing_dwellings_commune_status", "commune_id", "status"),
        INFO,
    )


class DwellingEvent(TenantMixin, db.Model):
    """One change of one dwelling: the field, the old and the new value. Append-only."""

    __tablename__ = "housing_dwelling_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dwelling_id: Mapped[int] = mapped_column(
        ForeignKey("housing_dwellings.id", ondelete="CASCADE"), nullable=False
    )
    field: Mapped[str] = mapped_column(String(16), nullable=False)
    old: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    new: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    source: Mapped[str] = mapped_column(String(8), default="manual", nullable=False)
    actor_id: Mapped[int | None] = _user_fk()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    __table_args__ = (
        Index("ix_housing_events_commune_dwelling", "commune_id", "dwelling_id", "field"),
        INFO,
    )


class Campaign(TenantMixin, TimestampMixin, db.Model):
    """A letter campaign to a selection of owners."""

    __tablename__ = "housing_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    template: Mapped[str] = mapped_column(Text, nullable=False)
    sent_on: Mapped[date | None] = mapped_column(Date)
    #: the dwellings were moved to "awaiting reply" (once the sent date has passed)
    applied: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (INFO,)


class Letter(TenantMixin, db.Model):
    __tablename__ = "housing_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("housing_campaigns.id", ondelete="CASCADE"), nullable=False
    )
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("housing_owners.id", ondelete="CASCADE"), nullable=False
    )
    dwelling_id: Mapped[int] = mapped_column(
        ForeignKey("housing_dwellings.id", ondelete="CASCADE"), nullable=False
    )
    reply: Mapped[str] = mapped_column(Text, default="", nullable=False)
    replied_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("commune_id", "campaign_id", "dwelling_id"), INFO)


class HousingRequest(TenantMixin, TimestampMixin, db.Model):
    """A household's request: personal data, seen by the housing circle and the applicant."""

    __tablename__ = "housing_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int | None] = _user_fk()
    household: Mapped[str] = mapped_column(String(200), nullable=False)
    people: Mapped[int] = mapped_column(Integer, nullable=False)
    rooms_needed: Mapped[int] = mapped_column(Integer, nullable=False)
    needs: Mapped[str] = mapped_column(Text, default="", nullable=False)
    urgency: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    accessibility: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: commune slugs wished, first choice first (the commune of the request is always one)
    communes: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="open", nullable=False)
    submitted_on: Mapped[date] = mapped_column(Date, nullable=False)

    __table_args__ = (Index("ix_housing_requests_commune_status", "commune_id", "status"), INFO)


class Grid(TenantMixin, TimestampMixin, db.Model):
    """A version of the public points grid; in force once the assembly adopted it."""

    __tablename__ = "housing_grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    criteria: Mapped[dict] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="in_vote", nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    in_force_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("commune_id", "version"), INFO)


class Allocation(TenantMixin, TimestampMixin, db.Model):
    """The examination of the requests for one available dwelling, and its vote."""

    __tablename__ = "housing_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    dwelling_id: Mapped[int] = mapped_column(
        ForeignKey("housing_dwellings.id", ondelete="CASCADE"), nullable=False
    )
    grid_id: Mapped[int] = mapped_column(
        ForeignKey("housing_grids.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(12), default="examining", nullable=False)
    #: [{"request": id, "points": n, "lines": [[criterion, value, points], …]}, …] in grid order
    ranking: Mapped[list] = mapped_column(JSON, nullable=False)
    #: the circle's proposed order (request ids); the first receives the dwelling
    proposed_order: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    chosen_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_requests.id", ondelete="SET NULL")
    )
    #: the request chosen when it is another commune's (its commune is in the ranking)
    chosen_elsewhere_id: Mapped[int | None] = mapped_column(Integer)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    decided_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (INFO,)


class Review(TenantMixin, TimestampMixin, db.Model):
    """A household's request for a second look at an allocation, within the set delay."""

    __tablename__ = "housing_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("housing_allocations.id", ondelete="CASCADE"), nullable=False
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("housing_requests.id", ondelete="CASCADE"), nullable=False
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(8), default="open", nullable=False)
    answer: Mapped[str] = mapped_column(Text, default="", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "allocation_id", "request_id"), INFO)


class Project(TenantMixin, TimestampMixin, db.Model):
    """A building to acquire or renovate together. ``pledged`` is the sum of the live
    pledges, updated under the project's row lock (exact under concurrent pledges)."""

    __tablename__ = "housing_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    works: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), nullable=False)
    target: Mapped[Decimal] = mapped_column(Money, nullable=False)
    legal_form: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="campaign", nullable=False)
    pledged: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"), nullable=False)
    pledges_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )

    __table_args__ = (INFO,)


class Pledge(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "housing_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("housing_projects.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = _user_fk()
    #: an organisation pledging (its name is public), else a person (kept private)
    organisation: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (Index("ix_housing_pledges_commune_project", "commune_id", "project_id"), INFO)


class RentDeclaration(TenantMixin, TimestampMixin, db.Model):
    """A declared rent, anonymous: area, rooms, surface and rent only."""

    __tablename__ = "housing_rents"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(100), nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    surface: Mapped[int] = mapped_column(Integer, nullable=False)
    rent: Mapped[Decimal] = mapped_column(Money, nullable=False)

    __table_args__ = (Index("ix_housing_rents_commune_area", "commune_id", "area"), INFO)


class TenantCollective(TenantMixin, TimestampMixin, db.Model):
    """Tenants who act together towards one landlord. The landlord and the members are
    personal data: the collective's founder and the housing circle see them."""

    __tablename__ = "housing_collectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    landlord: Mapped[str] = mapped_column(String(200), nullable=False)
    landlord_address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    founder_id: Mapped[int | None] = _user_fk()

    __table_args__ = (INFO,)


class Grievance(TenantMixin, TimestampMixin, db.Model):
    """A grievance of a tenants' collective (repairs, rent…), routed to the housing circle
    and turned into a formal letter to the landlord from a template."""

    __tablename__ = "housing_grievances"

    id: Mapped[int] = mapped_column(primary_key=True)
    collective_id: Mapped[int] = mapped_column(
        ForeignKey("housing_collectives.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="routed", nullable=False)
    #: a letter written before letters were rendered at read time (kept as it was)
    letter: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: the day the circle turned the grievance into a letter: the letter is rendered from
    #: the template in the reader's language (:func:`convergence_housing.tenants.letter_text`)
    letter_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (INFO,)


class Consent(TenantMixin, TimestampMixin, db.Model):
    """The answer of a household's own commune (``commune_id``) to an examination in another
    commune of a federation (``host_commune_id``, its allocation ``allocation_id``) that
    ranks one of its requests: without ``granted``, that request cannot receive the other
    commune's dwelling. One answer per allocation and request, written by
    :func:`convergence_housing.sharing.answer_consent` only."""

    __tablename__ = "housing_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("housing_requests.id", ondelete="CASCADE"), nullable=False
    )
    host_commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False
    )
    #: the allocation of the host commune (another tenant: no foreign key)
    allocation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    answer: Mapped[str] = mapped_column(String(8), nullable=False)
    answered_by_id: Mapped[int | None] = _user_fk()

    __table_args__ = (
        UniqueConstraint(
            "commune_id",
            "host_commune_id",
            "allocation_id",
            "request_id",
            name="uq_housing_consents_one_answer",
        ),
        INFO,
    )
