"""No state a worker keeps alone (issue 17 item 2), with two processes: a module switched off
and on through one process (the API, as a worker would serve it) is seen by the other at
once, page and home page alike, with the public page cache on when Redis is there."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from federation.testing.redis import redis_available, redis_test_url

REDIS_DB = 11

_CHILD = textwrap.dedent(
    """
    import json, sys
    from federation.app import create_app
    from tests.support.notes_plugin import NotesPlugin
    settings = json.loads(sys.argv[1])
    if settings.pop("_planted", False):  # the twin: enablement kept in this process
        from federation.plugins import services
        kept = {}
        services._cache = lambda: kept
    app = create_app("test", extra_plugins=[NotesPlugin()], **settings)
    print("READY", flush=True)
    for line in sys.stdin:
        url = line.strip()
        response = app.test_client(use_cookies=False).get(url)
        home = "/notes/" in response.get_data(as_text=True)
        print(json.dumps([response.status_code, home]), flush=True)
    """
)


class Other:
    """The other worker: a process of its own on the same database (and Redis)."""

    def __init__(self, settings: dict) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        while (line := self.proc.stdout.readline()) and line.strip() != "READY":
            pass

    def get(self, url: str) -> list:
        self.proc.stdin.write(url + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def settings(app_settings):
    found = {k: v for k, v in app_settings.items() if isinstance(v, str | bool)}
    url = redis_test_url(REDIS_DB)
    if redis_available(url):
        from redis import Redis

        Redis.from_url(url).flushdb()
        found["redis_url"] = url  # the page cache is on in both processes
    return found


def seen_at_once(make_app, factory, settings) -> None:
    this = make_app(**{k: v for k, v in settings.items() if k == "redis_url"})
    commune = factory.commune()
    admin = factory.member(commune, role="admin")
    headers = factory.token(admin.user)
    factory.enable(commune, "notes")
    other = Other(settings)
    try:
        page, home = f"/c/{commune.slug}/notes/", f"/c/{commune.slug}/"
        assert other.get(page)[0] == 200
        assert other.get(home) == [200, True]
        assert other.get(home) == [200, True]  # kept in the page cache when Redis is there
        api = this.test_client()
        url = f"/api/v1/communes/{commune.slug}/plugins/notes"
        assert api.put(url, json={"enabled": False}, headers=headers).status_code == 200
        assert other.get(page)[0] == 404
        assert other.get(home) == [200, False]
        assert api.put(url, json={"enabled": True}, headers=headers).status_code == 200
        assert other.get(page)[0] == 200
        assert other.get(home) == [200, True]
    finally:
        other.close()


def test_a_module_switched_in_one_process_is_seen_by_the_other_at_once(
    app, make_app, factory, settings
):
    seen_at_once(make_app, factory, settings)


def test_planted_twin_a_process_keeping_enablement_alone_fails(app, make_app, factory, settings):
    with pytest.raises(AssertionError):
        seen_at_once(make_app, factory, {**settings, "_planted": True})
