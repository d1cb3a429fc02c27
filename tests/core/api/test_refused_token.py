"""A refused API token on a request whose body is refused first (found by the fuzzer): the
answer is the body's 422, not a 500 — choosing the locale of the error message read the
signed-in person, whose token loader aborted with a 401 inside the error handler."""

from __future__ import annotations

import pytest
from flask_login import current_user

from federation import i18n

BAD_TOKEN = {"Authorization": "Bearer not-a-token"}


def _answer(app, client) -> int:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an escape is a 500
    return client.post("/api/v1/communes", json={"name": 5}, headers=BAD_TOKEN).status_code


def test_refused_token_with_a_refused_body_is_not_a_500(app, client):
    assert _answer(app, client) in (401, 422)
    assert client.get("/api/v1/me", headers=BAD_TOKEN).status_code == 401


def test_planted_locale_reading_the_token_is_found(app, client, monkeypatch):
    """Twin: the locale read through the token loader again."""
    monkeypatch.setattr(i18n, "_user", lambda: current_user._get_current_object())
    assert _answer(app, client) == 500


@pytest.fixture(autouse=True)
def _restore_propagation(app):
    before = app.config.get("PROPAGATE_EXCEPTIONS")
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = before
