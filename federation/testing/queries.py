"""Counting SQL statements (Indico's ``count_queries`` idea)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import event

from federation.db import db


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def reads_and_writes(self) -> list[str]:
        """The statements without PostgreSQL's row-level-security binding (one
        ``SELECT set_config(…)`` per transaction and scope, see federation.tenancy.rls):
        what the code asked of the data, the same on SQLite and PostgreSQL."""
        return [s for s in self.statements if not s.lstrip().startswith("SELECT set_config(")]


@contextmanager
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    with app.app_context():
        engine = db.engine

    def _listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _listener)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _listener)
