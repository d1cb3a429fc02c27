"""Per-commune enablement of plugins: data, never code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db, utcnow
from federation.tenancy.scoping import TenantMixin


class PluginActivation(TenantMixin, db.Model):
    """A plugin switched on (or back off) for a commune, with its validated settings.

    Rows are kept when a plugin is disabled, so re-enabling it keeps its settings.
    """

    __tablename__ = "plugin_activations"

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(32), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (UniqueConstraint("commune_id", "plugin"),)
