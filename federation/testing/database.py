"""A test database built once per session from the migrations, reset before each test."""

from __future__ import annotations

import shutil
import weakref
from pathlib import Path

from flask import Flask
from sqlalchemy import inspect, text

from federation.db import db
from federation.tenancy.scoping import raw_tenant_sql

#: every app built on the test database: their connections are closed before a reset
APPS: weakref.WeakSet[Flask] = weakref.WeakSet()


class TestDatabase:
    __test__ = False  # not a test class

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self.workdir = workdir
        self.is_sqlite = url.startswith("sqlite")
        self.path = Path(url.removeprefix("sqlite:///")) if self.is_sqlite else None
        self.template = workdir / "template.sqlite"

    def build(self, app: Flask) -> None:
        """Migrate an empty database to every head, then add tables of test-only plugins."""
        from federation import migrate

        with app.app_context():
            if not self.is_sqlite:
                self._drop_everything()
            migrate.upgrade(app)
            with raw_tenant_sql("test database: tables of test-only plugins"):
                db.create_all()  # tables of plugins registered only for tests
            if self.is_sqlite:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                db.engine.dispose()
                shutil.copyfile(self.path, self.template)

    def _drop_everything(self) -> None:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))

    def reset(self, app: Flask) -> None:
        for other in list(APPS):
            with other.app_context():
                db.engine.dispose()
        with app.app_context():
            if self.is_sqlite:
                for suffix in ("-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(self.template, self.path)
                return
            tables = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
            if tables:
                with db.engine.begin() as conn, raw_tenant_sql("test database reset"):
                    conn.execute(
                        text(
                            "TRUNCATE "
                            + ", ".join(f'"{t}"' for t in tables)
                            + " RESTART IDENTITY CASCADE"
                        )
                    )
