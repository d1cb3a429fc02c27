"""What the OpenAPI document says about money and bounds is what the API sends.

Decimals travel as strings (``as_string``): the document says ``type: string`` with
``format: decimal`` (it said ``number``, and fuzzers flagged every answer); bounds are
numbers (``Proposal.cost`` declared ``minimum: "0.00"``, invalid OpenAPI).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from federation.api.fields import decimal_property


def non_numeric_bounds(node: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        for key in ("minimum", "maximum"):
            if key in node and not isinstance(node[key], int | float):
                found.append(f"{path}.{key}")
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):  # names, not a schema
                for name, sub in value.items():
                    found += non_numeric_bounds(sub, f"{path}/properties/{name}")
            else:
                found += non_numeric_bounds(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            found += non_numeric_bounds(value, path)
    return found


def test_bounds_are_numbers_and_decimals_are_strings(client):
    spec = client.get("/api/v1/openapi.json").json
    assert non_numeric_bounds(spec) == []
    cost = spec["components"]["schemas"]["Proposal"]["properties"]["cost"]
    assert cost["type"] == "string" and cost["format"] == "decimal"
    assert cost["minimum"] == 0
    # the twin: a string bound is found
    assert non_numeric_bounds({"x": {"minimum": "0.00"}}) == ["/x.minimum"]
    # a property named "minimum" is no bound
    assert non_numeric_bounds({"properties": {"minimum": {"type": "integer"}}}) == []


def test_decimal_property_converts_one_field():
    class S(Schema):
        amount = fields.Decimal(as_string=True, validate=validate.Range(min=0))

    ret = {"type": "number", "minimum": "0.00"}
    decimal_property(None, S().fields["amount"], ret=ret)
    assert ret["type"] == "string" and ret["format"] == "decimal" and ret["minimum"] == 0


def test_decimal_answers_are_strings(client, factory):
    commune = factory.commune("montants")
    member = factory.member(commune, "facilitator")
    headers = factory.token(member.user)
    created = client.post(
        f"/api/v1/communes/{commune.slug}/proposals",
        json={"body": "assemblee", "title": "Four à pain", "text": "…", "cost": "1200.50"},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    assert created.json["cost"] == "1200.50"
