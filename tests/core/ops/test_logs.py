"""Structured JSON logs (issue 17 item 3): request id, commune and user id on every line
written during a request, and no secret."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest
from flask import g

from federation.ops.logs import REQUEST_ID_KEY, JsonFormatter, json_handler


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def write_during_a_request(app, handler: logging.Handler) -> dict:
    logger = logging.getLogger("convergence.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        with app.test_request_context("/c/x/", environ_base={REQUEST_ID_KEY: "rid-123456"}):
            g.commune = SimpleNamespace(slug="faux-la-montagne", id=1)
            g._login_user = SimpleNamespace(id=42)
            logger.info(
                "connecting to postgresql://app:hunter2@db/convergence with password=hunter2",
                extra={"api_token": "tok-secret", "note": "redis://:hunter2@cache:6379/0"},
            )
    finally:
        logger.removeHandler(handler)
    [line] = _lines(handler.stream)
    return line


def check_line(line: dict) -> None:
    assert line["request_id"] == "rid-123456"
    assert line["commune"] == "faux-la-montagne"
    assert line["user_id"] == 42
    assert line["level"] == "INFO" and line["logger"] == "convergence.test.logs"
    text = json.dumps(line)
    assert "hunter2" not in text and "tok-secret" not in text, text
    assert "postgresql://app:***@db/convergence" in line["message"]


def test_a_json_line_carries_the_request_and_no_secret(app):
    check_line(write_during_a_request(app, json_handler(io.StringIO())))


def test_planted_twin_without_the_context_filter_fails(app):
    bare = logging.StreamHandler(io.StringIO())
    bare.setFormatter(JsonFormatter())
    with pytest.raises((AssertionError, KeyError)):
        check_line(write_during_a_request(app, bare))


def test_the_request_line_has_the_id_the_response_carries(app, client):
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("convergence.request")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = client.get("/", headers={"X-Request-ID": "from-nginx-0001"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    [line] = [x for x in _lines(stream) if x.get("endpoint") == "web.portal"]
    assert response.headers["X-Request-ID"] == "from-nginx-0001"
    assert line["request_id"] == "from-nginx-0001"
    assert line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)


def test_log_format_is_checked(make_app):
    from federation.config import ConfigError

    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        make_app(log_format="xml")
