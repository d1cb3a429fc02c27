"""A WSGI layer in front of Flask: ``/healthz``, ``/readyz``, ``/metrics``, request ids and
the measure of every request.

The three endpoints are answered here, before Flask's request handling: no session, no
tenant lookup, no CSRF, no template, so that ``/healthz`` answers while the database is
down and a load balancer can tell a dead process (no answer) from one that cannot serve
(``/readyz`` 503). Both answer JSON.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, g, request

from federation.ops.logs import REQUEST_ID_KEY

log = logging.getLogger("convergence.request")
ENDPOINT_KEY = "convergence.endpoint"
#: CONVERGENCE_SERVED_BY=1 (tests of several workers only): the worker's pid in a header
SERVED_BY = os.environ.get("CONVERGENCE_SERVED_BY") == "1"
#: an X-Request-ID from the proxy is kept when it looks like one (no log injection)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def readiness(app: Flask) -> tuple[bool, dict[str, Any]]:
    """The database answers, its schema is at the heads of every branch, Redis answers
    when configured. Each check says what it found; nothing is written."""
    from sqlalchemy import literal, select

    from federation import migrate
    from federation.db import db

    checks: dict[str, Any] = {}
    ready = True
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.execute(select(literal(1)))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable ({type(exc).__name__})"
            ready = False
        if ready:
            try:
                current, heads = migrate.current(app), set(migrate.heads(app))
                missing = sorted(heads - set(current))
                checks["migrations"] = "at head" if not missing else f"behind: {missing}"
                ready = ready and not missing
            except Exception as exc:
                checks["migrations"] = f"unknown ({type(exc).__name__})"
                ready = False
        redis = app.extensions["convergence"].redis
        if app.config.get("REDIS_URL"):
            try:
                from redis import Redis

                client = redis or Redis.from_url(app.config["REDIS_URL"])
                client.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"unavailable ({type(exc).__name__})"
                ready = False
    return ready, checks


def _json(start_response: Callable, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, sort_keys=True).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [data]


class OpsMiddleware:
    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "ok"})
        if path == "/readyz":
            ready, checks = readiness(self.app)
            status = "200 OK" if ready else "503 Service Unavailable"
            if not ready:
                log.warning("not ready: %s", checks)
            return _json(start_response, status, {"ready": ready, "checks": checks})
        if path == "/metrics" and self.app.config.get("METRICS"):
            from federation.ops.metrics import exposition

            body, content_type = exposition(self.app)
            start_response(
                "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
            )
            return [body]
        return self._measured(environ, start_response)

    def _measured(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        environ[REQUEST_ID_KEY] = rid
        started = time.perf_counter()
        seen: dict[str, int] = {}

        def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            headers.append(("X-Request-ID", rid))
            if SERVED_BY:  # .ci/multiworker: which worker answered
                headers.append(("X-Served-By", str(os.getpid())))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, _start)
        finally:
            self._record(environ, seen.get("status", 500), time.perf_counter() - started)

    def _record(self, environ: dict[str, Any], status: int, seconds: float) -> None:
        endpoint = environ.get(ENDPOINT_KEY) or "none"
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            from federation.ops.metrics import observe_request

            observe_request(method, endpoint, status, seconds)
        except Exception:  # metrics never break a request
            log.exception("metrics not recorded")
        extra = {
            "request_id": environ.get(REQUEST_ID_KEY),
            "method": method,
            "endpoint": endpoint,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "commune": environ.get("convergence.commune"),
            "user_id": environ.get("convergence.user_id"),
        }
        log.info("%s %s %s", method, endpoint, status, extra=extra)


def install(app: Flask) -> None:
    app.wsgi_app = OpsMiddleware(app, app.wsgi_app)  # type: ignore[method-assign]

    @app.after_request
    def _label(response: Any) -> Any:
        """The endpoint (a bounded label), the commune and the user for the request's
        measure and log line, and the pool's state."""
        environ = request.environ
        environ[ENDPOINT_KEY] = request.endpoint or "none"
        commune = g.get("commune")
        environ["convergence.commune"] = getattr(commune, "slug", None)
        user = g.get("_login_user")
        environ["convergence.user_id"] = getattr(user, "id", None) if user is not None else None
        try:
            from federation.ops.metrics import observe_pool
            from federation.ops.pool import pool_status

            observe_pool(pool_status(app))
        except Exception:  # metrics never break a request
            log.exception("pool metrics not recorded")
        return response
