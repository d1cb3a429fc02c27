"""Communes (the tenants) and federations (overlapping groupings of communes)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from federation.db import TimestampMixin, db

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOCALES = ("fr", "en")
#: letters NFKD does not decompose into ASCII (Vœuil-et-Giget, Æ…)
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
#: the search key's type: byte order on PostgreSQL too (collation "C"), so that a prefix is
#: a range of the index whatever the database's collation (SQLite compares bytes already)
SEARCH_KEY_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")


def search_key(text: str) -> str:
    """A name folded for search and sorting: accents, case and punctuation dropped, words
    separated by one space (« Saint-Étienne-du-Rouvray » → ``saint etienne du rouvray``)."""
    folded = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text).strip()


class Commune(TimestampMixin, db.Model):
    """A commune: the tenant. Communes are rows, never folders or schemas."""

    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: indexed: the portal lists communes by name (34,875 in the official list)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    #: :func:`search_key` of the name, kept by :meth:`_fold_name` (and by the bulk paths of
    #: tenancy.services): the commune search reads a prefix of it through its index
    search_name: Mapped[str] = mapped_column(SEARCH_KEY_TYPE, nullable=False, server_default="")
    insee_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    departement: Mapped[str | None] = mapped_column(String(3))
    #: its intercommunality (EPCI à fiscalité propre) as the official list gives it: SIREN
    #: and name (``convergence commune import``; its federation is ``epci-<siren>``)
    epci_siren: Mapped[str | None] = mapped_column(String(9))
    epci_name: Mapped[str | None] = mapped_column(String(200))
    population: Mapped[int | None] = mapped_column(Integer)
    default_locale: Mapped[str] = mapped_column(String(5), default="fr", nullable=False)
    host: Mapped[str | None] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: how a join request is verified; a name registered through the verification hook
    verification_method: Mapped[str] = mapped_column(String(40), default="approval", nullable=False)

    __table_args__ = (
        CheckConstraint("population IS NULL OR population >= 0", name="population_positive"),
        Index("ix_communes_search_name", "search_name", "id"),
    )

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.search_name = search_key(name)
        return name

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
