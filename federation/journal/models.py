"""The public journal: append-only, hash-chained entries, one chain per commune or federation."""

from __future__ import annotations

import json

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db
from federation.texts import render


class JournalEntry(db.Model):
    """One public record. Public by nature, so the table is global (read by chain).

    ``entry_hash`` is the SHA-256 of the canonical JSON of every other field (the
    previous entry's hash included); ``UNIQUE(chain, seq)`` stops concurrent appends from
    forking a chain. Database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="RESTRICT"), index=True
    )
    federation_id: Mapped[int | None] = mapped_column(
        ForeignKey("federations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(80), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    #: canonical JSON text, hashed as stored
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    actor: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    #: ISO-8601 UTC text, hashed as stored (no time-zone round trip through the database)
    recorded_at: Mapped[str] = mapped_column(String(32), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (UniqueConstraint("chain", "seq"),)

    @property
    def params(self) -> dict:
        return json.loads(self.payload or "{}")

    @property
    def text(self) -> str:
        """The entry in the reader's language (older entries: the sentence they stored)."""
        return render(self.kind, self.params, fallback=self.summary)


class JournalCheckpoint(db.Model):
    """A chain's head as a checkpoint saw it (``convergence journal checkpoint``, run by
    cron). ``journal verify`` refuses a chain that no longer reaches a checkpointed head:
    deleting the last entries of a chain (truncation), which the hash links alone cannot
    show, is detected. The same heads are countersigned in the platform chain and in each
    federation's chain. Append-only like the journal (database triggers).
    """

    __tablename__ = "journal_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(40), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[str] = mapped_column(String(32), nullable=False)

    __table_args__ = (UniqueConstraint("chain", "seq"),)
