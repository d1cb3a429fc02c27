"""Issue 12 item 2: the public page cache (federation.web.page_cache).

Two application processes share one database and one Redis: what one of them commits is
what the other serves next (the planted twin, commits that do not move the versions, makes
the test see the stale page). A page cached for a commune, a host or a locale is never
served for another (planted twins: keys without the host, without the locale); a cached
body carries no visitor's CSRF token and no cookie; signed-in visitors are never served
from, nor stored into, the cache; without Redis nothing is cached.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Response

from federation.db import db
from federation.testing.redis import redis_or_skip, redis_test_url
from federation.web import page_cache
from tests.support.notes_plugin import Note

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 3


class Worker:
    def __init__(self, database_url: str, redis_url: str, planted: str = "") -> None:
        module = "tests.core.test_page_cache_worker"
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, database_url, redis_url, planted],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._read() == "ready"

    def _read(self):
        for line in self.process.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise RuntimeError(f"worker ended: {self.process.wait()}")

    def __call__(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, RuntimeError):
            self(op="quit")
        self.process.wait(timeout=60)


@pytest.fixture
def commune(factory, in_commune):
    ref = factory.commune("cachee", name="Cachée")
    factory.enable(ref, "notes")
    with in_commune(ref):
        db.session.add_all([Note(title=f"n{i}") for i in range(3)])
    return ref


def _scenario(app, commune, planted=""):
    """Worker A reads twice (stores, then hits); worker B writes; A reads again."""
    redis_url = redis_or_skip(REDIS_DB)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.engine.dispose()  # the SQLite file is shared: no connection kept open here
    reader = Worker(url, redis_url, planted)
    writer = Worker(url, redis_url, planted)
    home = f"/c/{commune.slug}/"
    try:
        seen = []
        first, again = reader(op="get", url=home), reader(op="get", url=home)
        assert (first["cache"], again["cache"]) == ("miss", "hit")
        assert "3 notes" in again["body"]
        writer(op="add_note", commune=commune.id, title="from the other worker")
        page = reader(op="get", url=home)
        seen.append("4 notes" in page["body"])
        notes = reader(op="get", url=f"/c/{commune.slug}/notes/")
        assert notes["cache"] == "miss"
        writer(op="rename", commune=commune.id, name="Renommée")  # a global row
        page = reader(op="get", url=home)
        seen.append("Renommée" in page["body"])
        return seen
    finally:
        reader.close()
        writer.close()


def test_two_processes_the_reader_serves_what_the_writer_committed(app, commune):
    assert _scenario(app, commune) == [True, True]


def test_planted_no_version_bump_the_reader_serves_a_stale_page(app, commune):
    """Proves the test above can fail: commits that move no version leave the page stale."""
    assert _scenario(app, commune, planted="no-bump") == [False, False]


@pytest.fixture
def cached_app(make_app):
    """A second app on the same database, with Redis (the ``app`` fixture has none)."""
    return make_app(redis_url=redis_or_skip(REDIS_DB))


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.headers.get("X-Page-Cache")


def test_a_page_is_served_for_its_own_commune_host_and_locale_only(
    app, cached_app, factory, in_commune
):
    a = factory.commune("alpha", name="Alpha", host="alpha.example")
    b = factory.commune("beta", name="Beta", host="beta.example")
    client = cached_app.test_client(use_cookies=False)
    url = f"/c/{a.slug}/"
    first, state = _get(client, url, Host="alpha.example", **{"Accept-Language": "fr"})
    assert (first.status_code, state) == (200, "miss")
    assert _get(client, url, Host="alpha.example", **{"Accept-Language": "fr"})[1] == "hit"
    # the same path on the other commune's host is that host's 404, never Alpha's page
    other, state = _get(client, url, Host="beta.example", **{"Accept-Language": "fr"})
    assert other.status_code == 404 and state is None
    # another locale is rendered in that locale
    english, state = _get(client, url, Host="alpha.example", **{"Accept-Language": "en"})
    assert state == "miss" and 'lang="en"' in english.get_data(as_text=True)
    # another commune's page shows that commune
    beta, _ = _get(client, f"/c/{b.slug}/", Host="beta.example")
    assert "Beta" in beta.get_data(as_text=True) and "Alpha" not in beta.get_data(as_text=True)


@pytest.mark.parametrize("dropped", ["host", "locale"])
def test_planted_a_key_without_host_or_locale_leaks(app, cached_app, factory, monkeypatch, dropped):
    """Proves the test above can fail: a key that forgets the host serves Alpha's page on
    Beta's host; one that forgets the locale serves French to an English reader."""
    from flask import request

    factory.commune("alpha", name="Alpha", host="alpha.example")
    factory.commune("beta", name="Beta", host="beta.example")

    def leaky_key() -> str:
        parts = [request.full_path]
        if dropped != "host":
            parts.append(request.host)
        if dropped != "locale":
            parts.append(str(request.accept_languages))
        return page_cache.PAGE_PREFIX + "|".join(parts)

    monkeypatch.setattr(page_cache, "page_key", leaky_key)
    client = cached_app.test_client(use_cookies=False)
    url = "/c/alpha/"
    _get(client, url, Host="alpha.example", **{"Accept-Language": "fr"})
    if dropped == "host":
        leaked, state = _get(client, url, Host="beta.example", **{"Accept-Language": "fr"})
        assert (leaked.status_code, state) == (200, "hit")
    else:
        leaked, state = _get(client, url, Host="alpha.example", **{"Accept-Language": "en"})
        assert state == "hit" and 'lang="fr"' in leaked.get_data(as_text=True)


