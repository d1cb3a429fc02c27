"""Automatic tenant scoping at the ORM level.

Every tenant-owned model inherits :class:`TenantMixin` and so carries ``commune_id``.
The session keeps the current :class:`Scope` in ``session.info``; an ORM hook then

* adds the scope's criteria to **every** ORM SELECT, UPDATE and DELETE that touches a
  tenant model (relationship and lazy loads included) through ``with_loader_criteria``;
* refuses to run a tenant query at all when no scope is set (fail closed, R3);
* stamps ``commune_id`` on insert and refuses a write of another commune's row (R2);
* makes ``session.get`` (and the legacy ``Query.get`` / ``Model.query.get``) return
  ``None`` for another commune's row even when it sits in the identity map (R5);
* checks every ORM-enabled INSERT/UPDATE/DELETE against the scope: ``commune_id`` values
  (stamped when absent), no change of ``commune_id``, no write without a commune scope or
  in a federation scope, bulk UPDATE/DELETE by primary key only of the scope's rows, and
  the ``bulk_save_objects`` / ``bulk_*_mappings`` paths alike (R2, issue 11 item 2);
* refuses Core statements and raw SQL on tenant tables (``select(Model.__table__)``,
  ``text()``, ``exec_driver_sql``, ``connection.execute``) at the session and, for any
  connection, at the engine (``before_cursor_execute``), outside the one named escape
  hatch :func:`raw_tenant_sql` (R4). Statements the ORM emits itself (flush, lazy loads,
  bulk paths) run inside a marker set by this module and are let through.

Scopes: a single commune (read/write), a federation (read-only across its member
communes) or the explicit, rare ``unscoped()`` context for CLI and platform-admin code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.query import Query as FlaskSQLAlchemyQuery
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import ForeignKey, Integer, any_, bindparam, event, func, inspect, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ClauseElement, TextClause
from sqlalchemy.sql.selectable import AliasedReturnsRows, TableClause
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


#: set while the ORM itself runs statements (flush, ORM-enabled executions, bulk paths)
_ORM_AT_WORK: ContextVar[int] = ContextVar("convergence_orm_at_work", default=0)
#: the reason given to the open :func:`raw_tenant_sql` escape hatch, if any
_RAW_SQL_REASON: ContextVar[str | None] = ContextVar("convergence_raw_tenant_sql", default=None)


@contextmanager
def _orm_at_work() -> Iterator[None]:
    token = _ORM_AT_WORK.set(_ORM_AT_WORK.get() + 1)
    try:
        yield
    finally:
        _ORM_AT_WORK.reset(token)


@contextmanager
def raw_tenant_sql(reason: str) -> Iterator[None]:
    """The one escape hatch for Core statements and raw SQL on tenant tables.

    Nothing inside is scoped or checked by this module: the caller checks the rows itself
    (and PostgreSQL's row-level security stays behind it). Every module that opens it is
    listed, with its reason, in ``tests/core/test_meta.py`` (R4): migrations, the test
    database reset and the bulk COPY of many rows.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("raw_tenant_sql needs a reason")
    token = _RAW_SQL_REASON.set(reason)
    try:
        yield
    finally:
        _RAW_SQL_REASON.reset(token)


def raw_sql_allowed() -> bool:
    """Whether the current code runs inside :func:`raw_tenant_sql`."""
    return _RAW_SQL_REASON.get() is not None


#: further rules for rows that are not a commune's (federation-shared data registers one):
#: ``check(session, obj)`` → whether the session's scope may see ``obj``
VISIBILITY_CHECKS: list[Callable[[Any, Any], bool]] = []


def _visible(session: TenantSession, obj: Any) -> Any:
    """``obj`` if the scope may see it (fail closed without a scope), else ``None``.

    ``session.get`` reads the identity map first: a row an earlier scope of the same session
    loaded must be checked again against the current one."""
    if obj is not None and not all(check(session, obj) for check in VISIBILITY_CHECKS):
        return None
    if obj is not None and isinstance(obj, TenantMixin):
        scope = session.scope
        if scope is None:
            raise TenantScopeError(
                f"{type(obj).__name__} is a tenant model and no commune scope is set"
            )
        if not scope.allows(obj.commune_id):
            return None
    return obj


class TenantQuery(FlaskSQLAlchemyQuery):
    """The legacy ``Query`` (``Model.query``, ``session.query``), scoped like ``session.get``.

    ``Query.get`` reads the identity map directly: without this, it returned another
    commune's row that an earlier scope had loaded.
    """

    def get(self, ident: Any) -> Any:
        return _visible(self.session, super().get(ident))  # type: ignore[arg-type]


class TenantSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy session that knows its tenant scope."""

    @property
    def scope(self) -> Scope | None:
        return self.info.get(SCOPE_KEY)

    def set_scope(self, scope: Scope | None) -> None:
        self.info[SCOPE_KEY] = scope

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        return _visible(self, super().get(entity, ident, **kwargs))

    def flush(self, objects: Any = None) -> None:
        with _orm_at_work():  # the unit of work's own INSERT/UPDATE/DELETE statements
            super().flush(objects)

    def _bulk_save_mappings(self, mapper: Any, mappings: Any, **kwargs: Any) -> None:
        """``bulk_save_objects`` / ``bulk_insert_mappings`` / ``bulk_update_mappings``.

        They bypass both ``before_flush`` and ``do_orm_execute``: checked and stamped here.
        """
        mapper = inspect(mapper)
        if is_tenant_class(mapper.class_):
            mappings = _check_bulk(self, mapper, list(mappings), **kwargs)
        with _orm_at_work():
            super()._bulk_save_mappings(mapper, mappings, **kwargs)

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


def _tenant_table_names() -> set[str]:
    key = _mapper_count()
    if _TENANT_NAMES_CACHE.get("key") != key:
        names = {m.local_table.name for m in _all_mappers() if is_tenant_class(m.class_)}
        _TENANT_NAMES_CACHE.update(
            key=key,
            names=names,
            pattern=re.compile(
                r"(?<![\w$])(" + "|".join(re.escape(n) for n in sorted(names)) + r")(?![\w$])",
                re.IGNORECASE,
            )
            if names
            else None,
        )
    return _TENANT_NAMES_CACHE["names"]


_TENANT_NAMES_CACHE: dict[str, Any] = {}


def _tenant_tables_of(statement: Any) -> set[str]:
    """Names of the tenant tables a Core or ORM statement reads or writes."""
    tenant_names = _tenant_table_names()
    found = set()
    for table in find_tables(
        statement,
        check_columns=True,
        include_aliases=True,
        include_joins=True,
        include_selects=True,
        include_crud=True,
    ):
        if getattr(table, "name", None) in tenant_names:
            found.add(table.name)
    return found


def _tenant_tables_in_sql(sql: str) -> set[str]:
    _tenant_table_names()
    pattern = _TENANT_NAMES_CACHE["pattern"]
    return {m.lower() for m in pattern.findall(sql)} if pattern is not None else set()


def _tenant_tables(state: ORMExecuteState) -> list[str]:
    """Names of the tenant tables a statement reads or writes (mapped entities and FROMs)."""
    names = {m.local_table.name for m in state.all_mappers if is_tenant_class(m.class_)}
    return sorted(names | _tenant_tables_of(state.statement))


def _all_mappers() -> Any:
    from federation.db import Base

    return Base.registry.mappers


def _mapper_count() -> int:
    """How many classes are mapped: the key of the tenant-table cache. ``registry.mappers``
    builds a frozenset of every mapper on each call (about 9% of a signed-in page, once
    per statement); the registry's own map of class managers is only counted."""
    from federation.db import Base

    managers = getattr(Base.registry, "_managers", None)
    return len(managers) if managers is not None else len(Base.registry.mappers)


def _core_refusal(tables: Iterable[str]) -> TenantScopeError:
    return TenantScopeError(
        f"Core statement or raw SQL on tenant table {sorted(tables)[0]}: use the ORM entity "
        "(select(Model), insert(Model), update(Model)…), which the scope checks, or the "
        "reviewed escape hatch federation.tenancy.scoping.raw_tenant_sql(reason)"
    )


def _check_core_statement(statement: Any) -> None:
    """Refuse a Core statement (or an ORM ``from_statement``) on a tenant table (R4)."""
    if raw_sql_allowed():
        return
    if isinstance(statement, TextClause):
        tables = _tenant_tables_in_sql(statement.text)
    else:
        tables = _tenant_tables_of(statement)
    if tables:
        raise _core_refusal(tables)


def _check_core_sql(sql: str, context: Any) -> None:
    """Engine-level guard: any statement on any connection, ORM work and hatch excepted."""
    if raw_sql_allowed() or sql.lstrip()[:6].upper() == "PRAGMA":
        return
    compiled = getattr(context, "compiled", None)
    statement = getattr(compiled, "statement", None)
    if statement is not None and (
        getattr(statement, "is_select", False) or getattr(statement, "is_dml", False)
    ):
        tables = _tenant_tables_of(statement)
    else:
        tables = _tenant_tables_in_sql(sql)
    if tables:
        raise _core_refusal(tables)


def _check_raw_aliases(statement: Any) -> None:
    """Refuse an alias of a tenant *table* inside an ORM statement (R4).

    ``with_loader_criteria`` filters mapped entities and their ``aliased()`` forms, not a
    Core ``Model.__table__.alias()`` joined into an ORM query, which would read every
    commune's rows.
    """
    if raw_sql_allowed():
        return
    names = _tenant_table_names()
    entity_froms: set[int] = set()
    raw: dict[int, str] = {}
    for element in visitors.iterate(statement):
        entity = getattr(element, "_annotations", {}).get("parententity")
        selectable = getattr(entity, "selectable", None)
        if selectable is not None:
            entity_froms.add(hash(selectable))
        if (
            isinstance(element, AliasedReturnsRows)
            and isinstance(element.element, TableClause)
            and element.element.name in names
        ):
            raw[hash(element)] = element.element.name
    found = {name for key, name in raw.items() if key not in entity_froms}
    if found:
        raise _core_refusal(found)


@event.listens_for(Engine, "before_cursor_execute")
def _guard_cursor_execute(
    _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if _ORM_AT_WORK.get():
        return
    _check_core_sql(statement, context)


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> Any:
    if not state.is_orm_statement:
        _check_core_statement(state.statement)
        return None  # Core, on global tables (or in the escape hatch)
    if state.is_from_statement:  # select(Model).from_statement(text(…)): no criteria apply
        _check_core_statement(getattr(state.statement, "element", state.statement))
    scope: Scope | None = state.session.info.get(SCOPE_KEY)
    if state.is_insert or state.is_update or state.is_delete:
        _check_dml(state, scope)
    if not (state.is_select or state.is_update or state.is_delete):
        with _orm_at_work():
            return state.invoke_statement()
    if scope is None:
        tenant = _tenant_tables(state)
        if tenant:
            raise TenantScopeError(f"query on tenant table {tenant[0]} without a commune scope")
    elif not scope.unscoped:
        _check_raw_aliases(state.statement)
        ids = tuple(sorted(scope.commune_ids))
        if len(ids) == 1:
            only = ids[0]
            criteria = with_loader_criteria(
                TenantMixin, lambda cls: cls.commune_id == only, include_aliases=True
            )
        elif _dialect_name(state) == "postgresql":
            # one array parameter: psycopg prepares ``IN`` with 1,000 bound values in about
            # a second (a federation's indicators); ``= ANY(array)`` is one value
            tenant_ids = bindparam("tenant_ids", list(ids), type_=ARRAY(Integer))
            criteria = with_loader_criteria(
                TenantMixin, lambda cls: cls.commune_id == any_(tenant_ids), include_aliases=True
            )
        else:
            criteria = with_loader_criteria(
                TenantMixin, lambda cls: cls.commune_id.in_(ids), include_aliases=True
            )
        state.statement = state.statement.options(criteria)
    with _orm_at_work():  # the ORM's own statements below this one (bulk paths)
        return state.invoke_statement()


def _dialect_name(state: ORMExecuteState) -> str:
    return state.session.get_bind(**state.bind_arguments).dialect.name


# --- writes below the unit of work (issue 11 item 2) ---------------------------------------

_UNKNOWN = object()


def _literal(value: Any) -> Any:
    """The Python value a statement would write, or ``_UNKNOWN`` for a SQL expression."""
    if isinstance(value, BindParameter):
        return _UNKNOWN if value.callable is not None else value.value
    if isinstance(value, ClauseElement):
        return _UNKNOWN
    return value


def _key(key: Any) -> Any:
    return key if isinstance(key, str) else getattr(key, "key", key)


def _refuse(name: str, verb: str, scope: Scope, value: Any) -> CrossCommuneWrite:
    shown = "a SQL expression" if value is _UNKNOWN else f"commune {value!r}"
    return CrossCommuneWrite(
        f"cannot {verb} {name} with commune_id = {shown} in the {scope.kind} scope of "
        f"{sorted(scope.commune_ids)}"
    )


def _check_value(name: str, verb: str, scope: Scope, value: Any) -> None:
    literal = _literal(value)
    if literal is _UNKNOWN or isinstance(literal, bool) or not isinstance(literal, int):
        raise _refuse(name, verb, scope, _UNKNOWN if literal is _UNKNOWN else literal)
    if literal != scope.commune_id:
        raise _refuse(name, verb, scope, literal)


def _writable_scope(scope: Scope | None, name: str, verb: str) -> Scope:
    if scope is None:
        raise TenantScopeError(f"cannot {verb} {name}: no commune scope is set")
    if not scope.writable:
        raise CrossCommuneWrite(f"cannot {verb} {name}: a {scope.kind} scope is read-only")
    return scope


def _touch(session: Any, scope: Scope) -> None:
    touched = session.info.setdefault(TOUCHED_KEY, set())
    if scope.unscoped:
        touched.add(-1)  # unknown communes: every cached aggregate moves on
    else:
        touched.update(scope.commune_ids)


def _check_dml(state: ORMExecuteState, scope: Scope | None) -> None:
    """Check (and stamp) an ORM-enabled INSERT/UPDATE/DELETE on a tenant model."""
    mapper = state.bind_mapper
    if mapper is None or not is_tenant_class(mapper.class_):
        return
    name = mapper.class_.__name__
    verb = "insert" if state.is_insert else "update" if state.is_update else "delete"
    scope = _writable_scope(scope, name, verb)
    _touch(state.session, scope)
    if scope.unscoped:
        return
    statement = state.statement
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    values = {_key(k): v for k, v in (getattr(statement, "_values", None) or {}).items()}
    if "commune_id" in values:
        _check_value(name, verb, scope, values["commune_id"])
    for row in rows:
        if "commune_id" in row:
            _check_value(name, verb, scope, row["commune_id"])
    if state.is_insert:
        _check_insert(state, scope, name, values, rows)
    elif isinstance(params, list) and params:  # bulk UPDATE/DELETE by primary key
        _check_rows_by_key(state.session, mapper, params, name, verb)


def _check_insert(
    state: ORMExecuteState, scope: Scope, name: str, values: dict, rows: list[dict]
) -> None:
    statement = state.statement
    if getattr(statement, "select", None) is not None:
        raise CrossCommuneWrite(f"cannot insert {name} from a SELECT in a {scope.kind} scope")
    post = getattr(statement, "_post_values_clause", None)
    if post is not None and getattr(post, "update_values_to_set", None):
        raise CrossCommuneWrite(f"cannot upsert {name} (ON CONFLICT DO UPDATE) in a scope")
    for batch in getattr(statement, "_multi_values", None) or ():
        for row in batch:
            if not isinstance(row, dict):
                raise CrossCommuneWrite(f"cannot insert {name}: name the columns of each row")
            keyed = {_key(k): v for k, v in row.items()}
            if "commune_id" not in keyed:
                raise CrossCommuneWrite(f"cannot insert {name}: a row of values() lacks commune_id")
            _check_value(name, "insert", scope, keyed["commune_id"])
    if "commune_id" in values or getattr(statement, "_multi_values", None):
        return
    if rows:
        if any("commune_id" not in row for row in rows):
            stamped = [{"commune_id": scope.commune_id, **row} for row in rows]
            state.parameters = stamped if isinstance(state.parameters, list) else stamped[0]
    else:
        state.statement = statement.values(commune_id=scope.commune_id)


def _check_rows_by_key(
    session: TenantSession, mapper: Any, rows: list[dict], name: str, verb: str
) -> None:
    """A bulk UPDATE/DELETE by primary key writes only rows the scope can see.

    ``with_loader_criteria`` does not apply to it: without this, an UPDATE by primary key
    changed another commune's row.
    """
    keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
    try:
        idents = {tuple(row[k] for k in keys) for row in rows}
    except KeyError:
        raise CrossCommuneWrite(f"cannot {verb} {name}: a row lacks its primary key") from None
    _check_idents_in_scope(session, mapper, idents, name, verb)


def _check_idents_in_scope(
    session: TenantSession, mapper: Any, idents: set[tuple], name: str, verb: str
) -> None:
    columns = list(mapper.primary_key)
    ordered = sorted(idents, key=repr)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        if len(columns) == 1:
            condition = columns[0].in_([i[0] for i in chunk])
        else:
            condition = tuple_(*columns).in_(chunk)
        query = select(func.count()).select_from(mapper.class_).where(condition)
        with session.no_autoflush:
            seen = session.scalar(query)  # scoped by the criteria above
        if seen != len(chunk):
            raise CrossCommuneWrite(
                f"cannot {verb} {name}: {len(chunk) - (seen or 0)} of the rows are not in "
                "the current scope"
            )


def bulk_write_commune(session: TenantSession, model: type) -> int | None:
    """The commune every row of a hand-built bulk write of ``model`` must carry.

    For writers that stream rows past the ORM (a PostgreSQL COPY): the scope's commune, or
    ``None`` in the explicit unscoped context (any commune). Raises with no scope or in a
    read-only scope. The writer compares each row's ``commune_id`` with it
    (:func:`refuse_foreign_row`).
    """
    scope = _writable_scope(session.scope, model.__name__, "insert")
    _touch(session, scope)
    return None if scope.unscoped else scope.commune_id


def refuse_foreign_row(model: type, commune_id: Any, expected: int) -> CrossCommuneWrite:
    return _refuse(model.__name__, "insert", commune(expected), commune_id)


def _check_bulk(
    session: TenantSession, mapper: Any, mappings: list[Any], **kwargs: Any
) -> list[Any]:
    """Check (and stamp) the rows of a legacy bulk save; returns the rows to save."""
    isupdate, isstates = kwargs.get("isupdate"), kwargs.get("isstates")
    name = mapper.class_.__name__
    verb = "update" if isupdate else "insert"
    scope = _writable_scope(session.scope, name, verb)
    _touch(session, scope)
    if scope.unscoped:
        return mappings
    if isstates:
        for state in mappings:
            obj = state.obj()
            if not isupdate and obj.commune_id is None:
                obj.commune_id = scope.commune_id
            _check_write(scope, obj, verb)
        if isupdate:
            idents = {tuple(mapper.primary_key_from_instance(s.obj())) for s in mappings}
            _check_idents_in_scope(session, mapper, idents, name, verb)
        return mappings
    if not isupdate:
        mappings = [{"commune_id": scope.commune_id, **row} for row in mappings]
    for row in mappings:
        if "commune_id" in row:
            _check_value(name, verb, scope, row["commune_id"])
    if isupdate:
        _check_rows_by_key(session, mapper, mappings, name, verb)
    return mappings


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
