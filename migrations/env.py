"""Alembic environment: the app's metadata (core + loaded plugins), batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from flask import current_app

from federation.db import db
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
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_object=include_object,
            )
            with context.begin_transaction(), raw_tenant_sql("schema and data migrations"):
                context.run_migrations()


run_migrations_online()
