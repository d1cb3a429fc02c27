"""Alembic, driven from our own CLI: the core history plus one branch per plugin.

Core revisions live in ``migrations/versions``; a plugin keeps its revisions in
``<package>/migrations/versions`` as a branch labelled with its name whose base
``depends_on`` a core revision. ``upgrade`` always goes to ``heads``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from federation.config import REPO_ROOT, normalize_url
from federation.db import Base, db

MIGRATIONS_DIR = REPO_ROOT / "migrations"


def plugin_version_dirs(app: Flask) -> dict[str, Path]:
    pm = app.extensions["convergence"].pm
    return {
        name: plugin.migrations_path / "versions"
        for name, plugin in pm.by_name.items()
        if (plugin.migrations_path / "versions").is_dir()
    }


def alembic_config(app: Flask) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_path_separator", "os")
    locations = [str(MIGRATIONS_DIR / "versions")]
    locations += [str(p) for p in plugin_version_dirs(app).values()]
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["app"] = app
    return cfg


def migration_url(app: Flask, url: str | None = None) -> str:
    """The owner's URL: ``url``, else MIGRATION_DATABASE_URL, else the application's."""
    if url:
        return normalize_url(url)
    configured = app.config.get("MIGRATION_DATABASE_URL")
    return normalize_url(configured) if configured else app.config["SQLALCHEMY_DATABASE_URI"]


@contextmanager
def owner_engine(app: Flask, url: str | None = None) -> Iterator[Engine]:
    """An engine connected as the tables' owner (the app's own engine when they coincide)."""
    target = migration_url(app, url)
    if target == app.config["SQLALCHEMY_DATABASE_URI"]:
        with app.app_context():
            yield db.engine
        return
    engine = create_engine(target, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


def app_role(app: Flask, url: str | None = None) -> str | None:
    """The application's PostgreSQL role when it differs from the migrations' (else None)."""
    app_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    owner_url = make_url(migration_url(app, url))
    if app_url.get_backend_name() != "postgresql" or app_url.username == owner_url.username:
        return None
    return app_url.username


def upgrade(app: Flask, revision: str = "heads", url: str | None = None) -> None:
    """Migrate as the owner, then grant the application role its DML rights (R6).

    Every tenant table leaves the upgrade with its composite keys and, on PostgreSQL, its
    row-level security, whichever revision created it (``ddl.secure_tenant_tables``).
    """
    cfg = alembic_config(app)
    cfg.attributes["secure_tenant_tables"] = True
    with owner_engine(app, url) as engine:
        cfg.attributes["engine"] = engine
        command.upgrade(cfg, revision)
        role = app_role(app, url)
        if role:
            from federation.tenancy.rls import grant_app_role
            from federation.tenancy.scoping import raw_tenant_sql

            with engine.begin() as connection, raw_tenant_sql("grants to the application role"):
                grant_app_role(connection, role)


def downgrade(app: Flask, revision: str, url: str | None = None) -> None:
    cfg = alembic_config(app)
    with owner_engine(app, url) as engine:
        cfg.attributes["engine"] = engine
        command.downgrade(cfg, revision)


def heads(app: Flask) -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config(app)).get_heads())


def current(app: Flask, url: str | None = None) -> set[str]:
    with owner_engine(app, url) as engine, engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def drift(app: Flask, url: str | None = None) -> list[object]:
    """Differences between the models and the migrated database (empty when in sync)."""
    from federation.tenancy.ddl import apply_tenant_keys

    apply_tenant_keys(Base.registry)
    with owner_engine(app, url) as engine, engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_name": _declared_in_models,
            },
        )
        return compare_metadata(context, db.metadata)


def _declared_in_models(name: str | None, _type: str, _parent: object) -> bool:
    """The search index's dialect-specific part (FTS5 table, tsvector column) is not."""
    from federation.search.models import outside_metadata

    return not outside_metadata(name)


def revision(
    app: Flask, message: str, plugin: str | None = None, autogenerate: bool = True
) -> None:
    cfg = alembic_config(app)
    if plugin is None:
        command.revision(cfg, message=message, autogenerate=autogenerate, head="core@head")
        return
    dirs = plugin_version_dirs(app)
    pm = app.extensions["convergence"].pm
    if plugin not in pm.by_name:
        raise ValueError(f"unknown plugin {plugin!r}")
    version_dir = pm.by_name[plugin].migrations_path / "versions"
    cfg.attributes["only_plugin"] = plugin
    if plugin in dirs and any(version_dir.glob("*.py")):
        command.revision(cfg, message=message, autogenerate=autogenerate, head=f"{plugin}@head")
    else:
        version_dir.mkdir(parents=True, exist_ok=True)
        core_head = ScriptDirectory.from_config(cfg).get_revisions("core@head")[0].revision
        cfg.set_main_option(
            "version_locations",
            cfg.get_main_option("version_locations") + os.pathsep + str(version_dir),
        )
        command.revision(
            cfg,
            message=message,
            autogenerate=autogenerate,
            head="base",
            branch_label=plugin,
            version_path=str(version_dir),
            depends_on=core_head,
        )
