"""The plugin's tables: every row belongs to one commune (``TenantMixin``)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db
from federation.tenancy.scoping import TenantMixin


class Item(TenantMixin, db.Model):
    """One entry of the commune's list.

    ``TenantMixin`` adds ``commune_id``: queries only ever see the current commune's rows
    and writes are stamped with it; the table name starts with the plugin's name.
    """

    __tablename__ = "mobility_items"
    __table_args__ = {"info": {"plugin": "mobility"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
