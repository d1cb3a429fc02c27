"""Running Convergence for real (issue 17): what an operator's tools talk to.

* :mod:`federation.ops.pool`: the PostgreSQL pool each process keeps (``DB_POOL_*``).
* :mod:`federation.ops.web`: ``/healthz`` (the process answers), ``/readyz`` (database
  reachable, migrations at head, Redis when configured) and ``/metrics`` (Prometheus), served
  by a WSGI layer in front of Flask (no session, no tenant, no query for ``/healthz``), which
  also gives each request its id and measures it.
* :mod:`federation.ops.logs`: JSON log lines (``LOG_FORMAT = "json"``) with the request id,
  the commune and the user id, and no secret.
* :mod:`federation.ops.metrics`: the Prometheus metrics (multiprocess mode under gunicorn).
* :mod:`federation.ops.scheduler`: ``convergence scheduler``, the periodic jobs, one
  scheduler active at a time (a Redis lock).
* :mod:`federation.ops.restore`: ``convergence ops check-restore`` (a restored copy is at
  head and its journal chains verify).
"""

from __future__ import annotations

from flask import Flask


def init_ops(app: Flask) -> None:
    """Wire the pool's settings, the logs, the health endpoints and the metrics."""
    from federation.ops import logs, pool, web

    pool.configure(app)
    logs.configure(app)
    web.install(app)
    # a Redis that stops answering: the limits count in this process's memory with the same
    # limits (a safe local default) instead of failing every request they guard
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
