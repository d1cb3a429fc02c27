"""Budget tables: the commune's budget lines (M57), amendments and spending entries; the
participatory-budgeting processes, their projects, follow-up, and secret ballots.

Every table is a tenant table (``commune_id``); unique constraints lead with it.
Money is ``Numeric(14, 2)`` and :class:`~decimal.Decimal`, never a float.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
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
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import TimestampMixin, db
from federation.tenancy.scoping import TenantMixin

PLUGIN = {"info": {"plugin": "budget"}}


def random_id() -> int:
    return secrets.randbits(62) or 1


Money = Numeric(14, 2)
SECTIONS = ("operation", "investment")
#: what allowed a spending entry: an adopted decision, a participatory-budget vote, a
#: ratified pooled project, or the voted budget line itself (ordinary operating spending,
#: where the commune's settings allow it). "manual" is only the mark of entries booked
#: before every spending had to point to a decision: kept, listed as "without decision".
ENTRY_KINDS = ("decision", "pb", "pooled", "line", "manual")
AUTHORITY_KINDS = ("decision", "pb", "pooled", "line")
DIRECTIONS = ("expense", "revenue")
PHASES = ("submission", "review", "vote", "results", "follow_up")
BALLOT_KINDS = ("approval", "cumulative", "ranked")
PB_RULES = ("greedy", "mes")
PROJECT_STATES = ("submitted", "feasible", "unfeasible", "withdrawn")


class BudgetLine(TenantMixin, TimestampMixin, db.Model):
    """A line of the commune's yearly budget (M57: section, chapter, function)."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    section: Mapped[str] = mapped_column(String(12), nullable=False)
    #: M57 chapter code ("011", "21", "65"…)
    chapter: Mapped[str] = mapped_column(String(10), nullable=False)
    #: M57 function code ("0", "21", "8"…)
    function: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    #: "expense" or "revenue" (TOTEM's CodRD: D / R)
    direction: Mapped[str] = mapped_column(
        String(8), default="expense", server_default="expense", nullable=False
    )
    #: M57 nature account ("6042", "73111"…), optional
    nature: Mapped[str] = mapped_column(String(10), default="", server_default="", nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    theme: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    planned: Mapped[Decimal] = mapped_column(Money, nullable=False)

    __table_args__ = (
        UniqueConstraint("commune_id", "year", "section", "chapter", "function", "label"),
        Index("ix_budget_lines_commune_year", "commune_id", "year"),
        PLUGIN,
    )


class BudgetAmendment(TenantMixin, TimestampMixin, db.Model):
    """A change of a line's planned amount (décision modificative), positive or negative."""

    __tablename__ = "budget_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("budget_lines.id", ondelete="CASCADE"), nullable=False
    )
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    decided_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    journal_seq: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_budget_amendments_commune_line", "commune_id", "line_id"), PLUGIN)


class BudgetEntry(TenantMixin, TimestampMixin, db.Model):
    """Executed spending on a line; each one is written to the public journal.

    ``kind`` says who decided: an adopted decision, a participatory budget, a pooled
    intercommunal project ratified by the assembly, or a manual booking by an agent.
    One decision (or pooled project) is booked at most once (UNIQUE). Every entry is
    booked through :func:`convergence_budget.services.book`, which refuses one without
    what allowed it; ``kind == "manual"`` marks the entries kept from before that rule.
    """

    __tablename__ = "budget_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("budget_lines.id", ondelete="CASCADE"), nullable=False
    )
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    decided_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    #: the pooled intercommunal project this contribution funds (intercommunal module)
    pooled_project_id: Mapped[int | None] = mapped_column(Integer)
    pb_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_pb_projects.id", ondelete="SET NULL")
    )
    journal_seq: Mapped[int | None] = mapped_column(Integer)

    @property
    def without_decision(self) -> bool:
        return self.kind not in AUTHORITY_KINDS

    __table_args__ = (
        UniqueConstraint("commune_id", "decision_id"),
        UniqueConstraint("commune_id", "pooled_project_id"),
        UniqueConstraint("commune_id", "pb_project_id"),
        Index("ix_budget_entries_commune_line", "commune_id", "line_id"),
        PLUGIN,
    )


