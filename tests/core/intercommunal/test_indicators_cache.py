"""The indicators cache in Redis (issue 12 item 6): a read is one round trip that compares,
on the server, the versions a value was computed at with the member communes' current
ones; any commit in a member commune (or a global change) makes the next read compute
again, a commit elsewhere does not; a commit that lands while the value is computed is not
hidden by it; federations larger than one MGET slice work. The planted twin (a lookup that
does not compare) is caught."""

from __future__ import annotations

import pytest

from federation.intercommunal import cache
from federation.tenancy.versions import UNKNOWN
from federation.testing.redis import redis_or_skip

REDIS_DB = 5


@pytest.fixture
def shared(app):
    from redis import Redis

    app.extensions["convergence_cache"] = cache.RedisBackend(
        Redis.from_url(redis_or_skip(REDIS_DB))
    )
    app.extensions.pop("convergence_indicators_lookup", None)
    yield
    app.extensions.pop("convergence_cache", None)
    app.extensions.pop("convergence_indicators_lookup", None)


class Counting:
    def __init__(self, during=None) -> None:
        self.calls = 0
        self.during = during

    def __call__(self) -> dict[str, int]:
        self.calls += 1
        if self.during:
            self.during()  # a commit of another worker while this one computes
        return {"computed": self.calls}


def test_reused_until_a_member_commune_or_a_global_row_moves(app, shared):
    ids = list(range(1, 1001))
    compute = Counting()
    with app.app_context():
        read = lambda: cache.cached(7, ids, "t", compute)  # noqa: E731
        assert read() == read() == {"computed": 1}
        cache.bump_communes([5000])  # not a member
        assert read() == {"computed": 1}
        cache.bump_communes([500])
        assert read() == read() == {"computed": 2}
        cache.bump_communes([UNKNOWN])  # communes, federations, users…: every key
        assert read() == {"computed": 3}
        assert cache.cached(7, ids[:10], "t", compute) == {"computed": 4}  # other members


def test_a_commit_during_the_computation_is_seen_next_time(app, shared):
    with app.app_context():
        compute = Counting(during=lambda: cache.bump_communes([2]))
        assert cache.cached(8, [1, 2, 3], "t", compute) == {"computed": 1}
        compute.during = None
        assert cache.cached(8, [1, 2, 3], "t", compute) == {"computed": 2}
        assert cache.cached(8, [1, 2, 3], "t", compute) == {"computed": 2}


def test_more_members_than_one_mget_slice(app, shared):
    ids = list(range(1, 3501))
    compute = Counting()
    with app.app_context():
        assert cache.cached(9, ids, "t", compute) == cache.cached(9, ids, "t", compute)
        cache.bump_communes([3500])  # in the last slice
        assert cache.cached(9, ids, "t", compute) == {"computed": 2}


def test_planted_lookup_that_does_not_compare_is_caught(app, shared, monkeypatch):
    planted = cache._LOOKUP.replace(
        "if table.concat(current, ' ') == found[2] then return found[3] end\nreturn false",
        "return found[3]",
    )
    assert planted != cache._LOOKUP
    monkeypatch.setattr(cache, "_LOOKUP", planted)
    compute = Counting()
    with app.app_context():
        cache.cached(10, [1, 2], "t", compute)
        cache.bump_communes([1])
        assert cache.cached(10, [1, 2], "t", compute) == {"computed": 1}  # stale: caught
