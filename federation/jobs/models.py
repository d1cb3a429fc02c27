"""The ``background_jobs`` table: one row per job, a tenant row of the job's commune."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db, utcnow
from federation.tenancy.scoping import TenantMixin

STATES = ("queued", "running", "finished", "failed")


class BackgroundJob(TenantMixin, db.Model):
    """A job: what to run (``function`` with ``params``), its state and progress, its result.

    ``kind`` names what the job does (``budget.tally``), ``error_kind`` why it failed
    (``internal``, ``stale``, ``timeout`` or a kind the job raised with
    :class:`federation.jobs.JobFailed`); both are data, rendered in the reader's language.
    """

    __tablename__ = "background_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), nullable=False)
    #: what the job is about, for finding it again (``budget.process:12``); optional
    subject: Mapped[str | None] = mapped_column(String(120))
    function: Mapped[str] = mapped_column(String(200), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    state: Mapped[str] = mapped_column(String(10), default="queued", nullable=False)
    done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    total: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    error_kind: Mapped[str | None] = mapped_column(String(80))
    result: Mapped[Any | None] = mapped_column(JSON)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: last sign of life of the running job (start, each progress report)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'finished', 'failed')", name="state_known"),
        CheckConstraint("done >= 0 AND total >= 0", name="progress_positive"),
        Index("ix_background_jobs_commune_id_created_at", "commune_id", "created_at"),
        Index("ix_background_jobs_commune_id_subject", "commune_id", "subject"),
    )

    def __repr__(self) -> str:
        return f"<BackgroundJob {self.kind} {self.id} {self.state}>"
