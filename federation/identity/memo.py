"""What a request knows of a person: their memberships with roles, unread notifications
and permissions per commune, read once (issue 12 item 2).

A page asks ``membership()``, ``roles_in()``, ``has_permission()`` many times (the
navigation, ``can()`` in templates, every permission check of the view and its services);
each used to read a membership and its roles (two statements). The memo keeps, per app
context (a request, a CLI command), every membership of a person with its roles, loaded in
one statement, and the signed-in person's are read together with the account itself.

It is never stale within its transaction: any flush, bulk update or delete touching
memberships, roles, role tables or notifications forgets it, and so do commit and rollback;
a membership added or deleted but not flushed yet is flushed first, as a query would
autoflush it.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from federation.identity.models import (
    CommuneRolePermission,
    FederationRole,
    Membership,
    MembershipRole,
    Notification,
)
from federation.tenancy.scoping import TenantSession

KEY = "_identity_memo"
#: changes to these forget the memo
WATCHED = (Membership, MembershipRole, Notification, CommuneRolePermission, FederationRole)
_WATCHED_TABLES = frozenset(cls.__tablename__ for cls in WATCHED)


def memo() -> dict[str, dict[Any, Any]] | None:
    """The request's memo ({"memberships": {user_id: [...]}, "unread": {...}, "permissions":
    {(user_id, commune_id): {...}}, "federation_roles": {federation_id: [...]}}), or None
    outside an app context."""
    if not has_app_context():
        return None
    found = g.get(KEY)
    if found is None:
        found = {"memberships": {}, "unread": {}, "permissions": {}, "federation_roles": {}}
        setattr(g, KEY, found)
    return found


def settle(session: Session) -> None:
    """Flush a membership or role added or deleted and not flushed yet (what a query's
    autoflush would do), so that the memo never answers without it."""
    if not session.autoflush:
        return
    pending = session.new | session.deleted
    if pending and any(isinstance(obj, WATCHED) for obj in pending):
        session.flush()


def forget() -> None:
    if has_app_context():
        g.pop(KEY, None)


def _after_flush(session: Session, _context: Any) -> None:
    if not has_app_context() or g.get(KEY) is None:
        return
    changed = session.new | session.dirty | session.deleted
    if any(isinstance(obj, WATCHED) for obj in changed):
        forget()


def _after_transaction(session: Session, *_args: Any) -> None:
    forget()


def _bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or not has_app_context() or g.get(KEY) is None:
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table is None or table in _WATCHED_TABLES:
        forget()


def install() -> None:
    """Listen to the session (once per process)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_transaction),
        ("after_soft_rollback", _after_transaction),
        ("do_orm_execute", _bulk_write),
    ):
        if not event.contains(TenantSession, name, listener):
            event.listen(TenantSession, name, listener)


install()