class PBProcess(TenantMixin, TimestampMixin, db.Model):
    """A participatory-budgeting cycle: submission → review → vote → results → follow-up.

    The voting rules (amount, ballot, limits, rule) are frozen once the vote opens (R13).
    """

    __tablename__ = "budget_pb_processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    phase: Mapped[str] = mapped_column(String(12), default="submission", nullable=False)
    ballot_kind: Mapped[str] = mapped_column(String(12), default="approval", nullable=False)
    min_choices: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    max_choices: Mapped[int] = mapped_column(Integer, default=5, nullable=False)
    #: cumulative ballots: points each voter spreads
    max_points: Mapped[int] = mapped_column(Integer, default=10, nullable=False)
    #: approval ballots: the projects chosen may not cost more than the amount together
    cost_cap: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    rule: Mapped[str] = mapped_column(String(10), default="mes", nullable=False)
    #: greedy: {"skip", "threshold"}; mes: {"integral", "stop_when_exhaustive", …}
    rule_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    budget_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_lines.id", ondelete="SET NULL")
    )
    #: imported from pabulib: the file's META, kept for export
    source_meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    #: the pabulib vote type of an imported file (approval, choose-1, cumulative, scoring,
    #: ordinal), kept as such; None for a vote run here (:attr:`pabulib_vote_type`)
    vote_type: Mapped[str | None] = mapped_column(String(12))
    #: ballots imported without a voter record (pabulib)
    imported_ballots: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    eligible_count: Mapped[int | None] = mapped_column(Integer)
    vote_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    vote_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_budget_pb_processes_commune_year", "commune_id", "year"), PLUGIN)

    @property
    def currency(self) -> str:
        """The currency of the amounts: an imported budget keeps its file's (PLN, HUF)."""
        return str((self.source_meta or {}).get("currency") or "EUR").upper()

    @property
    def pabulib_vote_type(self) -> str:
        """The vote type in pabulib's words: the imported file's, else the ballot's."""
        return self.vote_type or {"ranked": "ordinal"}.get(self.ballot_kind, self.ballot_kind)


class PBProject(TenantMixin, TimestampMixin, db.Model):
    """A project submitted by inhabitants, reviewed by municipal agents with a public reason."""

    __tablename__ = "budget_pb_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("budget_pb_processes.id", ondelete="CASCADE"), nullable=False
    )
    #: the id in a pabulib file (import/export); "p<id>" for projects made here
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    place: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    theme: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    estimated_cost: Mapped[Decimal] = mapped_column(Money, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="submitted", nullable=False)
    reviewed_cost: Mapped[Decimal | None] = mapped_column(Money)
    review_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    selected: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: imported from pabulib: the file's PROJECTS row, every column as written (exported
    #: back as it was)
    source_row: Mapped[dict[str, str] | None] = mapped_column(JSON)
    progress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    __table_args__ = (
        UniqueConstraint("commune_id", "process_id", "external_id"),
        Index("ix_budget_pb_projects_commune_process", "commune_id", "process_id"),
        PLUGIN,
    )

    @property
    def cost(self) -> Decimal:
        """What the project costs for the vote: the reviewed cost, else the estimate."""
        return self.reviewed_cost if self.reviewed_cost is not None else self.estimated_cost


class PBFollowUp(TenantMixin, TimestampMixin, db.Model):
    """A public note on carrying out a winning project."""

    __tablename__ = "budget_pb_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("budget_pb_projects.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    progress: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (
        Index("ix_budget_pb_follow_ups_commune_project", "commune_id", "project_id"),
        PLUGIN,
    )


class PBParticipation(TenantMixin, db.Model):
    """Who voted in a process: one row per person (UNIQUE), the day only, no ballot."""

    __tablename__ = "budget_pb_participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("budget_pb_processes.id", ondelete="CASCADE"), nullable=False
    )
    voter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    cast_on: Mapped[date] = mapped_column(Date, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "process_id", "voter_id"), PLUGIN)


class PBBallot(TenantMixin, db.Model):
    """A secret ballot's content: no user, no time, random identifiers.

    The ``id`` is a random 62-bit number (not a sequence: its order says nothing of the
    order of votes) and the ``receipt`` is given to the voter to find their ballot in the
    published list. ``content`` is canonical JSON ``{"p": {"<external id>": weight}}``
    (1 for approval, points for a cumulative ballot; a ranked ballot adds ``"r": [ids]``).
    """

    __tablename__ = "budget_pb_ballots"

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, default=random_id
    )
    receipt: Mapped[str] = mapped_column(String(32), nullable=False)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("budget_pb_processes.id", ondelete="CASCADE"), nullable=False
    )
    content: Mapped[str] = mapped_column(Text, nullable=False)
    #: imported from pabulib: the file's VOTES row (voter_id, vote, points, age, sex…) as a
    #: JSON object in text (ordered, and comparable like every column of this table), a
    #: public file's data exported back as it was; None for a ballot cast here
    source_row: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("commune_id", "receipt"),
        Index(
            "ix_budget_pb_ballots_commune_process_content", "commune_id", "process_id", "content"
        ),
        PLUGIN,
    )


class PBSealedBallot(TenantMixin, db.Model):
    """A ballot cast while the vote is open: sealed by the core ballot box
    (:mod:`federation.governance.ballot_box`, kind ``"budget_pb"``), random id, no user, no
    time. Written in the voter's transaction; opened, written to :class:`PBBallot` in random
    order and deleted by the transaction that closes the vote (issue 10 item 3)."""

    __tablename__ = "budget_pb_sealed_ballots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("budget_pb_processes.id", ondelete="CASCADE"), nullable=False
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    __table_args__ = (
        Index("ix_budget_pb_sealed_ballots_commune_process", "commune_id", "process_id"),
        {"sqlite_with_rowid": False, **PLUGIN},
    )
