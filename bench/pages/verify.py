"""Proof that the bare app replays our page and nothing else: the same statements with the
same parameters, the same status and the same HTML (CSRF tokens aside). The bench checks
this before measuring and refuses to measure a page that differs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from pages.capture import Capture, CaptureSet, capture_page, normalize, recording

#: a page's "now" (upcoming events, open votes) is a parameter that moves between two
#: requests: moments this close are the same parameter (the HTML is still compared)
NOW_TOLERANCE = timedelta(minutes=10)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _same_parameters(a: Any, b: Any) -> bool:
    if not a and not b:  # (), {} and None: no parameters
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same_parameters(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):  # psycopg's named parameters
        return a.keys() == b.keys() and all(_same_parameters(a[k], b[k]) for k in a)
    if a != b:
        first, second = _moment(a), _moment(b)
        if first is not None and second is not None:
            try:
                return abs(first - second) <= NOW_TOLERANCE
            except TypeError:  # one with a time zone, one without
                return False
    return a == b


def statement_differences(expected: list, replayed: list) -> list[str]:
    problems = []
    if len(expected) != len(replayed):
        problems.append(f"{len(replayed)} statements replayed, {len(expected)} captured")
    for index, (want, got) in enumerate(zip(expected, replayed, strict=False)):
        if want[0] != got[0]:
            problems.append(f"statement {index + 1} differs: {got[0][:80]!r}")
        elif not _same_parameters(want[1], got[1]):
            problems.append(f"statement {index + 1}: parameters {got[1]!r} != {want[1]!r}")
    return problems


def body_differences(name: str, expected: bytes, got: bytes) -> list[str]:
    a, b = normalize(expected), normalize(got)
    if a == b:
        return []
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return [f"{name} body differs at byte {at}: {b[max(0, at - 40) : at + 40]!r}"]


def _replay_allowed() -> AbstractContextManager:
    """In a process that has loaded our app, its tenant guard listens on every engine and
    would refuse the bare app's raw statements; gunicorn's bare workers never load it."""
    scoping = sys.modules.get("federation.tenancy.scoping")
    if scoping is None:
        return nullcontext()
    return scoping.raw_tenant_sql("page bench: the bare app replays our captured statements")


def verify_capture(
    app: Any, engine: Any, capture: Capture, before_render: Callable[[], None] | None = None
) -> list[str]:
    """Our app, asked again for the page (caches emptied again), issues the captured
    statements with the same parameters and answers the same HTML: the capture is the page."""
    again = capture_page(
        app,
        engine,
        capture.key,
        capture.path,
        capture.headers,
        signed=capture.signed,
        before_render=before_render,
        steady=False,
    )
    found = [f"ours now: {p}" for p in statement_differences(capture.statements, again.statements)]
    if again.status != capture.status:
        found.append(f"ours now answers {again.status}, captured {capture.status}")
    return found + body_differences("ours now", capture.body, again.body)


def verify_replay(bare_app: Any, captured: CaptureSet) -> dict[str, list[str]]:
    """In-process: each page requested from the bare app (built from its capture file),
    its statements recorded and compared with ``captured`` (our app's)."""
    engine = bare_app.extensions["bare_engine"]
    client = bare_app.test_client(use_cookies=False)
    problems: dict[str, list[str]] = {}
    for capture in captured.captures:
        with _replay_allowed(), recording(engine) as replayed:
            response = client.get(capture.path, headers=capture.headers)
        found = statement_differences(capture.statements, replayed)
        if response.status_code != capture.status:
            found.append(f"bare status {response.status_code}, ours {capture.status}")
        found += body_differences("bare", capture.body, response.get_data())
        problems[capture.key] = found
    return problems


def verify_pages(
    captures: list[Capture], ours: Callable[[Capture], tuple[int, bytes]], bare: Callable
) -> dict[str, list[str]]:
    """Over HTTP: both servers answer each page with the status and HTML of the capture."""
    problems: dict[str, list[str]] = {}
    for capture in captures:
        found = []
        for name, fetch in (("ours", ours), ("bare", bare)):
            status, body = fetch(capture)
            if status != capture.status:
                found.append(f"{name} answered {status}, captured {capture.status}")
            found += body_differences(name, capture.body, body)
        problems[capture.key] = found
    return problems
