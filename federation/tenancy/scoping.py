"""Automatic tenant scoping at the ORM level.

Every tenant-owned model inherits :class:`TenantMixin` and so carries ``commune_id``.
The session keeps the current :class:`Scope` in ``session.info``; an ORM hook then

* adds the scope's criteria to **every** ORM SELECT, UPDATE and DELETE that touches a
  tenant model (relationship and lazy loads included) through ``with_loader_criteria``;
* refuses to run a tenant query at all when no scope is set (fail closed, R3);
* stamps ``commune_id`` on insert and refuses a write of another commune's row (R2);
* makes ``session.get`` return ``None`` for another commune's row even when it sits in
  the identity map (R5).

Scopes: a single commune (read/write), a federation (read-only across its member
communes) or the explicit, rare ``unscoped()`` context for CLI and platform-admin code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import ForeignKey, event, inspect
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables

SCOPE_KEY = "convergence.scope"
AFTER_COMMIT_KEY = "convergence.after_commit"
TOUCHED_KEY = "convergence.touched_communes"

#: called after each commit with the ids of the communes whose tenant rows it changed
#: (the indicators cache registers here to move to new keys)
on_commit_touched: list[Callable[[set[int]], None]] = []


class TenantScopeError(RuntimeError):
    """A tenant table was touched without a scope, or outside the current scope."""


class CrossCommuneWrite(TenantScopeError):
    """A write would create or change a row of a commune outside the current scope."""


@dataclass(frozen=True)
class Scope:
    """What the current session may see and write."""

    kind: str  # "commune" | "federation" | "unscoped"
    commune_ids: frozenset[int] = frozenset()

    @property
    def unscoped(self) -> bool:
        return self.kind == "unscoped"

    @property
    def writable(self) -> bool:
        return self.kind in ("commune", "unscoped")

    @property
    def commune_id(self) -> int | None:
        if self.kind == "commune":
            return next(iter(self.commune_ids))
        return None

    def allows(self, commune_id: int | None) -> bool:
        return self.unscoped or commune_id in self.commune_ids


UNSCOPED = Scope("unscoped")


def commune(commune_id: int) -> Scope:
    return Scope("commune", frozenset({int(commune_id)}))


def federation(commune_ids: Iterable[int]) -> Scope:
    return Scope("federation", frozenset(int(i) for i in commune_ids))


class TenantMixin:
    """Gives a model its ``commune_id`` and puts it under automatic scoping.

    Composite unique constraints and main indexes of a tenant table should lead with
    ``commune_id`` so that a large deployment can partition tables by commune.
    """

    __tenant__ = True

    @declared_attr
    def commune_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("communes.id", ondelete="CASCADE"), nullable=False, index=True
        )


def is_tenant_class(cls: type) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantMixin)


class TenantSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy session that knows its tenant scope."""

    @property
    def scope(self) -> Scope | None:
        return self.info.get(SCOPE_KEY)

    def set_scope(self, scope: Scope | None) -> None:
        self.info[SCOPE_KEY] = scope

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        obj = super().get(entity, ident, **kwargs)
        if obj is not None and isinstance(obj, TenantMixin):
            scope = self.scope
            if scope is None:
                raise TenantScopeError(
                    f"{type(obj).__name__} is a tenant model and no commune scope is set"
                )
            if not scope.allows(obj.commune_id):
                return None
        return obj

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once, right after the next successful commit."""
        self.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)

    def commit(self) -> None:
        super().commit()
        touched = self.info.pop(TOUCHED_KEY, None)
        if touched:
            for listener in on_commit_touched:
                listener(touched)
        callbacks = self.info.pop(AFTER_COMMIT_KEY, [])
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.info.pop(AFTER_COMMIT_KEY, None)
        self.info.pop(TOUCHED_KEY, None)
        super().rollback()


def _tenant_tables(state: ORMExecuteState) -> list[str]:
    """Names of the tenant tables a statement reads or writes (mapped entities and FROMs)."""
    names = {m.local_table.name for m in state.all_mappers if is_tenant_class(m.class_)}
    tenant_names = {m.local_table.name for m in _all_mappers() if is_tenant_class(m.class_)}
    for table in find_tables(
        state.statement,
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
        include_crud=True,
    ):
        if getattr(table, "name", None) in tenant_names:
            names.add(table.name)
    return sorted(names)


def _all_mappers() -> Iterable[Any]:
    from federation.db import Base

    return Base.registry.mappers


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope: Scope | None = state.session.info.get(SCOPE_KEY)
    if scope is None:
        tenant = _tenant_tables(state)
        if tenant:
            raise TenantScopeError(f"query on tenant table {tenant[0]} without a commune scope")
        return
    if state.is_update or state.is_delete:
        touched = state.session.info.setdefault(TOUCHED_KEY, set())
        if scope.unscoped:
            touched.add(-1)  # unknown communes: every cached aggregate moves on
        else:
            touched.update(scope.commune_ids)
    if scope.unscoped:
        return
    ids = tuple(sorted(scope.commune_ids))
    if len(ids) == 1:
        only = ids[0]
        criteria = with_loader_criteria(
            TenantMixin, lambda cls: cls.commune_id == only, include_aliases=True
        )
    else:
        criteria = with_loader_criteria(
            TenantMixin, lambda cls: cls.commune_id.in_(ids), include_aliases=True
        )
    state.statement = state.statement.options(criteria)


def _check_write(scope: Scope | None, obj: Any, action: str) -> None:
    name = type(obj).__name__
    if scope is None:
        raise TenantScopeError(f"cannot {action} {name}: no commune scope is set")
    if scope.unscoped:
        return
    if not scope.writable:
        raise CrossCommuneWrite(f"cannot {action} {name}: a {scope.kind} scope is read-only")
    history = inspect(obj).attrs.commune_id.history
    for value in (*history.deleted, *(history.added or [obj.commune_id])):
        if value is not None and not scope.allows(value):
            raise CrossCommuneWrite(
                f"cannot {action} {name} of commune {value} in the scope of commune "
                f"{scope.commune_id}"
            )


@event.listens_for(TenantSession, "before_flush")
def _guard_writes(session: TenantSession, _flush_context: Any, _instances: Any) -> None:
    scope: Scope | None = session.info.get(SCOPE_KEY)
    touched = session.info.setdefault(TOUCHED_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TenantMixin) and obj.commune_id is not None:
            touched.add(obj.commune_id)
    if (
        scope is not None
        and scope.kind == "commune"
        and any(isinstance(o, TenantMixin) for o in session.new)
    ):
        touched.add(scope.commune_id)  # type: ignore[arg-type]
    for obj in session.new:
        if not isinstance(obj, TenantMixin):
            continue
        if scope is not None and scope.kind == "commune" and obj.commune_id is None:
            obj.commune_id = scope.commune_id
        _check_write(scope, obj, "insert")
    for obj in session.dirty:
        if isinstance(obj, TenantMixin) and session.is_modified(obj):
            _check_write(scope, obj, "update")
    for obj in session.deleted:
        if isinstance(obj, TenantMixin):
            _check_write(scope, obj, "delete")


@contextmanager
def scoped(session: TenantSession, scope: Scope | None) -> Iterator[TenantSession]:
    """Temporarily replace the session's scope; restores the previous one after.

    Pending changes are flushed at each switch, under the scope they were made in.
    """
    previous = session.info.get(SCOPE_KEY)
    _flush_pending(session)
    session.info[SCOPE_KEY] = scope
    try:
        yield session
        _flush_pending(session)
    finally:
        session.info[SCOPE_KEY] = previous


def _flush_pending(session: TenantSession) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
