"""Creating test data and returning light references (usable outside the app context)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask

from federation.db import db
from federation.tenancy.context import commune_scope, unscoped

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@dataclass(frozen=True)
class CommuneRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class FederationRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class UserRef:
    id: int
    email: str
    display_name: str
    password: str = DEFAULT_PASSWORD
    session_id: str = ""


@dataclass(frozen=True)
class MemberRef:
    user: UserRef
    commune: CommuneRef
    membership_id: int
    role: str


@contextmanager
def in_db(app: Flask) -> Iterator[None]:
    """App context, explicit unscoped access, commit on success."""
    with app.app_context(), unscoped():
        yield
        db.session.commit()


@contextmanager
def in_commune(app: Flask, commune: CommuneRef | int) -> Iterator[None]:
    commune_id = commune if isinstance(commune, int) else commune.id
    with app.app_context(), commune_scope(commune_id):
        yield
        db.session.commit()


class Factory:
    """``factory.commune()``, ``factory.member(commune, "facilitator")``, …"""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def commune(self, slug: str | None = None, name: str | None = None, **kw: Any) -> CommuneRef:
        from federation.tenancy.services import create_commune

        n = next(_counter)
        slug = slug or f"commune-{n}"
        with in_db(self.app):
            commune = create_commune(name or f"Commune {slug}", slug, **kw)  # hooks fire
            ref = CommuneRef(commune.id, commune.slug, commune.name)
        return ref

    def federation(
        self, slug: str | None = None, communes: list[CommuneRef] = (), **kw: Any
    ) -> FederationRef:
        from federation.tenancy.models import Commune
        from federation.tenancy.services import add_commune_to_federation, create_federation

        slug = slug or f"federation-{next(_counter)}"
        with in_db(self.app):
            fed = create_federation(kw.pop("name", f"Fédération {slug}"), slug, **kw)
            for ref in communes:
                add_commune_to_federation(fed, db.session.get(Commune, ref.id))
            result = FederationRef(fed.id, fed.slug, fed.name)
        return result

    def user(
        self,
        email: str | None = None,
        *,
        password: str = DEFAULT_PASSWORD,
        display_name: str | None = None,
        email_verified: bool = True,
        **kw: Any,
    ) -> UserRef:
        """A person; their address counts as verified unless ``email_verified=False``
        (joining a commune requires it, see federation.auth.verification)."""
        from federation.auth.verification import mark_verified
        from federation.identity.services import create_user

        n = next(_counter)
        email = email or f"person{n}@example.org"
        with in_db(self.app):
            user = create_user(email, password, display_name or f"Personne {n}", **kw)
            if email_verified:
                mark_verified(user)
            db.session.flush()
            ref = UserRef(user.id, user.email, user.display_name, password, user.get_id())
        return ref

    def member(
        self,
        commune: CommuneRef,
        role: str = "member",
        user: UserRef | None = None,
        *,
        status: str = "active",
    ) -> MemberRef:
        from federation.identity import services

        user = user or self.user()
        with in_db(self.app):
            from federation.identity.models import User

            person = db.session.get(User, user.id)
            member = services.membership(commune.id, user.id) or services.request_membership(
                commune.id, person
            )
            if status == "active":
                services.activate_membership(member, by=None, method="test")
                services.grant_role(member, role)
            else:
                member.status = status
            db.session.flush()
            membership_id = member.id
        return MemberRef(user, commune, membership_id, role)

    def platform_admin(self) -> UserRef:
        return self.user(is_platform_admin=True)

    def federation_role(
        self, federation: FederationRef, user: UserRef, role: str = "coordinator"
    ) -> None:
        from federation.identity.models import User
        from federation.identity.services import grant_federation_role

        with in_db(self.app):
            grant_federation_role(federation.id, db.session.get(User, user.id), role)

    def enable(
        self, commune: CommuneRef, plugin: str, settings: dict[str, Any] | None = None
    ) -> None:
        from federation.plugins.services import enable_plugin
        from federation.tenancy.models import Commune

        with in_commune(self.app, commune):
            enable_plugin(db.session.get(Commune, commune.id), plugin, settings)

    def disable(self, commune: CommuneRef, plugin: str) -> None:
        from federation.plugins.services import disable_plugin
        from federation.tenancy.models import Commune

        with in_commune(self.app, commune):
            disable_plugin(db.session.get(Commune, commune.id), plugin)

    def token(self, user: UserRef, name: str = "test") -> dict[str, str]:
        """Headers carrying a fresh personal API token of ``user``."""
        from federation.identity.models import User
        from federation.identity.services import create_token

        with in_db(self.app):
            _token, secret = create_token(db.session.get(User, user.id), name)
        return {"Authorization": f"Bearer {secret}"}

    @staticmethod
    def login(client: Any, user: UserRef | MemberRef) -> None:
        """Sign a test client in as ``user`` (no form round trip)."""
        person = user.user if isinstance(user, MemberRef) else user
        with client.session_transaction() as session:
            session["_user_id"] = person.session_id
            session["_fresh"] = True
