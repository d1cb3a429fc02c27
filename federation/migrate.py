"""Alembic, driven from our own CLI: the core history plus one branch per plugin.

Core revisions live in ``migrations/versions``; a plugin keeps its revisions in
``<package>/migrations/versions`` as a branch labelled with its name whose base
``depends_on`` a core revision. ``upgrade`` always goes to ``heads``.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from federation.config import REPO_ROOT
from federation.db import db

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


def upgrade(app: Flask, revision: str = "heads") -> None:
    command.upgrade(alembic_config(app), revision)


def downgrade(app: Flask, revision: str) -> None:
    command.downgrade(alembic_config(app), revision)


def heads(app: Flask) -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config(app)).get_heads())


def current(app: Flask) -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def drift(app: Flask) -> list[object]:
    """Differences between the models and the migrated database (empty when in sync)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


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
