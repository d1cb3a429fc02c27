"""Water data: resources and their flow readings, users and their needs, meter readings,
drought levels and restriction rules, allocation runs and their lines, over-use alerts.

Every table is a tenant table. Volumes are whole litres (per day, or cumulative for a
meter index); see :mod:`convergence_water.constants`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.orm import Mapped, mapped_column

from convergence_water.constants import CATEGORIES
from federation.db import TimestampMixin, db
from federation.tenancy.scoping import TenantMixin

INFO = {"info": {"plugin": "water"}}


def _litres(default: int | None = 0) -> Any:
    if default is None:
        return mapped_column(BigInteger)
    return mapped_column(BigInteger, default=default, nullable=False)


class WaterResource(TenantMixin, TimestampMixin, db.Model):
    """A spring, well, borehole, reservoir, river intake or network connection."""

    __tablename__ = "water_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    #: the basin (a federation) this resource is shared in, if any
    federation_id: Mapped[int | None] = mapped_column(
        ForeignKey("federations.id", ondelete="SET NULL")
    )
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="in_service", nullable=False)
    #: sustainable yield per season, litres per day
    yield_winter: Mapped[int] = _litres()
    yield_spring: Mapped[int] = _litres()
    yield_summer: Mapped[int] = _litres()
    yield_autumn: Mapped[int] = _litres()

    __table_args__ = (UniqueConstraint("commune_id", "code"), INFO)

    def yield_for(self, season: str) -> int:
        return int(getattr(self, f"yield_{season}") or 0)


class ResourceReading(TenantMixin, db.Model):
    """A measured flow (litres per day) or water level (centimetres) of a resource."""

    __tablename__ = "water_resource_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("water_resources.id", ondelete="CASCADE"), nullable=False
    )
    measured_on: Mapped[date] = mapped_column(Date, nullable=False)
    flow: Mapped[int | None] = _litres(None)
    level_cm: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "resource_id", "measured_on"), INFO)


class WaterUser(TenantMixin, TimestampMixin, db.Model):
    """A household, farm, business or public service behind one meter on one resource.

    ``name``, ``address`` and the account link of a household are personal data: only
    the water circle sees them (see :func:`convergence_water.services.can_see_private`).
    """

    __tablename__ = "water_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    people: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    crops: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    livestock: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    activity: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("water_resources.id", ondelete="CASCADE"), nullable=False
    )
    meter_code: Mapped[str | None] = mapped_column(String(40))
    #: the person's account, so that they see their own allocation
    account_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: declared needs, litres per day, one column per use category
    need_drinking: Mapped[int] = _litres()
    need_livestock: Mapped[int] = _litres()
    need_irrigation: Mapped[int] = _litres()
    need_economic: Mapped[int] = _litres()
    need_leisure: Mapped[int] = _litres()

    __table_args__ = (
        UniqueConstraint("commune_id", "meter_code"),
        Index("ix_water_users_commune_resource", "commune_id", "resource_id"),
        INFO,
    )

    def needs(self) -> list[int]:
        return [int(getattr(self, f"need_{c}") or 0) for c in CATEGORIES]

    @property
    def need_total(self) -> int:
        return sum(self.needs())


class MeterReading(TenantMixin, db.Model):
    """The index of a user's meter on a day, in litres (cumulative)."""

    __tablename__ = "water_meter_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    water_user_id: Mapped[int] = mapped_column(
        ForeignKey("water_users.id", ondelete="CASCADE"), nullable=False
    )
    read_on: Mapped[date] = mapped_column(Date, nullable=False)
    index_l: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: "form", "csv" or "api"
    source: Mapped[str] = mapped_column(String(8), default="form", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "water_user_id", "read_on"), INFO)


class DroughtLevel(TenantMixin, TimestampMixin, db.Model):
    """A drought level for one resource, for the commune's part of a basin, or commune-wide.

    The level in force for a resource is the strictest of the three that are active.
    """

    __tablename__ = "water_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_resources.id", ondelete="CASCADE")
    )
    federation_id: Mapped[int | None] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE")
    )
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: "decision", "import" or "manual"
    source: Mapped[str] = mapped_column(String(12), nullable=False)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    reference: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_water_levels_commune_starts", "commune_id", "starts_on"), INFO)


