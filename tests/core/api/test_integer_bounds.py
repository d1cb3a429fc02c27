"""Integers read by the API fit the database: beyond its range, a 422 naming the field.

The walk reads the OpenAPI document: every integer a client may send (query string, path,
JSON body, the plugins' included) declares bounds within the database's 32-bit range
(``federation.api.fields.Integer``). A value past them was a 500 on PostgreSQL
(``?before=99999999999999999999`` on the journals, ``into``, ``line_id`` in bodies).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from federation.api.fields import DB_INT_MAX, DB_INT_MIN, Integer

HUGE = 99999999999999999999


def unbounded_integers(spec: dict[str, Any]) -> list[str]:
    """Where the document declares an integer input without bounds inside the DB range."""
    found: list[str] = []
    components = spec.get("components", {}).get("schemas", {})

    def bounded(schema: dict[str, Any]) -> bool:
        return (
            schema.get("maximum", DB_INT_MAX + 1) <= DB_INT_MAX
            and schema.get("minimum", DB_INT_MIN - 1) >= DB_INT_MIN
        )

    def walk(schema: Any, where: str, seen: frozenset[str]) -> None:
        if not isinstance(schema, dict):
            return
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                walk(components.get(name, {}), f"{where}<{name}>", seen | {name})
            return
        if schema.get("type") == "integer" and not schema.get("readOnly") and not bounded(schema):
            found.append(where)
        for key, sub in (schema.get("properties") or {}).items():
            if not sub.get("readOnly"):
                walk(sub, f"{where}.{key}", seen)
        for key in ("items", "additionalProperties"):
            walk(schema.get(key), f"{where}[]", seen)
        for key in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(schema.get(key) or []):
                walk(sub, f"{where}|{i}", seen)

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
                if param.get("in") == "path":
                    continue  # the URL converter bounds them (federation.app)
                where = f"{method.upper()} {path} ?{param['name']}"
                walk(param.get("schema", {}), where, frozenset())
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                walk(media.get("schema", {}), f"{method.upper()} {path} body", frozenset())
    return found


def test_every_integer_input_is_bounded(client):
    spec = client.get("/api/v1/openapi.json").json
    assert len(spec["paths"]) > 50
    assert unbounded_integers(spec) == []


def test_planted_unbounded_integer_is_found(client):
    """Twin: a body field declared with a bare fields.Integer is reported."""
    spec = client.get("/api/v1/openapi.json").json
    spec["paths"]["/planted"] = {  # the body's n: a bare integer, filled in below
        "post": {
            "requestBody": {"content": {"application/json": {"schema": {"properties": {"n": {}}}}}},
            "parameters": [{"in": "query", "name": "page", "schema": {"type": "integer"}}],
        }
    }
    spec["paths"]["/planted"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]["n"] = {"type": "integer"}
    found = unbounded_integers(spec)
    assert "POST /planted ?page" in found and "POST /planted body.n" in found


class _Bounded(Schema):
    n = Integer(validate=validate.NoneOf([3]))


class _Bare(Schema):
    n = fields.Integer()


def test_integer_field_refuses_values_past_the_database():
    assert "n" in _Bounded().validate({"n": HUGE})
    assert "n" in _Bounded().validate({"n": DB_INT_MAX + 1})
    assert _Bounded().validate({"n": DB_INT_MAX}) == {}
    assert "n" in _Bounded().validate({"n": 3})  # its own validators still apply
    assert _Bare().validate({"n": HUGE}) == {}  # the twin: what a bare field let through


def test_huge_integers_in_query_strings_are_422_naming_the_field(client, factory):
    commune = factory.commune("grands-nombres")
    for url, field in (
        (f"/api/v1/communes/{commune.slug}/journal?before={HUGE}", "before"),
        (f"/api/v1/communes?limit={HUGE}", "limit"),
    ):
        response = client.get(url)
        assert response.status_code == 422, (url, response.status_code)
        assert field in response.json["errors"]["query"]
