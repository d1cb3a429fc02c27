"""Deeply nested or oversized JSON bodies are refused before parsing (a RecursionError was a
500, even anonymous)."""

from __future__ import annotations

from federation.security import JSON_MAX_BYTES, JSON_MAX_DEPTH, json_depth


def test_deep_json_is_a_400_even_anonymous(client):
    body = "[" * 100_000 + "]" * 100_000
    for url in ("/api/v1/communes", "/api/v1/auth/tokens"):
        response = client.post(url, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (url, response.status_code)
        assert response.is_json


def test_oversized_json_is_a_413(client):
    body = '{"name": "' + "x" * (JSON_MAX_BYTES + 1) + '"}'
    response = client.post(
        "/api/v1/communes", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.is_json


def test_depth_counts_brackets_outside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[[[[[[["}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * (JSON_MAX_DEPTH + 1)) == JSON_MAX_DEPTH + 1


def test_reasonable_nesting_still_passes(client, factory):
    headers = factory.token(factory.platform_admin())
    response = client.post("/api/v1/communes", json={"name": "Profonde"}, headers=headers)
    assert response.status_code == 201
