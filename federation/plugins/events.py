"""Domain events: ``emit(name, payload, commune_id=…)`` runs the ``federation_event`` hook
after the emitting transaction commits — inline, or in an RQ worker when ``REDIS_URL``
is set. Every job carries its commune (or federation): a job without one refuses to run.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import current_app

from federation.db import db
from federation.tenancy.context import commune_scope, session

log = logging.getLogger(__name__)

MAX_DEPTH = 5


def emit(name: str, payload: dict[str, Any], *, commune_id: int) -> None:
    """Queue a domain event; it is delivered after the current transaction commits."""
    if not commune_id:
        raise ValueError(f"event {name!r} must carry its commune")
    json.dumps(payload)  # JSON-serialisable or fail now, in the caller's code
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session().after_commit(lambda: _deliver(app, name, payload, commune_id))


def _deliver(app: Any, name: str, payload: dict[str, Any], commune_id: int) -> None:
    queue = app.extensions["convergence"].queue
    if queue is not None:
        queue.enqueue(run_event_job, name, payload, commune_id)
    else:
        dispatch(name, payload, commune_id)


def run_event_job(name: str, payload: dict[str, Any], commune_id: int | None) -> None:
    """RQ entry point: builds the app, then dispatches in the event's commune."""
    if not commune_id:
        raise ValueError(f"job for event {name!r} carries no commune: refused")
    from federation.app import create_app

    app = create_app()
    with app.app_context():
        dispatch(name, payload, commune_id)


def dispatch(name: str, payload: dict[str, Any], commune_id: int) -> None:
    """Call every enabled plugin's handler, each in a savepoint, then commit."""
    from flask import g

    from federation.plugins.services import disabled_in, manager
    from federation.tenancy.models import Commune

    depth = g.get("_event_depth", 0)
    if depth >= MAX_DEPTH:
        log.error("event %s dropped: events nested deeper than %d", name, MAX_DEPTH)
        return
    g._event_depth = depth + 1
    try:
        with commune_scope(commune_id):
            commune = db.session.get(Commune, commune_id)
            if commune is None:
                log.warning("event %s for a commune that no longer exists", name)
                return
            pm = manager()
            skip = disabled_in(commune_id)
            for impl in pm.hook.federation_event.get_hookimpls():
                if impl.plugin_name in skip:
                    continue
                try:
                    with db.session.begin_nested():
                        impl.function(
                            **{
                                k: {"name": name, "payload": payload, "commune": commune}[k]
                                for k in impl.argnames
                            }
                        )
                except Exception:
                    log.exception("plugin %s failed handling event %s", impl.plugin_name, name)
            db.session.commit()
    finally:
        g._event_depth = depth
