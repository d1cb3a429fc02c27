"""Capture what a page of our app does: its SQL statements (with their parameters, as the
driver received them) and its response, by requesting it once in-process through the
application's own WSGI stack with a ``before_cursor_execute`` listener on its engine.

The bare app (:mod:`pages.bare_app`) replays a capture; :mod:`pages.verify` proves that
it replays the same statements and returns the same HTML.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: one statement as the DBAPI cursor received it: (SQL, parameters, executemany)
Statement = tuple[str, Any, bool]


@dataclass
class Capture:
    """One measured page for one kind of visitor."""

    key: str  # "<page>-<variant>", e.g. "commune-signed"
    path: str
    signed: bool
    headers: dict[str, str]  # what the visitor sends (Cookie / Authorization)
    statements: list[Statement]
    status: int
    content_type: str
    body: bytes
    #: statements of the same request repeated at once (caches warm): what production
    #: mostly does; ``statements`` is the page rendered with its own caches cold
    steady_statements: list[Statement] = field(default_factory=list)


@dataclass
class CaptureSet:
    """Everything the bare app needs (it imports nothing of ours)."""

    database_url: str
    engine_options: dict[str, Any]
    secret_key: str
    session_cookie_name: str
    captures: list[Capture]

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps(self))

    @staticmethod
    def load(path: Path) -> CaptureSet:
        return pickle.loads(path.read_bytes())  # noqa: S301 - a file this bench wrote


def _frozen(parameters: Any, executemany: bool) -> Any:
    if executemany:
        return [_frozen(p, False) for p in parameters]
    if isinstance(parameters, dict):
        return dict(parameters)
    return tuple(parameters) if parameters is not None else ()


@contextmanager
def recording(engine: Engine) -> Iterator[list[Statement]]:
    """Every statement ``engine`` sends to its driver while the block runs."""
    statements: list[Statement] = []

    def _listener(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        statements.append((statement, _frozen(parameters, executemany), bool(executemany)))

    event.listen(engine, "before_cursor_execute", _listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _listener)


_CSRF_INPUT = re.compile(rb'(<input[^>]*name="csrf_token"[^>]*value=")[^"]*(")')
_CSRF_INPUT_REVERSED = re.compile(rb'(<input[^>]*value=")[^"]*("[^>]*name="csrf_token")')
_CSRF_META = re.compile(rb'(<meta[^>]*name="csrf-token"[^>]*content=")[^"]*(")')
#: ids drawn at random per rendering (federation.web.charts: "chart-" + 8 hex digits)
_CHART_ID = re.compile(rb"(chart-)[0-9a-f]{8}\b")


def normalize(body: bytes) -> bytes:
    """The body without what differs at every request by design: CSRF tokens (signed with
    a timestamp) and the random ids of charts."""
    for pattern in (_CSRF_INPUT, _CSRF_INPUT_REVERSED, _CSRF_META):
        body = pattern.sub(rb"\1CSRF\2", body)
    return _CHART_ID.sub(rb"\1ID", body)


#: request(method, path, headers, form) -> (status, [(header, value)], body)
Requester = Callable[[str, str, dict[str, str], dict[str, str] | None], tuple[int, list, bytes]]


def flask_requester(app: Any) -> Requester:
    """Requests through ``app``'s test client, cookies handled by the caller only."""
    client = app.test_client(use_cookies=False)

    def request(method, path, headers, form=None):
        response = client.open(path, method=method, headers=headers, data=form)
        return response.status_code, list(response.headers.items()), response.get_data()

    return request


def capture_page(
    app: Any,
    engine: Engine,
    key: str,
    path: str,
    headers: dict[str, str],
    *,
    signed: bool,
    before_render: Callable[[], None] | None = None,
    steady: bool = True,
) -> Capture:
    """The statements and response of ``path``: rendered once after ``before_render``
    (which empties the page caches), then (``steady``) repeated with the caches warm."""
    client = app.test_client(use_cookies=False)
    if before_render is not None:
        before_render()
    with recording(engine) as statements:
        response = client.get(path, headers=headers)
    body = response.get_data()
    with recording(engine) as warm:
        if steady:
            client.get(path, headers=headers)
    return Capture(
        key=key,
        path=path,
        signed=signed,
        headers=dict(headers),
        statements=list(statements),
        status=response.status_code,
        content_type=response.headers.get("Content-Type", "text/html; charset=utf-8"),
        body=body,
        steady_statements=list(warm),
    )
