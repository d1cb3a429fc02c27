"""The database pool each process keeps.

Under gunicorn every worker process has its own pool (``DB_POOL_SIZE`` connections kept,
``DB_MAX_OVERFLOW`` more at a peak); the database must accept
``workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW)`` plus the RQ workers' and the scheduler's.
With ``preload_app`` the app is built in gunicorn's master before the fork: the master
never connects (create_app runs no query), and ``gunicorn.conf.py`` disposes the engine in
each worker after the fork all the same, so no connection is ever shared by two processes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask


def engine_options(config: Any) -> dict[str, Any]:
    """SQLAlchemy's pool options for a server database (SQLite keeps its own)."""
    return {
        "pool_pre_ping": True,
        "pool_size": int(config["DB_POOL_SIZE"]),
        "max_overflow": int(config["DB_MAX_OVERFLOW"]),
        "pool_timeout": int(config["DB_POOL_TIMEOUT"]),
        "pool_recycle": int(config["DB_POOL_RECYCLE"]),
    }


def configure(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    if uri.startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    for key, value in engine_options(app.config).items():
        options.setdefault(key, value)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def dispose_after_fork(app: Flask) -> None:
    """In a freshly forked process: forget the parent's pooled connections (if any) without
    closing them (they are the parent's sockets), so that this process opens its own."""
    from federation.db import db

    with app.app_context():
        db.engine.dispose(close=False)


def pool_status(app: Flask) -> dict[str, int]:
    """Connections of this process's pool: kept, in use, and beyond the kept ones."""
    from federation.db import db

    with app.app_context():
        pool = db.engine.pool
    status = {}
    for name in ("size", "checkedout", "overflow", "checkedin"):
        method = getattr(pool, name, None)
        if callable(method):
            try:
                status[name] = int(method())
            except Exception:  # a pool kind without that figure  # noqa: S112
                continue
    return status
