"""Issue 20 item 1: a method a route does not declare answers 405 with ``Allow`` naming the
ones it does — on every API route and every page, whatever the request hooks (commune
resolution, CSRF, JSON checks) would do with it. Routes come from the app's URL map."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import MethodNotAllowed

from tests.core.api.fuzzing import enable_every_plugin

PROBES = ("GET", "POST", "PUT", "PATCH", "DELETE")
NO_ROW = "999999"


def _url(rule: str, pins: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).rpartition(":")[2]
        return pins.get(name, NO_ROW if ":" in match.group(1) else "x")

    return re.sub(r"<([^>]+)>", value, rule)


def probes(app, pins: dict[str, str]) -> list[tuple[str, str, set[str]]]:
    """(method, url, allowed) for each rule of the URL map and a method it lacks."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/static"):
            continue
        url = _url(rule.rule, pins)
        for method in PROBES:
            if method in (rule.methods or ()):
                continue
            try:
                adapter.match(url, method=method)
            except MethodNotAllowed as refused:
                found.append((method, url, set(refused.valid_methods or ())))
                break
            except Exception:  # another rule answers it, or none: not probed
                break
    return found


def refusals(app, pins, headers) -> list[str]:
    client = app.test_client()
    wrong = []
    for method, url, allowed in probes(app, pins):
        answer = client.open(url, method=method, headers=headers, json={})
        got = {m.strip() for m in answer.headers.get("Allow", "").split(",") if m.strip()}
        if answer.status_code != 405 or got != allowed:
            wrong.append(f"{method} {url}: {answer.status_code}, Allow {sorted(got)}")
    return wrong


@pytest.fixture
def seeded(app, factory):
    commune = factory.commune("methodes", "Méthodes")
    enable_every_plugin(app, factory, commune)
    federation = factory.federation("methodes-fede", communes=[commune], kind="basin")
    token = factory.token(factory.member(commune, "admin").user)
    return {"commune": commune.slug, "federation": federation.slug}, token


def test_undeclared_methods_answer_405_with_allow(app, seeded):
    pins, token = seeded
    sample = probes(app, pins)
    assert sum(url.startswith("/api/") for _m, url, _a in sample) > 100
    assert sum(not url.startswith("/api/") for _m, url, _a in sample) > 100
    assert refusals(app, pins, {}) == []
    assert refusals(app, pins, token) == []


def test_planted_dropped_allow_is_found(app, seeded, monkeypatch):
    """Twin: the error handler answering without the exception's headers (as it did)."""
    from federation.web import errors

    pins, _token = seeded
    monkeypatch.setattr(errors, "_exception_headers", lambda _exc, response: response)
    wrong = refusals(app, pins, {})
    assert "POST /api/v1/openapi.json: 405, Allow []" in wrong
    assert any(not line.split()[1].startswith("/api/") for line in wrong)
