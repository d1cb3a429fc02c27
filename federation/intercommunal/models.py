"""Federation-level data: plugins switched on for a federation, intercommunal proposals and
their ratification by each member commune, pooled projects. Federation data is public and
global (not tenant rows); reads of a commune's data go through a federation scope."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from federation.db import TimestampMixin, db
from federation.governance.models import GeneratedText
from federation.tenancy.models import Commune

RULES = ("majority", "qualified", "unanimity")
#: how a member commune that cannot answer (no member able to vote) counts, chosen at send
#: time: an abstention (in the base, neither yes nor no), a refusal, or out of the base
UNABLE_RULES = ("abstain", "refuse", "exclude")


class FederationPlugin(TimestampMixin, db.Model):
    """A plugin switched on at federation level (shared resources, pooled features…)."""

    __tablename__ = "federation_plugins"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False
    )
    plugin: Mapped[str] = mapped_column(String(32), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    __table_args__ = (UniqueConstraint("federation_id", "plugin"),)


class FederationProposal(GeneratedText, TimestampMixin, db.Model):
    """A proposal made at federation level, ratified (or not) by the member assemblies."""

    __tablename__ = "federation_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: "majority" (more than half), "qualified" (at least ``threshold``), "unanimity"
    rule: Mapped[str] = mapped_column(String(12), default="majority", nullable=False)
    threshold: Mapped[str] = mapped_column(String(12), default="1/2", nullable=False)
    weighted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    deadline: Mapped[date | None] = mapped_column(Date)
    #: one of :data:`UNABLE_RULES`
    unable_rule: Mapped[str] = mapped_column(
        String(10), default="abstain", server_default="abstain", nullable=False
    )
    status: Mapped[str] = mapped_column(String(12), default="draft", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    ratifications: Mapped[list[Ratification]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Ratification.id",
    )


class Ratification(db.Model):
    """One member commune's answer to a federation proposal."""

    __tablename__ = "federation_ratifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("federation_proposals.id", ondelete="CASCADE"), nullable=False
    )
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: pending, ratified, rejected, left (the commune left the federation meanwhile),
    #: unable (no member able to vote when sent: counted by the proposal's ``unable_rule``),
    #: unanswered (still pending when the federation decided: its local proposal closed)
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)
    #: the proposal created in the commune's assembly
    commune_proposal_id: Mapped[int | None] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    proposal: Mapped[FederationProposal] = relationship(back_populates="ratifications")
    commune: Mapped[Commune] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("proposal_id", "commune_id"),)


class PooledProject(TimestampMixin, db.Model):
    """An intercommunal project funded by several communes, approved through ratification."""

    __tablename__ = "federation_pooled_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="draft", nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("federation_proposals.id", ondelete="SET NULL")
    )
    progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    contributions: Mapped[list[PooledContribution]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="PooledContribution.id",
    )
    expenses: Mapped[list[PooledExpense]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PooledExpense.id"
    )


class PooledContribution(db.Model):
    __tablename__ = "federation_pooled_contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("federation_pooled_projects.id", ondelete="CASCADE"), nullable=False
    )
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    #: set when the project is decided: only communes that ratified while members are charged
    charged: Mapped[bool | None] = mapped_column(Boolean)

    project: Mapped[PooledProject] = relationship(back_populates="contributions")
    commune: Mapped[Commune] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("project_id", "commune_id"),)


class PooledExpense(TimestampMixin, db.Model):
    __tablename__ = "federation_pooled_expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("federation_pooled_projects.id", ondelete="CASCADE"), nullable=False
    )
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    spent_on: Mapped[date] = mapped_column(Date, nullable=False)
