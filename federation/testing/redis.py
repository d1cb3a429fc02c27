"""Redis for tests: one place that says which server a test run uses.

Each test file keeps its own database number (so files do not flush each other's keys), and
``CONVERGENCE_TEST_REDIS`` names the server (default ``redis://127.0.0.1:6379``): two test
runs on one machine (CI runs the SQLite and the PostgreSQL passes side by side) point at two
servers and never see each other's keys.
"""

from __future__ import annotations

import os

import pytest

DEFAULT_SERVER = "redis://127.0.0.1:6379"


def redis_test_url(db: int) -> str:
    """The URL of database ``db`` on the test run's Redis server."""
    server = os.environ.get("CONVERGENCE_TEST_REDIS", DEFAULT_SERVER).rstrip("/")
    return f"{server}/{db}"


def redis_available(url: str) -> bool:
    """True when a Redis server answers at ``url`` (and the client library is installed)."""
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


def redis_or_skip(db: int) -> str:
    """The URL of database ``db``, emptied; skips the test, saying why, without a server."""
    url = redis_test_url(db)
    if not redis_available(url):
        pytest.skip(f"no Redis server at {url} (start redis-server to run this test)")
    from redis import Redis

    Redis.from_url(url).flushdb()
    return url
