"""A commune's places: a name, an address and, optionally, coordinates for the map.

A concern whose ``place`` names a place (same name, any case) is shown at that place.
"""

from __future__ import annotations

from sqlalchemy import Float, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import TimestampMixin, db
from federation.tenancy.scoping import TenantMixin


class Place(TenantMixin, TimestampMixin, db.Model):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (UniqueConstraint("commune_id", "name"),)
