"""The search index: one row per searchable object, a tenant row of its commune.

Dialect-specific parts live outside the models (created by migration ``0014search``): the
FTS5 table ``search_fts`` and its triggers on SQLite, the generated ``search_vector`` column
and its GIN index on PostgreSQL. :data:`OUTSIDE_METADATA` names them so that the drift check
between models and database leaves them alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db
from federation.tenancy.scoping import TenantMixin

#: database objects of the index that the models do not declare (dialect-specific)
OUTSIDE_METADATA = frozenset({"search_vector", "ix_search_entries_search_vector"})
FTS_TABLE = "search_fts"


def outside_metadata(name: str | None) -> bool:
    """Whether a reflected table, column or index is the index's dialect-specific part."""
    return bool(name) and (name in OUTSIDE_METADATA or name.startswith(FTS_TABLE))


class SearchEntry(TenantMixin, db.Model):
    """A searchable object: ``kind`` (a source's name) and ``ref`` (its id) say which."""

    __tablename__ = "search_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    ref: Mapped[str] = mapped_column(String(60), nullable=False)
    title: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: shown to everyone and across the federation; otherwise only to the commune's members
    public: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: the object's own date (a meeting's start, a decision's adoption), if it has one
    happened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("commune_id", "kind", "ref"),
        Index("ix_search_entries_commune_id_public", "commune_id", "public"),
    )
