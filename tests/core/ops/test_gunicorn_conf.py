"""gunicorn.conf.py (issue 17 item 1): a worker forked from a preloaded master starts with
no database connection of the master's."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import literal, select

from federation.db import db

CONF = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"


def _master_with_a_pooled_connection(app):
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as connection:
            connection.execute(select(literal(1)))
        return db.engine.pool


def worker_starts_without_the_masters_connections(app, post_fork) -> None:
    pool = _master_with_a_pooled_connection(app)
    assert pool.checkedin() == 1  # the master's connection, kept in its pool
    worker = SimpleNamespace(app=SimpleNamespace(callable=app), pid=12345)
    post_fork(SimpleNamespace(), worker)
    with app.app_context():
        assert db.engine.pool.checkedin() == 0, "the worker would share the master's socket"


def test_post_fork_disposes_the_engine(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite opens its file per connection; the pool matters on PostgreSQL")
    conf = runpy.run_path(str(CONF))
    assert conf["preload_app"] is True and conf["worker_class"] == "sync"
    worker_starts_without_the_masters_connections(app, conf["post_fork"])


def test_planted_twin_a_post_fork_doing_nothing_fails(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite opens its file per connection; the pool matters on PostgreSQL")
    with pytest.raises(AssertionError):
        worker_starts_without_the_masters_connections(app, lambda server, worker: None)


def test_the_configuration_reads_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:8123")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["bind"]) == (3, "127.0.0.1:8123")
    assert conf["graceful_timeout"] > 0 and conf["max_requests"] > 0
