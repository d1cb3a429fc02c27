"""The federation indicators cache.

Keys carry the federation and the data version of every member commune (R8), so a change in
any member commune's data gives a new key: no stale figure, and no purge to get wrong.
Versions are bumped after each commit that wrote tenant rows (a plugin switched on or off
included), or rows of communes and federation memberships (every key moves on then).

With ``REDIS_URL`` the cache and the versions live in Redis: every worker process reads the
versions another one moved on commit. Without a shared store nothing is cached across
requests (a cache in one worker's memory would keep serving what another worker changed):
the cache lives in the request (``g``) only.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event

from federation.tenancy import scoping

TTL_SECONDS = 3600
PREFIX = "cvg:"


class MemoryBackend:
    def __init__(self) -> None:
        self._values: dict[str, tuple[float, bytes]] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def versions(self, keys: list[str]) -> list[int]:
        with self._lock:
            return [self._versions.get(k, 0) for k in keys]

    def bump(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._versions[key] = self._versions.get(key, 0) + 1

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._values.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            return found[1]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            if len(self._values) > 5000:
                self._values.clear()
            self._values[key] = (time.monotonic() + ttl, value)


class RedisBackend:
    def __init__(self, redis: Any) -> None:
        self.redis = redis

    def versions(self, keys: list[str]) -> list[int]:
        return [int(v or 0) for v in self.redis.mget(keys)] if keys else []

    def bump(self, keys: Iterable[str]) -> None:
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.incr(key)
        pipe.execute()

    def get(self, key: str) -> bytes | None:
        return self.redis.get(key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.redis.set(key, value, ex=ttl)


def backend() -> MemoryBackend | RedisBackend:
    """The shared store (Redis) if there is one, else a store that ends with the request."""
    found = current_app.extensions.get("convergence_cache")
    if found is not None:
        return found
    redis = _redis()
    if redis is not None:
        found = RedisBackend(redis)
        current_app.extensions["convergence_cache"] = found
        return found
    return g.setdefault("_convergence_cache", MemoryBackend())


def _redis() -> Any:
    """The app's Redis connection, or one of the cache's own when ``REDIS_URL`` is set but
    jobs run inline (the queue then opens none)."""
    state = current_app.extensions["convergence"]
    if state.redis is not None:
        return state.redis
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url)


def _version_key(commune_id: int) -> str:
    return f"{PREFIX}commune:{commune_id}:version"


GLOBAL_VERSION = f"{PREFIX}all:version"


def bump_communes(commune_ids: Iterable[int]) -> None:
    """-1 stands for "unknown communes" (an unscoped bulk write): every key moves on."""
    if has_app_context():
        ids = set(commune_ids)
        keys = [GLOBAL_VERSION] if -1 in ids else []
        backend().bump(keys + [_version_key(cid) for cid in sorted(ids - {-1})])


def cached(
    federation_id: int, commune_ids: list[int], name: str, compute: Callable[[], Any]
) -> Any:
    store = backend()
    versions = store.versions([GLOBAL_VERSION] + [_version_key(cid) for cid in commune_ids])
    digest = hashlib.sha256(json.dumps([commune_ids, versions]).encode()).hexdigest()[:24]
    key = f"{PREFIX}federation:{federation_id}:{name}:{digest}"
    found = store.get(key)
    if found is not None:
        return pickle.loads(found)  # noqa: S301 - written by this code only
    value = compute()
    store.set(key, pickle.dumps(value), TTL_SECONDS)
    return value


def _federation_rows_changed(session: Any, _context: Any, _instances: Any) -> None:
    """Communes (population…) and federation memberships are not tenant rows: a change to
    them moves every key on (they are rare)."""
    from federation.tenancy.models import Commune, FederationMember

    watched = (Commune, FederationMember)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, watched):
            session.info.setdefault(scoping.TOUCHED_KEY, set()).add(-1)
            return


scoping.on_commit_touched.append(bump_communes)
event.listen(scoping.TenantSession, "before_flush", _federation_rows_changed)
