"""Domain events: delivered after commit, not on rollback, handlers isolated, jobs carry
their commune, and background delivery through RQ when Redis is there."""

from __future__ import annotations

import pytest

from federation.db import db
from federation.plugins.events import emit, run_event_job
from federation.tenancy.context import commune_scope
from federation.testing.redis import redis_available, redis_test_url
from tests.support.notes_plugin import CALLS

REDIS_URL = redis_test_url(15)


def _events():
    return [c[1] for c in CALLS if c[0] == "event"]


def test_events_are_delivered_after_commit_only(app, factory):
    commune = factory.commune()
    factory.enable(commune, "notes")
    CALLS.clear()
    with app.app_context(), commune_scope(commune.id):
        emit("test.happened", {"x": 1}, commune_id=commune.id)
        assert _events() == []
        db.session.commit()
    assert _events() == [("test.happened", {"x": 1}, commune.slug)]


def test_events_are_dropped_on_rollback(app, factory):
    commune = factory.commune()
    factory.enable(commune, "notes")
    CALLS.clear()
    with app.app_context(), commune_scope(commune.id):
        emit("test.never", {}, commune_id=commune.id)
        db.session.rollback()
        db.session.commit()
    assert _events() == []


def test_events_reach_only_plugins_enabled_in_the_commune(app, factory):
    commune = factory.commune()
    CALLS.clear()
    with app.app_context(), commune_scope(commune.id):
        emit("test.quiet", {}, commune_id=commune.id)
        db.session.commit()
    assert _events() == []


def test_an_event_needs_its_commune_and_json_payload(app):
    with app.app_context():
        with pytest.raises(ValueError, match="commune"):
            emit("x", {}, commune_id=0)
        with pytest.raises(TypeError):
            emit("x", {"obj": object()}, commune_id=1)


def test_a_job_without_a_commune_refuses_to_run():
    with pytest.raises(ValueError, match="no commune"):
        run_event_job("x", {}, None)


def test_a_failing_handler_is_isolated(app, factory, monkeypatch, caplog):
    commune = factory.commune()
    factory.enable(commune, "notes")

    def explode(self, name, payload, commune):
        raise RuntimeError("handler exploded")

    pm = app.extensions["convergence"].pm
    impl = next(i for i in pm.hook.federation_event.get_hookimpls() if i.plugin_name == "notes")
    monkeypatch.setattr(impl, "function", lambda **kw: explode(None, **kw))
    with app.app_context(), commune_scope(commune.id), caplog.at_level("ERROR"):
        emit("test.boom", {}, commune_id=commune.id)
        db.session.commit()
    assert "handler exploded" in caplog.text


@pytest.mark.redis
@pytest.mark.skipif(not redis_available(REDIS_URL), reason=f"no Redis server at {REDIS_URL}")
def test_events_go_through_rq_when_redis_is_configured(make_app, app, factory, monkeypatch):
    from redis import Redis
    from rq import SimpleWorker

    queued = make_app(redis_url=REDIS_URL, JOBS_INLINE=False)
    state = queued.extensions["convergence"]
    state.queue.empty()
    commune = factory.commune()
    factory.enable(commune, "notes")
    CALLS.clear()
    with queued.app_context(), commune_scope(commune.id):
        emit("test.queued", {"n": 7}, commune_id=commune.id)
        db.session.commit()
    assert _events() == []  # not inline
    assert state.queue.count == 1
    job = state.queue.jobs[0]
    assert job.args[2] == commune.id  # the job carries its commune (R8)
    monkeypatch.setattr("federation.app.create_app", lambda *a, **k: queued)
    SimpleWorker([state.queue], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    assert _events() == [("test.queued", {"n": 7}, commune.slug)]
