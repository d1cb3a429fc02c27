"""Bulk inserts of many rows (meter readings, allocation lines).

Everywhere: a Core ``insert(table)`` executed with lists of parameter dicts, in batches.
On PostgreSQL, psycopg's executemany sends one statement per row (about 40,000 rows a
second at best), so rows stream through one ``COPY … FROM STDIN`` instead, while the
caller goes on validating the next ones — the statement is built from the table's
metadata, the values travel as data, never as SQL. Should the database refuse COPY
(row-level security, another driver), rows are inserted the ordinary way.

Either way the rows stay in the current commune (issue 11 item 8): the writer asks the
tenant scope which commune rows must carry (no scope or a read-only scope: refused), checks
the ``commune_id`` of every row before it is streamed (a foreign one aborts the whole
write) and stamps it when the columns leave it out. The fallback inserts through the
ORM-enabled ``insert(Model)``, which the tenant guard checks again; the COPY, which the
ORM cannot see, is the one use of the reviewed escape hatch ``raw_tenant_sql`` here. On
PostgreSQL, row-level security stands behind both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, insert
from sqlalchemy.exc import IntegrityError

from federation.db import db
from federation.errors import Conflict
from federation.tenancy import scoping

BATCH = 10_000


class BulkWriter:
    """``add(row)`` tuples in the order of ``columns``, then ``close()``."""

    def __init__(self, table: Table, columns: Sequence[str], batch: int = BATCH) -> None:
        for name in columns:
            table.c[name]
        self.table = table
        self.model = _model_of(table)
        self.commune = scoping.bulk_write_commune(db.session(), self.model)
        self.stamp = "commune_id" not in columns
        if self.stamp and self.commune is None:
            raise scoping.TenantScopeError(
                f"bulk insert into {table.name}: give commune_id outside a commune scope"
            )
        self.columns = (*columns, "commune_id") if self.stamp else tuple(columns)
        self._at = self.columns.index("commune_id")
        mapper = self.model.__mapper__
        self._keys = [mapper.get_property_by_column(table.c[c]).key for c in self.columns]
        self.batch = batch
        self.count = 0
        self._rows: list[Sequence[Any]] = []
        self._copy: Any = None
        self._open_copy()

    def _open_copy(self) -> None:
        connection = db.session.connection()
        if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
            return
        import psycopg

        quote = connection.dialect.identifier_preparer.quote
        statement = (
            f"COPY {quote(self.table.name)} ({', '.join(quote(c) for c in self.columns)}) "
            "FROM STDIN"
        )
        self._savepoint = db.session.begin_nested()
        connection = db.session.connection()  # emits the SAVEPOINT now
        # rows are checked one by one in add(): the ORM and its guard do not see a COPY
        with scoping.raw_tenant_sql("water bulk COPY of rows checked by BulkWriter.add"):
            try:
                raw = connection.connection.driver_connection
                self._cursor = raw.cursor()
                self._copy_context = self._cursor.copy(statement)
                self._copy = self._copy_context.__enter__()
            except psycopg.Error:
                self._savepoint.rollback()
                self._copy = None

    def add(self, row: Sequence[Any]) -> None:
        if self.stamp:
            row = (*row, self.commune)
        elif self.commune is not None and row[self._at] != self.commune:
            raise scoping.refuse_foreign_row(self.model, row[self._at], self.commune)
        self.count += 1
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self._rows.append(row)
        if len(self._rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            rows = [dict(zip(self._keys, row, strict=True)) for row in self._rows]
            self._rows.clear()
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(self.model), rows)  # checked by the tenant guard
            except IntegrityError as exc:
                raise _changed() from exc

    def close(self) -> int:
        if self._copy is not None:
            try:
                self._copy_context.__exit__(None, None, None)
            except Exception as exc:  # a constraint broke under a concurrent change
                self._cursor.close()
                self._copy = None
                self._savepoint.rollback()
                raise _changed() from exc
            self._cursor.close()
            self._copy = None
            self._savepoint.commit()
        self._flush()
        return self.count

    def abort(self) -> None:
        """Give up (the caller raises): nothing written here stays."""
        if self._copy is not None:
            with suppress(Exception):  # the COPY is being abandoned on purpose
                self._copy_context.__exit__(RuntimeError, RuntimeError("aborted"), None)
            self._cursor.close()
            self._copy = None
            self._savepoint.rollback()
        self._rows.clear()


def _model_of(table: Table) -> type:
    """The tenant model mapped to ``table`` (bulk writes exist for tenant tables only)."""
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table and scoping.is_tenant_class(mapper.class_):
            return mapper.class_
    raise ValueError(f"{table.name} is not the table of a tenant model")


def _changed() -> Conflict:
    return Conflict(
        _("Les données ont changé pendant l'enregistrement : recommencez."), field="_schema"
    )


def bulk_insert(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``); returns how many."""
    writer = BulkWriter(table, columns)
    try:
        for row in rows:
            writer.add(row)
    except BaseException:
        writer.abort()
        raise
    return writer.close()
