"""Water shared in a basin: which communes draw on a shared resource, and the basin-wide
allocation runs proposed by the basin's water circle and ratified by every member assembly.

Both are tenant tables:

* :class:`BasinLink` belongs to the **drawing** commune: its own connection resource (an
  interconnection, kind ``network``) draws on a resource another commune shares in a basin.
  The shared resource is named by plain ids (no foreign key: the database refuses references
  across communes between tenant tables, and that is right).
* :class:`BasinRun` belongs to the commune that **holds** the shared resource. It keeps the
  parameters the assemblies ratify (vital volume per person, priority, the restriction table
  of every level), the basin-wide tiers and one aggregate row per commune — counts, never a
  household. Each commune's part (one :class:`~convergence_water.models.AllocationRun` per
  local resource, with one line per user) lives in that commune, tagged with the basin run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import TimestampMixin, db
from federation.tenancy.scoping import TenantMixin

INFO = {"info": {"plugin": "water"}}

#: ratifying → applied → superseded; ratifying → rejected
BASIN_STATUSES = ("ratifying", "applied", "rejected", "superseded")
#: what made a basin run: the circle's proposal, or the daily check (season, level expiry)
BASIN_TRIGGERS = ("proposal", "season", "level")


class BasinLink(TenantMixin, TimestampMixin, db.Model):
    """The commune's ``local_resource`` draws on ``shared_resource_id`` (held by
    ``owner_commune_id``, shared in ``federation_id``)."""

    __tablename__ = "water_basin_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False
    )
    owner_commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False
    )
    shared_resource_id: Mapped[int] = mapped_column(Integer, nullable=False)
    local_resource_id: Mapped[int] = mapped_column(
        ForeignKey("water_resources.id", ondelete="CASCADE"), nullable=False
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("commune_id", "local_resource_id"),
        Index("ix_water_basin_links_commune_shared", "commune_id", "shared_resource_id"),
        INFO,
    )


class BasinRun(TenantMixin, TimestampMixin, db.Model):
    """One basin-wide allocation of a shared resource (held by the run's commune)."""

    __tablename__ = "water_basin_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False
    )
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("water_resources.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(12), default="ratifying", nullable=False)
    trigger: Mapped[str] = mapped_column(String(12), default="proposal", nullable=False)
    computed_on: Mapped[date] = mapped_column(Date, nullable=False)
    season: Mapped[str] = mapped_column(String(8), nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    available: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    available_source: Mapped[str] = mapped_column(String(12), nullable=False)
    vital_litres: Mapped[int] = mapped_column(Integer, nullable=False)
    priority: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    #: level → category → {"reduction_pct", "forbidden", "hours"}: what the assemblies ratify
    rules_table: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    #: [{"category", "demand", "served"}] for the whole basin, vital first
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    #: one aggregate per drawing commune: {"commune_id", "users", "households", "people",
    #: "need", "vital", "allocated"} (counts and litres; never a household)
    communes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    users_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    people: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    need_total: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    allocated: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    #: the intercommunal proposal that ratifies it (for a recomputation: the one that
    #: ratified the rule it follows)
    federation_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation_proposals.id", ondelete="SET NULL")
    )
    #: the ratified run a recomputation follows
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_basin_runs.id", ondelete="SET NULL")
    )
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ix_water_basin_runs_commune_resource", "commune_id", "resource_id", "status"),
        Index("ix_water_basin_runs_commune_proposal", "commune_id", "federation_proposal_id"),
        INFO,
    )
