"""Alembic environment: the app's metadata (core + loaded plugins), batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from flask import current_app

from federation.db import Base, db
from federation.tenancy.ddl import apply_tenant_keys, secure_tenant_tables
from federation.tenancy.scoping import raw_tenant_sql

config = context.config


def _owner(table) -> str:
    return table.info.get("plugin", "core") if table is not None else "core"


def include_object(obj, name, type_, reflected, compare_to):
    only = config.attributes.get("only_plugin")
    if only is None or type_ != "table":
        return True
    table = obj if not reflected else compare_to
    prefix_owner = name.split("_", 1)[0] if name else ""
    return prefix_owner == only or _owner(table) == only


def run_migrations_online() -> None:
    app = config.attributes.get("app") or current_app
    apply_tenant_keys(Base.registry)  # the composite tenant keys, for autogenerate
    with app.app_context():
        # the owner's engine (federation.migrate.upgrade), else the application's
        engine = config.attributes.get("engine") or db.engine
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # batch mode rebuilds tables: with foreign keys on, dropping the old copy of
                # a table would cascade to its children. Only effective outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            try:
                _run(connection)
            finally:
                if sqlite:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction(), raw_tenant_sql("schema and data migrations"):
        context.run_migrations()
        if config.attributes.get("secure_tenant_tables"):
            # whatever revision created a tenant table (core, plugin, a later one), it
            # leaves the upgrade with its tenant keys and row-level security (idempotent)
            secure_tenant_tables(connection)


run_migrations_online()
