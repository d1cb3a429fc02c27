"""Bulk inserts of many rows (meter readings, allocation lines).

Everywhere: a Core ``insert(table)`` executed with lists of parameter dicts, in batches.
On PostgreSQL, psycopg's executemany sends one statement per row (about 40,000 rows a
second at best), so rows stream through one ``COPY … FROM STDIN`` instead, while the
caller goes on validating the next ones — the statement is built from the table's
metadata, the values travel as data, never as SQL. Should the database refuse COPY
(row-level security, another driver), rows are inserted the ordinary way.

Either way the caller gives the ``commune_id`` of every row explicitly (a bulk insert does
not pass through the ORM's tenant guard): rows belong to the current commune.
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

BATCH = 10_000


class BulkWriter:
    """``add(row)`` tuples in the order of ``columns``, then ``close()``."""

    def __init__(self, table: Table, columns: Sequence[str], batch: int = BATCH) -> None:
        for name in columns:
            table.c[name]
        self.table = table
        self.columns = tuple(columns)
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
        try:
            raw = connection.connection.driver_connection
            self._cursor = raw.cursor()
            self._copy_context = self._cursor.copy(statement)
            self._copy = self._copy_context.__enter__()
        except psycopg.Error:
            self._savepoint.rollback()
            self._copy = None

    def add(self, row: Sequence[Any]) -> None:
        self.count += 1
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self._rows.append(row)
        if len(self._rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            rows = [dict(zip(self.columns, row, strict=True)) for row in self._rows]
            self._rows.clear()
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(self.table), rows)
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
