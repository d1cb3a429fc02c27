"""A test database built once per session from the migrations, reset before each test.

On PostgreSQL the tables belong to the role of ``CONVERGENCE_TEST_DATABASE_URL`` (the
owner, who migrates, creates test-only tables and truncates between tests), while the
application connects as an unprivileged role, ``<database>_app`` (no superuser, no
BYPASSRLS, owns nothing): row-level security applies to every request of the suite, as in
production (R6). ``CONVERGENCE_TEST_APP_ROLE=off`` connects the application as the owner
instead (row-level security is then bypassed and its tests are skipped).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import weakref
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from federation.db import db
from federation.tenancy.scoping import raw_tenant_sql

#: every app built on the test database: their connections are closed before a reset
APPS: weakref.WeakSet[Flask] = weakref.WeakSet()


def app_role_for(url: str) -> str | None:
    """The application role for a PostgreSQL test database (None: connect as the owner)."""
    if url.startswith("sqlite"):
        return None
    configured = os.environ.get("CONVERGENCE_TEST_APP_ROLE", "").strip()
    if configured.lower() in ("off", "0", "no", "false"):
        return None
    return configured or f"{make_url(url).database}_app"[:63]


def _password(role: str) -> str:
    return hashlib.sha256(f"convergence-test:{role}".encode()).hexdigest()[:32]


def app_url_for(url: str, role: str | None) -> str:
    """``url`` connecting as ``role`` instead of the owner."""
    if role is None:
        return url
    return (
        make_url(url)
        .set(username=role, password=_password(role))
        .render_as_string(hide_password=False)
    )


class TestDatabase:
    __test__ = False  # not a test class

    def __init__(self, url: str, workdir: Path, app_role: str | None = None) -> None:
        self.url = url  # the owner's
        self.workdir = workdir
        self.is_sqlite = url.startswith("sqlite")
        self.app_role = None if self.is_sqlite else app_role
        self.path = Path(url.removeprefix("sqlite:///")) if self.is_sqlite else None
        self.template = workdir / "template.sqlite"
        self._owner: Engine | None = None

    @property
    def owner(self) -> Engine:
        """An engine connected as the owner of the tables (PostgreSQL)."""
        if self._owner is None:
            self._owner = create_engine(self.url, poolclass=NullPool)
        return self._owner

    def build(self, app: Flask) -> None:
        """Migrate an empty database to every head, then add tables of test-only plugins."""
        from federation import migrate

        with app.app_context():
            if self.is_sqlite:
                migrate.upgrade(app)
                with raw_tenant_sql("test database: tables of test-only plugins"):
                    db.create_all()  # tables of plugins registered only for tests
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                db.engine.dispose()
                shutil.copyfile(self.path, self.template)
                return
            self._drop_everything()
            if self.app_role:
                self._create_app_role()
            migrate.upgrade(app, url=self.url)  # as the owner; grants the app role
            self._test_only_tables()

    def _test_only_tables(self) -> None:
        """Tables of plugins registered only for tests: created, secured and granted alike."""
        from federation.tenancy import ddl, rls

        with self.owner.begin() as conn, raw_tenant_sql("test database: test-only tables"):
            db.metadata.create_all(conn)
            ddl.secure_tenant_tables(conn)
            if self.app_role:
                rls.grant_app_role(conn, self.app_role)

    def _create_app_role(self) -> None:
        role = self.app_role
        assert role is not None
        quoted = '"' + role.replace('"', '""') + '"'
        with self.owner.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
            ).scalar()
            if not exists:
                try:
                    conn.execute(text(f"CREATE ROLE {quoted}"))
                    conn.commit()
                except Exception:  # created meanwhile by a parallel session
                    conn.rollback()
            conn.execute(
                text(
                    f"ALTER ROLE {quoted} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB "
                    f"NOCREATEROLE PASSWORD '{_password(role)}'"
                )
            )
            conn.commit()

    def _drop_everything(self) -> None:
        with self.owner.begin() as conn:
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
            self._empty_postgresql()

    def fresh_heap(self, *tables: str) -> None:
        """PostgreSQL: give empty ``tables`` new files (TRUNCATE), for tests about the
        physical order of rows. The reset between tests deletes rows, and later inserts
        reuse the free space it leaves wherever it is, not in insertion order."""
        if self.is_sqlite:
            return
        names = ", ".join('"' + t.replace('"', '""') + '"' for t in tables)
        with self.owner.begin() as conn, raw_tenant_sql("tests: a fresh heap"):
            conn.exec_driver_sql(f"TRUNCATE {names}")

    def _empty_postgresql(self) -> None:
        """Empty the tables a test wrote to and restart the sequences it advanced.

        One statement finds the non-empty tables, one transaction deletes their rows with
        ``session_replication_role = replica`` (the owner is a superuser: foreign keys and
        the journal's append-only triggers are not fired), one statement lists the
        sequences that moved. TRUNCATE of every table (about 110) took about a second per
        test, most of the PostgreSQL pass; a test touches a dozen tables. The table list is
        read each time (one query): a test may create or drop tables."""
        with self.owner.begin() as conn, raw_tenant_sql("test database reset"):
            tables = (
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename <> 'alembic_version' ORDER BY tablename"
                    )
                )
                .scalars()
                .all()
            )
            if not tables:
                return
            probe = " UNION ALL ".join(
                f'SELECT {i} WHERE EXISTS (SELECT 1 FROM "{t}")'  # noqa: S608 (from pg_tables)
                for i, t in enumerate(tables)
            )
            written = [tables[i] for (i,) in conn.execute(text(probe))]
            moved = conn.execute(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
                    "FROM pg_sequences WHERE last_value IS NOT NULL"
                )
            ).scalars()
            statements = [f"ALTER SEQUENCE {name} RESTART" for name in moved]
            if written:
                statements.insert(0, "SET LOCAL session_replication_role = replica")
                statements += [f'DELETE FROM "{t}"' for t in written]  # noqa: S608 (pg_tables)
            if statements:
                conn.exec_driver_sql("; ".join(statements))
