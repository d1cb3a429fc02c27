"""Issue 20: the bearer scheme declared per operation, derived from the views' guards
(federation.api.openapi), and checked against what each operation answers without a token.

- declared ``security: [{bearer: []}]``: without a token the answer is 401 or 403 — or 422
  naming a required field of the body, which flask-smorest checks before the view runs, or
  404 for a path id naming no row, when the view looks the row up first;
- declared ``security: [{}, {bearer: []}]``: without a token the answer is never 401/403.
Path values are a seeded commune (every plugin on) and federation, and an id naming no row.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from federation.api import openapi
from federation.api.openapi import TOKEN_OPTIONAL, TOKEN_REQUIRED
from tests.core.api.fuzzing import enable_every_plugin

METHODS = ("get", "post", "put", "patch", "delete")
NO_ROW = "999999"


def _url(path: str, pins: dict[str, str]) -> str:
    return re.sub(r"{([^}]+)}", lambda m: pins.get(m.group(1), NO_ROW), path)


def _required_fields(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = body.get("schema", {})
    ref = schema.get("$ref", "")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return set(schema.get("required", ()))


def _named(answer: Any) -> set[str]:
    """The body fields a 422 names (``errors.json``)."""
    errors = (answer.get_json(silent=True) or {}).get("errors")
    named = errors.get("json") if isinstance(errors, dict) else None
    return set(named) if isinstance(named, dict) else set()


def mismatches(app, spec: dict[str, Any], pins: dict[str, str]) -> list[str]:
    client = app.test_client()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            declared = operation.get("security")
            kwargs: dict[str, Any] = {} if method == "get" else {"json": {}}
            answer = client.open(_url(path, pins), method=method.upper(), **kwargs)
            status = answer.status_code
            key = f"{method.upper()} {path}"
            if declared == TOKEN_REQUIRED:
                if status in (401, 403):
                    continue
                if status == 422 and _named(answer) & _required_fields(spec, operation):
                    continue
                if status == 404 and re.search(r"{\w+_id}", path):
                    continue  # the row (none here) is looked up before the token
                found.append(f"{key}: declared with a token, answers {status} without")
            elif declared == TOKEN_OPTIONAL:
                if status in (401, 403):
                    found.append(f"{key}: declared public, answers {status} without a token")
            else:
                found.append(f"{key}: security {declared!r}")
    return found


@pytest.fixture
def seeded(app):
    from federation.testing.factories import Factory

    factory = Factory(app)
    commune = factory.commune("jetons", "Jetons")
    enable_every_plugin(app, factory, commune)
    federation = factory.federation("jetons-fede", communes=[commune], kind="basin")
    pins = {"commune": commune.slug, "federation": federation.slug}
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return spec, pins


def test_every_operation_declares_what_it_does_without_a_token(app, seeded):
    spec, pins = seeded
    declared = [
        operation.get("security")
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert declared.count(TOKEN_REQUIRED) > 100
    assert declared.count(TOKEN_OPTIONAL) > 50
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert mismatches(app, spec, pins) == []


def test_examples_of_each_declaration(app, seeded):
    spec, _pins = seeded
    paths = spec["paths"]
    assert paths["/api/v1/me/tokens"]["get"]["security"] == TOKEN_REQUIRED
    assert paths["/api/v1/communes"]["get"]["security"] == TOKEN_OPTIONAL
    assert paths["/api/v1/communes"]["post"]["security"] == TOKEN_REQUIRED  # platform admin
    # one function for GET (public) and PATCH (a permission): read per method
    settings = paths["/api/v1/communes/{commune}/roster/settings"]
    assert settings["get"]["security"] == TOKEN_OPTIONAL
    assert settings["patch"]["security"] == TOKEN_REQUIRED
    # a plugin's own helper answering 401 counts as a guard
    assert paths["/api/v1/communes/{commune}/water/me"]["get"]["security"] == TOKEN_REQUIRED


def test_planted_unseen_guard_is_found(app, seeded, monkeypatch):
    """Twin: with the guards unseen, every operation is declared public, and those that ask
    for a token without saying so are found."""
    spec, pins = seeded
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in METHODS and operation["security"] == TOKEN_REQUIRED:
                operation["security"] = TOKEN_OPTIONAL
    found = mismatches(app, spec, pins)
    assert "GET /api/v1/me/tokens: declared public, answers 401 without a token" in found
    monkeypatch.setattr(openapi, "is_guard", lambda _fn: False)
    monkeypatch.setattr(openapi, "_refuses", lambda _node: False)
    view = openapi.view_method(app, "api_identity.Tokens", "GET")
    assert view is not None and not openapi.needs_token(view, "GET")


def test_planted_public_operation_declared_with_a_token_is_found(app, seeded):
    spec, pins = seeded
    spec["paths"]["/api/v1/communes"]["get"]["security"] = TOKEN_REQUIRED
    assert mismatches(app, spec, pins) == [
        "GET /api/v1/communes: declared with a token, answers 200 without"
    ]
