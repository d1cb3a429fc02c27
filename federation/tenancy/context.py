"""The commune (or federation) a request or a command acts for.

The current commune lives in ``flask.g`` and the session's scope follows it, so a
view never filters by commune by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import g, has_app_context
from werkzeug.local import LocalProxy

from federation.db import db
from federation.tenancy import scoping

if TYPE_CHECKING:
    from federation.tenancy.models import Commune, Federation


def _current_commune() -> Commune | None:
    return g.get("commune") if has_app_context() else None


def _current_federation() -> Federation | None:
    return g.get("federation") if has_app_context() else None


current_commune: Commune | None = LocalProxy(_current_commune)  # type: ignore[assignment]
current_federation: Federation | None = LocalProxy(_current_federation)  # type: ignore[assignment]


def session() -> scoping.TenantSession:
    return db.session()  # type: ignore[return-value]


def enter_commune(commune: Commune) -> None:
    """Make ``commune`` the current one for the rest of this app context."""
    g.commune = commune
    session().set_scope(scoping.commune(commune.id))


def enter_federation(federation: Federation, commune_ids: list[int]) -> None:
    """Read across the federation's member communes only (read-only scope)."""
    g.federation = federation
    session().set_scope(scoping.federation(commune_ids))


@contextmanager
def commune_scope(commune_id: int) -> Iterator[None]:
    with scoping.scoped(session(), scoping.commune(commune_id)):
        yield


@contextmanager
def federation_scope(commune_ids: list[int]) -> Iterator[None]:
    with scoping.scoped(session(), scoping.federation(commune_ids)):
        yield


@contextmanager
def unscoped() -> Iterator[None]:
    """Explicit, rare, reviewed: reads and writes every commune. CLI and platform admin only."""
    with scoping.scoped(session(), scoping.UNSCOPED):
        yield
