"""Deployment hardening: proxies from a setting, file modes at creation, no-store on new
secrets, no versions in ``Server``."""

from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from federation.app import create_app
from federation.config import ConfigError


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path))
    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "CONVERGENCE_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONVERGENCE_PLUGINS", "")
    return tmp_path


def _remote_addr(app, headers):
    @app.get("/_addr_probe")
    def _probe():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    return (
        app.test_client()
        .get("/_addr_probe", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        .text
    )


def test_proxies_setting_trusts_that_many_forwarded_headers(instance):
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert _remote_addr(create_app("p", proxies=1), forwarded) == "203.0.113.7 https"
    # the twin: without the setting, a client cannot choose its address (nor lock others out)
    assert _remote_addr(create_app("p"), forwarded) == "10.0.0.1 http"
    with pytest.raises(ConfigError, match="PROXIES"):
        create_app("p", proxies=-1)


def test_sqlite_database_and_secret_are_0600_from_creation(instance, monkeypatch):
    """With a permissive umask and chmod neutralised, only a mode given at creation holds."""
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    old = os.umask(0)
    try:
        app = create_app("modes")
        with app.app_context():
            from sqlalchemy import text

            from federation.db import db

            db.session.execute(text("CREATE TABLE t (x INTEGER)"))
            db.session.commit()
    finally:
        os.umask(old)
    for name in ("secret_key", "convergence.sqlite"):
        mode = (instance / name).stat().st_mode & 0o777
        assert mode == 0o600, (name, oct(mode))


def test_new_api_token_answer_is_not_stored(client, factory):
    user = factory.user()
    headers = factory.token(user)
    response = client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=headers)
    assert response.status_code == 201
    assert "no-store" in response.headers.get("Cache-Control", "")
    listing = client.get("/api/v1/me/tokens", headers=headers)
    assert "no-store" not in listing.headers.get("Cache-Control", "")  # only where a secret is


def test_new_token_page_is_not_stored(client, factory):
    user = factory.user()
    factory.login(client, user)
    response = client.post("/account/tokens", data={"name": "ci"})
    assert response.status_code == 200
    assert "cvg_" in response.text
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_server_header_names_no_version(instance):
    app = create_app("srv")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json"
        with urllib.request.urlopen(url) as response:
            header = response.headers.get("Server", "")
    finally:
        server.shutdown()
    assert "Werkzeug" not in header and "Python" not in header, header
