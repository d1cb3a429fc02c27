"""The database handle shared by the core and every plugin.

``db`` is the Flask-SQLAlchemy extension, built on a declarative ``Base`` with a
naming convention (so Alembic can name and drop constraints deterministically) and
on :class:`federation.tenancy.scoping.TenantSession`, the session that scopes every
query of a tenant model to the current commune.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware 'now' in UTC (stored as naive UTC on SQLite)."""
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


def lock_row(model: type, row_id: Any, *, exclusive: bool = True) -> None:
    """Serialise the transactions that work on one row, before anything is read.

    PostgreSQL: ``FOR UPDATE`` (``exclusive``) or ``FOR SHARE`` on the row. SQLite has one
    writer at a time: a no-op UPDATE of the row takes the database's write lock (a
    transaction that read first could not take it any more once another one committed), so
    shared and exclusive are the same there. ``row_id`` may be a scalar subquery. The caller
    re-reads what it needs afterwards (``populate_existing`` or ``session.refresh``).
    """
    from sqlalchemy import select, update

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(model.id).where(model.id == row_id).with_for_update(read=not exclusive)
        )
    else:
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(id=model.id)
            .execution_options(synchronize_session=False)
        )


def _session_class():
    from federation.tenancy.scoping import TenantSession

    return TenantSession


def _query_class():
    from federation.tenancy.scoping import TenantQuery

    return TenantQuery


db = SQLAlchemy(
    model_class=Base,
    query_class=_query_class(),  # legacy Model.query / session.query: scoped get()
    session_options={"class_": _session_class()},
)


def _begin_before_savepoint(connection: Any, _name: Any) -> None:
    """SQLite: a SAVEPOINT nests inside a real transaction, never opens one.

    pysqlite issues BEGIN only before an INSERT/UPDATE/DELETE; a SAVEPOINT sent first
    opened the transaction itself, and its RELEASE committed it — the first batch of a
    refused import (``begin_nested()`` per batch) stayed stored. Beginning here keeps every
    import all-or-nothing (tests/plugins/water/test_import_atomic.py)."""
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not getattr(raw, "in_transaction", True):
        raw.execute("BEGIN")


def _install_savepoint_guard() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "savepoint", _begin_before_savepoint):
        event.listen(Engine, "savepoint", _begin_before_savepoint)


_install_savepoint_guard()
