"""The plugin's tables: every row belongs to one commune (``TenantMixin``).

Personal data for the préfecture's filing form lives in one table, ``elections_filing``,
read only through :func:`convergence_elections.filing.details` (the list's coordinators and
the candidate themself); nothing else joins it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db, utcnow
from federation.tenancy.scoping import TenantMixin

INFO = {"info": {"plugin": "elections"}}


class Axis(TenantMixin, db.Model):
    """A main axis of the programme: adopted by the core group, then by the assembly."""

    __tablename__ = "elections_axes"
    __table_args__ = INFO

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # draft → core_vote → core_adopted → assembly_vote → adopted (or back to draft if rejected)
    status: Mapped[str] = mapped_column(String(20), default="draft", nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    core_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )


class Measure(TenantMixin, db.Model):
    """A measure of the detailed programme, linked to its sources (decisions, concerns)."""

    __tablename__ = "elections_measures"
    __table_args__ = INFO

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_id: Mapped[int] = mapped_column(
        ForeignKey("elections_axes.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: [{"kind": "decision" | "concern", "id": 3}, …]
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    #: after the election: None, "in_progress", "done", "dropped" (with its reason)
    follow_up: Mapped[str | None] = mapped_column(String(20))
    follow_up_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class MeasureVersion(TenantMixin, db.Model):
    """The history of a measure: one row per version (text, sources, follow-up)."""

    __tablename__ = "elections_measure_versions"
    __table_args__ = (
        UniqueConstraint("commune_id", "measure_id", "version"),
        {"info": {"plugin": "elections"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("elections_measures.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    follow_up: Mapped[str | None] = mapped_column(String(20))
    follow_up_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class ElectionList(TenantMixin, db.Model):
    """A citizen and participatory list for a municipal election (or a by-election)."""

    __tablename__ = "elections_lists"
    __table_args__ = INFO

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    by_election: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    election_date: Mapped[date | None] = mapped_column(Date)
    #: the latest authenticated population municipale (CGCT art. L2121-2)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    length: Mapped[int] = mapped_column(Integer, nullable=False)
    method: Mapped[str] = mapped_column(String(32), default="majority_judgment", nullable=False)
    # open → ranking → ordered → in_vote → adopted
    status: Mapped[str] = mapped_column(String(20), default="open", nullable=False)
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("gov_votes.id", ondelete="SET NULL"))
    #: candidacy ids in the vote's order (ties broken by registration, reported in steps)
    ranking: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    order: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    head_sex: Mapped[str | None] = mapped_column(String(1))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class Coordinator(TenantMixin, db.Model):
    """A coordinator of a list: the only people who see the candidates' filing data."""

    __tablename__ = "elections_coordinators"
    __table_args__ = (
        UniqueConstraint("commune_id", "list_id", "user_id"),
        {"info": {"plugin": "elections"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("elections_lists.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


class Candidacy(TenantMixin, db.Model):
    """A member's candidacy: public statement, themes, declared sex (parity), declarations."""

    __tablename__ = "elections_candidacies"
    __table_args__ = (
        UniqueConstraint("commune_id", "list_id", "user_id"),
        {"info": {"plugin": "elections"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("elections_lists.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    statement: Mapped[str] = mapped_column(Text, default="", nullable=False)
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    declared_adult: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    declared_on_roll: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    option_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class Filing(TenantMixin, db.Model):
    """What the préfecture's form asks of a candidate: personal data, never published."""

    __tablename__ = "elections_filing"
    __table_args__ = (
        UniqueConstraint("commune_id", "candidacy_id"),
        {"info": {"plugin": "elections"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(
        ForeignKey("elections_candidacies.id", ondelete="CASCADE"), nullable=False
    )
    last_name: Mapped[str] = mapped_column(String(200), nullable=False)
    first_names: Mapped[str] = mapped_column(String(200), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    birth_place: Mapped[str] = mapped_column(String(200), nullable=False)
    nationality: Mapped[str] = mapped_column(String(100), nullable=False)
    address: Mapped[str] = mapped_column(Text, nullable=False)


class Draw(TenantMixin, db.Model):
    """A stratified sortition among volunteers, committed before it is drawn."""

    __tablename__ = "elections_draws"
    __table_args__ = INFO

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), default="jury", nullable=False)
    #: the declared attributes that make the strata, e.g. ["sex", "age_band", "area"]
    attributes: Mapped[list[Any]] = mapped_column(JSON, default=list, nullable=False)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    # open → committed → drawn
    status: Mapped[str] = mapped_column(String(20), default="open", nullable=False)
    quotas: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    pool: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    pool_digest: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    commitment: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    #: secret until the draw; published with the result
    seed: Mapped[str | None] = mapped_column(String(64))
    selected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    commit_seq: Mapped[int | None] = mapped_column(Integer)
    draw_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class Volunteer(TenantMixin, db.Model):
    """A member who volunteers for a draw, with the attributes they declare."""

    __tablename__ = "elections_volunteers"
    __table_args__ = (
        UniqueConstraint("commune_id", "draw_id", "user_id"),
        {"info": {"plugin": "elections"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(
        ForeignKey("elections_draws.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)


class TreasuryEntry(TenantMixin, db.Model):
    """The movement's own money before it is in office (never public money): a
    contribution received or an expense paid, who decided it (a decision of the core group
    or the assembly; an expense always needs one) and its public journal entry."""

    __tablename__ = "elections_treasury"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"), INFO)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)  # contribution | expense
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    on_date: Mapped[date] = mapped_column(Date, nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    #: who gave or who was paid, as the movement chooses to say it ("cotisations", a shop)
    counterpart: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    journal_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
