"""Caches never stale across a Redis outage (issue 17 items 2 and 6): a commit whose version
bump was lost (Redis away) moves the global version on once Redis answers again, so a page
cached before the change is not served after it."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from federation.db import db
from federation.tenancy import versions
from federation.testing.redis import redis_or_skip

REDIS_DB = 10


def no_stale_page_after_an_outage(make_app, factory, monkeypatch) -> None:
    url = redis_or_skip(REDIS_DB)
    cached = make_app(redis_url=url, JOBS_INLINE=True)
    commune = factory.commune(name="Avant")
    client = cached.test_client(use_cookies=False)
    first = client.get(f"/c/{commune.slug}/")
    second = client.get(f"/c/{commune.slug}/")
    assert "Avant" in second.get_data(as_text=True)
    assert (first.headers.get("X-Page-Cache"), second.headers.get("X-Page-Cache")) == (
        "miss",
        "hit",
    )

    def redis_away(self, keys):
        raise RedisConnectionError("Error 111 connecting")

    with monkeypatch.context() as during:
        during.setattr(versions.RedisBackend, "bump", redis_away)
        with cached.app_context():
            from federation.tenancy.context import unscoped
            from federation.tenancy.models import Commune

            with unscoped():
                db.session.get(Commune, commune.id).name = "Après"
                db.session.commit()
    monkeypatch.setitem(versions._DOWN, "until", 0.0)  # Redis answers again
    after = client.get(f"/c/{commune.slug}/")
    assert "Après" in after.get_data(as_text=True), after.headers.get("X-Page-Cache")


@pytest.fixture(autouse=True)
def _fresh_marks(monkeypatch):
    monkeypatch.setitem(versions._DOWN, "until", 0.0)
    monkeypatch.setitem(versions._DOWN, "missed", False)


@pytest.mark.redis
def test_a_bump_lost_in_an_outage_is_made_up_for(app, make_app, factory, monkeypatch):
    no_stale_page_after_an_outage(make_app, factory, monkeypatch)


@pytest.mark.redis
def test_planted_twin_without_the_catch_up_serves_a_stale_page(app, make_app, factory, monkeypatch):
    monkeypatch.setattr(versions, "_catch_up", lambda store: None)
    with pytest.raises(AssertionError):
        no_stale_page_after_an_outage(make_app, factory, monkeypatch)


def bump_reaches_redis_while_reads_skip_it(make_app, factory, monkeypatch) -> None:
    """A process that met a Redis failure reads without Redis for a few seconds; its
    commits must still move the shared versions (other workers read them)."""
    from redis import Redis

    url = redis_or_skip(REDIS_DB)
    writer = make_app(redis_url=url, JOBS_INLINE=True)
    commune = factory.commune()
    keys = [versions.GLOBAL_VERSION, versions.version_key(commune.id)]
    before = Redis.from_url(url).mget(keys)
    monkeypatch.setitem(versions._DOWN, "until", float("inf"))  # reads skip Redis here
    with writer.app_context():
        from federation.tenancy.context import unscoped
        from federation.tenancy.models import Commune

        with unscoped():
            db.session.get(Commune, commune.id).name = "Renommée"
            db.session.commit()
    after = Redis.from_url(url).mget(keys)
    assert after != before, "the other workers would keep serving the old page"


@pytest.mark.redis
def test_a_commit_moves_the_shared_versions_even_while_reads_skip_redis(
    app, make_app, factory, monkeypatch
):
    bump_reaches_redis_while_reads_skip_it(make_app, factory, monkeypatch)


@pytest.mark.redis
def test_planted_twin_bumping_only_what_this_process_reads_fails(
    app, make_app, factory, monkeypatch
):
    monkeypatch.setattr(versions, "_shared_store", lambda: None)
    with pytest.raises(AssertionError):
        bump_reaches_redis_while_reads_skip_it(make_app, factory, monkeypatch)
