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

#: tables whose row counts the drill prints (present in every installation)
COUNTED = ("communes", "federations", "users", "journal_entries", "plugin_activations")


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


def table_counts(app: Flask, tables: tuple[str, ...] | None = None) -> dict[str, int]:
    """Rows of each table (every table of the database when ``tables`` is None), read as the
    migration owner (row-level security would hide the rows of other communes)."""
    from sqlalchemy import inspect, text

    from federation import migrate

    counts: dict[str, int] = {}
    with migrate.owner_engine(app) as engine, engine.connect() as connection:
        names = tables or tuple(
            sorted(n for n in inspect(connection).get_table_names() if n != "alembic_version")
        )
        present = set(inspect(connection).get_table_names())
        for name in names:
            if name in present:
                quoted = connection.dialect.identifier_preparer.quote(name)
                counts[name] = int(
                    connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar() or 0  # noqa: S608
                )
    return counts


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
    report.counts = table_counts(app, COUNTED)
    return report