def test_cached_bodies_carry_no_token_and_no_cookie(app, cached_app, factory):
    import re

    from redis import Redis

    ref = factory.commune("gamma", name="Gamma")
    url = f"/c/{ref.slug}/"
    tokens = []
    for _ in range(3):
        client = cached_app.test_client()
        response = client.get(url)
        body = response.get_data(as_text=True)
        [token] = re.findall(r'name="csrf_token" value="([^"]+)"', body)
        tokens.append(token)
        assert page_cache.CSRF_PLACEHOLDER not in body
        # the visitor's own session holds the token the page carries
        assert "Set-Cookie" in response.headers
    assert len(set(tokens)) == 3  # each visitor their own token, even on a hit
    stored = Redis.from_url(redis_test_url(REDIS_DB))
    [key] = stored.keys(page_cache.PAGE_PREFIX + "*")
    entry = stored.hgetall(key)
    assert page_cache.CSRF_PLACEHOLDER.encode() in entry[b"body"]
    assert not any(t.encode() in entry[b"body"] for t in tokens)
    assert b"Set-Cookie" not in entry[b"meta"]


def test_signed_in_pages_are_neither_served_nor_stored(app, cached_app, factory):
    ref = factory.commune("delta", name="Delta")
    member = factory.member(ref, user=factory.user(display_name="Personne Connectée"))
    url = f"/c/{ref.slug}/"
    anonymous = cached_app.test_client()
    assert _get(anonymous, url)[1] == "miss"
    signed = cached_app.test_client()
    factory.login(signed, member)
    page, state = _get(signed, url)
    assert state is None and "Personne Connectée" in page.get_data(as_text=True)
    page, state = _get(anonymous, url)
    assert state == "hit" and "Personne Connectée" not in page.get_data(as_text=True)


def test_without_redis_nothing_is_cached(app, client, factory):
    ref = factory.commune("epsilon")
    for _ in range(2):
        assert client.get(f"/c/{ref.slug}/").headers.get("X-Page-Cache") is None


def test_private_and_no_store_responses_are_not_kept(cached_app):
    with cached_app.test_request_context("/"):
        for value in ("private", "no-store", "no-cache", "max-age=0, private"):
            response = Response("<p>x</p>", mimetype="text/html")
            response.headers["Cache-Control"] = value
            assert page_cache._refused(response)
        assert not page_cache._refused(Response("<p>x</p>", mimetype="text/html"))
        cookie = Response("<p>x</p>", mimetype="text/html")
        cookie.set_cookie("k", "v")
        assert page_cache._refused(cookie)


@pytest.mark.parametrize("planted", [False, True])
def test_signed_in_widgets_are_kept_per_person_and_never_stale(
    app, cached_app, factory, monkeypatch, planted
):
    """The commune home's widgets are a cached fragment for a signed-in person (her own
    key): a second visit skips their queries; a note added then is shown at once. Planted:
    commits that move no version leave the widget stale (the check can fail)."""
    from federation.tenancy import scoping
    from federation.tenancy.context import commune_scope
    from federation.tenancy.versions import bump_communes
    from federation.testing.queries import count_queries

    ref = factory.commune("zeta", name="Zeta")
    factory.enable(ref, "notes")
    member = factory.member(ref)
    client = cached_app.test_client()
    factory.login(client, member)
    url = f"/c/{ref.slug}/"
    counts = []
    for _ in range(2):
        with count_queries(cached_app) as counter:
            page = client.get(url)
        counts.append(counter.count)
        assert "0 notes" in page.get_data(as_text=True)
        assert page.headers.get("X-Page-Cache") is None  # never the whole page
    assert counts[1] < counts[0], counts
    if planted:
        monkeypatch.setattr(
            scoping,
            "on_commit_touched",
            [f for f in scoping.on_commit_touched if f is not bump_communes],
        )
    with cached_app.app_context(), commune_scope(ref.id):
        db.session.add(Note(title="new"))
        db.session.commit()
    shown = client.get(url).get_data(as_text=True)
    assert ("0 notes" in shown) is planted and ("1 notes" in shown) is not planted
    other = cached_app.test_client()
    factory.login(other, factory.member(ref))
    assert "1 notes" in other.get(url).get_data(as_text=True)  # another person's key