class RestrictionRule(TenantMixin, db.Model):
    """The circle's own rule for a category at a level (the defaults live in the code)."""

    __tablename__ = "water_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    reduction_pct: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    forbidden: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hours: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "level", "category"), INFO)


class AllocationRun(TenantMixin, TimestampMixin, db.Model):
    """One computation of the allocation of a resource, with everything it used.

    proposed → (in_vote →) applied → superseded. Only one run per resource is applied.
    """

    __tablename__ = "water_allocation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("water_resources.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(12), default="proposed", nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    season: Mapped[str] = mapped_column(String(8), nullable=False)
    available: Mapped[int] = _litres()
    available_source: Mapped[str] = mapped_column(String(12), nullable=False)
    vital_litres: Mapped[int] = mapped_column(Integer, nullable=False)
    priority: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    #: category → {"reduction_pct", "forbidden", "hours"} at the level used
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    #: [{"category", "demand", "served"}], vital first
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    users_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    need_total: Mapped[int] = _litres()
    allocated: Mapped[int] = _litres()
    #: what made it: "level", "yield", "need", "manual", "demo"
    trigger: Mapped[str] = mapped_column(String(12), default="manual", nullable=False)
    #: the lines are stored (frozen) once the run goes to a vote or applies
    lines_stored: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: this commune's part of a basin allocation (:mod:`convergence_water.basin`): the basin
    #: run (held by the commune of the shared resource, hence no foreign key) and the
    #: intercommunal proposal that ratifies it
    basin_run_id: Mapped[int | None] = mapped_column(Integer)
    federation_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation_proposals.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_water_allocation_runs_commune_resource", "commune_id", "resource_id", "status"),
        INFO,
    )


class AllocationLine(TenantMixin, db.Model):
    """One user's allocation in a run: its needs, vital part and share per category."""

    __tablename__ = "water_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("water_allocation_runs.id", ondelete="CASCADE"), nullable=False
    )
    water_user_id: Mapped[int] = mapped_column(
        ForeignKey("water_users.id", ondelete="CASCADE"), nullable=False
    )
    people: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    vital_need: Mapped[int] = _litres()
    vital: Mapped[int] = _litres()
    need_drinking: Mapped[int] = _litres()
    need_livestock: Mapped[int] = _litres()
    need_irrigation: Mapped[int] = _litres()
    need_economic: Mapped[int] = _litres()
    need_leisure: Mapped[int] = _litres()
    alloc_drinking: Mapped[int] = _litres()
    alloc_livestock: Mapped[int] = _litres()
    alloc_irrigation: Mapped[int] = _litres()
    alloc_economic: Mapped[int] = _litres()
    alloc_leisure: Mapped[int] = _litres()
    total: Mapped[int] = _litres()

    __table_args__ = (UniqueConstraint("commune_id", "run_id", "water_user_id"), INFO)

    def needs(self) -> list[int]:
        return [int(getattr(self, f"need_{c}")) for c in CATEGORIES]

    def allocs(self) -> list[int]:
        return [int(getattr(self, f"alloc_{c}")) for c in CATEGORIES]


class OveruseAlert(TenantMixin, TimestampMixin, db.Model):
    """A user consumed more than its allocation (plus the tolerance) over a period."""

    __tablename__ = "water_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    water_user_id: Mapped[int] = mapped_column(
        ForeignKey("water_users.id", ondelete="CASCADE"), nullable=False
    )
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_allocation_runs.id", ondelete="SET NULL")
    )
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    #: average litres per day over the period, and the allocation it is compared with
    consumption: Mapped[int] = _litres()
    allocation: Mapped[int] = _litres()
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "water_user_id", "period_end"), INFO)


from convergence_water.basin_models import BasinLink, BasinRun  # noqa: E402,F401  (mapped too)
