"""Shared identity: one account for the whole deployment, memberships per commune."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from federation.db import TimestampMixin, db, utcnow
from federation.tenancy.models import Commune
from federation.tenancy.scoping import TenantMixin
from federation.texts import render

MEMBERSHIP_STATUSES = ("pending", "active", "refused", "left")


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased: uniqueness is case-insensitive by construction
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    #: bumped on password change or "log out everywhere": older sessions stop working
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: when the person proved they receive mail at ``email`` (federation.auth.verification);
    #: no verification method grants a membership before it
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: how notices reach the person besides the app: "none" (each by e-mail), "daily" or
    #: "weekly" (a summary by e-mail), "off" (no e-mail) — federation.identity.notices
    digest: Mapped[str] = mapped_column(
        String(8), default="none", server_default="none", nullable=False
    )
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(TimestampMixin, db.Model):
    """A user's membership of a commune.

    Memberships belong to the shared identity (a person sees all of theirs), so the
    table is global and every read goes through :mod:`federation.identity.services`,
    which always filters by commune or by user.
    """

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending", nullable=False)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verification_method: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    commune: Mapped[Commune] = relationship(lazy="joined")
    roles: Mapped[list[MembershipRole]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("commune_id", "user_id"),)

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def role_names(self, now: datetime | None = None) -> set[str]:
        now = now or utcnow()
        return {r.role for r in self.roles if r.is_current(now)}


class MembershipRole(db.Model):
    """A role held in a commune: granted by an admin, or by a mandate for its term."""

    __tablename__ = "membership_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), nullable=False
    )
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    #: "admin" when granted by hand, "mandate:<id>" when held through a mandate
    source: Mapped[str] = mapped_column(String(60), default="admin", nullable=False)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: a mandate starting later grants its role from that day only
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    membership: Mapped[Membership] = relationship(back_populates="roles")

    __table_args__ = (UniqueConstraint("commune_id", "membership_id", "role", "source"),)

    def is_current(self, now: datetime) -> bool:
        if self.starts_at is not None and not _reached(self.starts_at, now):
            return False
        if self.expires_at is None:
            return True
        expires = self.expires_at
        if expires.tzinfo is None:
            now = now.replace(tzinfo=None)
        return expires > now


def _reached(moment: datetime, now: datetime) -> bool:
    """``now`` is at or after ``moment`` (naive values are UTC, as SQLite stores them)."""
    if moment.tzinfo is None:
        now = now.replace(tzinfo=None)
    elif now.tzinfo is None:
        moment = moment.replace(tzinfo=None)
    return now >= moment


class CommuneRolePermission(TenantMixin, db.Model):
    """A commune's change to the default role × permission table (grant or withdraw)."""

    __tablename__ = "commune_role_permissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    permission: Mapped[str] = mapped_column(String(80), nullable=False)
    granted: Mapped[bool] = mapped_column(Boolean, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "role", "permission"),)


class FederationRole(TimestampMixin, db.Model):
    """A federation-level role: coordinator, or delegate of a member commune."""

    __tablename__ = "federation_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    #: for a delegate: the commune whose assembly gave the mandate
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    #: a delegate's mandate starting later makes them a delegate from that day only
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("federation_id", "user_id", "role"),)


class Notification(TimestampMixin, db.Model):
    """An in-app notice for one person (also sent by e-mail when they asked for it)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"))
    #: older notices (and kinds without a renderer) keep a sentence; new ones store
    #: ``kind`` + ``params`` and are rendered in the reader's language (federation.texts)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)
    kind: Mapped[str] = mapped_column(String(80), default="", nullable=False)
    #: JSON text of the parameters
    params: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    link: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    @property
    def text(self) -> str:
        """The notice in the reader's language."""
        if not self.kind:
            return self.message
        return render(self.kind, json.loads(self.params or "{}"), fallback=self.message)


class ApiToken(TimestampMixin, db.Model):
    """A personal API token. Only a SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")


Index("ix_membership_roles_commune_role", MembershipRole.commune_id, MembershipRole.role)
