"""Communes (the tenants) and federations (overlapping groupings of communes)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from federation.db import TimestampMixin, db

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOCALES = ("fr", "en")


class Commune(TimestampMixin, db.Model):
    """A commune: the tenant. Communes are rows, never folders or schemas."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: indexed: the portal lists communes by name (34,875 in the official list)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    insee_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    departement: Mapped[str | None] = mapped_column(String(3))
    population: Mapped[int | None] = mapped_column(Integer)
    default_locale: Mapped[str] = mapped_column(String(5), default="fr", nullable=False)
    host: Mapped[str | None] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: how a join request is verified; a name registered through the verification hook
    verification_method: Mapped[str] = mapped_column(String(40), default="approval", nullable=False)

    __table_args__ = (
        CheckConstraint("population IS NULL OR population >= 0", name="population_positive"),
    )

    def __repr__(self) -> str:
        return f"<Commune {self.slug}>"


class Federation(TimestampMixin, db.Model):
    """A grouping of communes: a water basin, a food territory, an EPCI… Groupings overlap."""

    __tablename__ = "federations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    kind: Mapped[str] = mapped_column(String(40), default="other", nullable=False)

    memberships: Mapped[list[FederationMember]] = relationship(
        back_populates="federation", cascade="all, delete-orphan", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Federation {self.slug}>"


class FederationMember(db.Model):
    """A commune's membership of a federation, with its join and leave dates."""

    __tablename__ = "federation_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False
    )
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    joined_on: Mapped[date] = mapped_column(Date, default=date.today, nullable=False)
    left_on: Mapped[date | None] = mapped_column(Date)

    federation: Mapped[Federation] = relationship(back_populates="memberships", lazy="raise")
    commune: Mapped[Commune] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("federation_id", "commune_id", "joined_on"),)
