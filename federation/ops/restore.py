"""The restore drill: is a restored copy of the database usable?

``convergence ops check-restore`` (or ``--database-url`` for a copy elsewhere) checks that
the schema is at the head of every branch (``db upgrade`` needs no step the backup
misses) and that every journal chain verifies (no entry lost or altered between the dump
and the restore), and prints how many rows the main tables hold, to compare with the
production figures of the same hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask


@dataclass
class RestoreReport:
    migrations_at_head: bool = False
    missing_heads: list[str] = field(default_factory=list)
    chains: int = 0
    broken: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.migrations_at_head and not self.broken


def table_counts(app: Flask) -> dict[str, int]:
    """Rows of the main tables, every commune's (read unscoped, through the ORM)."""
    from sqlalchemy import func, select

    from federation.db import db
    from federation.identity.models import User
    from federation.journal.models import JournalEntry
    from federation.plugins.models import PluginActivation
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune, Federation

    models = (Commune, Federation, User, JournalEntry, PluginActivation)
    with app.app_context(), unscoped():
        return {
            model.__tablename__: int(db.session.scalar(select(func.count()).select_from(model)))
            for model in models
        }


def check_restore(app: Flask) -> RestoreReport:
    from federation import migrate
    from federation.journal.services import verify
    from federation.tenancy.context import unscoped

    report = RestoreReport()
    heads = set(migrate.heads(app))
    current = set(migrate.current(app))
    report.missing_heads = sorted(heads - current)
    report.migrations_at_head = not report.missing_heads
    with app.app_context(), unscoped():
        reports = verify(None)
    report.chains = len(reports)
    report.broken = [
        f"{r.chain}: entry {r.broken.seq}: {r.broken.reason}" for r in reports if r.broken
    ]
    report.counts = table_counts(app)
    return report
