"""The limit: a bare Flask + SQLAlchemy Core app serving our pages.

For each captured page it decodes the visitor's session cookie (Flask's own signed cookie,
same secret and cookie name as ours) or compares the API token header, runs the page's
statements with their captured parameters on one plain Core connection (fetching every
row), and returns the captured response body. Same paths, same database, same engine
options (pool, pre-ping, SQLite pragmas) as our app; nothing of ours is imported.

Gunicorn: ``gunicorn -w 2 --chdir bench 'pages.bare_app:create_app()'`` with
``BENCH_PAGES_CAPTURE`` naming the capture file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, request, session
from sqlalchemy import create_engine, event

from pages.capture import CaptureSet


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The pragmas our app sets on every SQLite connection (federation.app)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_app(path: str | None = None) -> Flask:
    captured = CaptureSet.load(Path(path or os.environ["BENCH_PAGES_CAPTURE"]))
    engine = create_engine(captured.database_url, **captured.engine_options)
    if captured.database_url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    pages = {(c.path, c.signed): c for c in captured.captures}

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=captured.secret_key, SESSION_COOKIE_NAME=captured.session_cookie_name
    )
    app.extensions["bare_engine"] = engine

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def page(path: str) -> Response:
        authorization = request.headers.get("Authorization")
        signed = "_user_id" in session or authorization is not None
        capture = pages.get((request.path, signed))
        if capture is None:
            abort(404)
        if authorization is not None and authorization != capture.headers.get("Authorization"):
            abort(401)
        with engine.connect() as conn:
            for statement, parameters, _many in capture.statements:
                result = conn.exec_driver_sql(statement, parameters)
                if result.returns_rows:
                    result.fetchall()
        return Response(capture.body, capture.status, content_type=capture.content_type)

    return app
