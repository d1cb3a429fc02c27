"""Per-commune data versions: a counter per commune that moves on after every commit that
wrote something of that commune, plus one global counter for what belongs to no commune.

Anything cached across requests (federation indicators, public pages) puts the versions of
what it shows in its key, or stores them beside the value and compares: a change gives a
new version, so no stale value is served and no purge can be forgotten.

What moves which counter, right after the commit (``scoping.on_commit_touched``):

* tenant rows (``TenantMixin``), whatever the path (unit of work, bulk, ORM DML): their
  commune (an unscoped bulk write: every counter, through the global one);
* other rows that carry a ``commune_id`` (memberships, journal entries, notifications…):
  that commune;
* every other row (communes, federations, federation memberships and federation-level
  tables, users' public fields…): the global counter, which is part of every key.
  A few columns nobody sees on a public page (a password hash, a login time) move nothing.

With ``REDIS_URL`` the counters live in Redis and every worker process reads what another
one moved. Without a shared store they live in the request (``g``): nothing may then be
cached across requests, since a cache in one worker's memory would keep serving what another
worker changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState

from federation.tenancy import scoping

PREFIX = "cvg:"
GLOBAL_VERSION = f"{PREFIX}all:version"
UNKNOWN = -1  # "unknown communes": moves the global counter, hence every key

#: columns of global tables that no public page shows: changing only them moves nothing
PRIVATE_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset(
        {
            "password_hash",
            "session_version",
            "last_login_at",
            "locale",
            "digest",
            "digest_sent_at",
            "email",
        }
    ),
}
#: global tables no public page reads
PRIVATE_TABLES = frozenset({"api_tokens"})


class MemoryBackend:
    """Versions and values in this process: for one request only (see the module doc)."""

    shared = False

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

    def get_with_versions(self, key: str, keys: list[str]) -> tuple[bytes | None, list[int]]:
        return self.get(key), self.versions(keys)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            if len(self._values) > 5000:
                self._values.clear()
            self._values[key] = (time.monotonic() + ttl, value)


class RedisBackend:
    """Versions and values in Redis, shared by every worker process."""

    shared = True

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    def versions(self, keys: list[str]) -> list[int]:
        return [int(v or 0) for v in self.redis.mget(keys)] if keys else []

    def bump(self, keys: Iterable[str]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.incr(key)
        pipe.execute()

    def get(self, key: str) -> bytes | None:
        return self.redis.get(key)

    def get_with_versions(self, key: str, keys: list[str]) -> tuple[bytes | None, list[int]]:
        """One round trip: the value and the current versions."""
        found = self.redis.mget([key, *keys])
        return found[0], [int(v or 0) for v in found[1:]]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self.redis.set(key, value, ex=ttl)


#: Redis stopped answering (issue 17 item 6): until this moment (time.monotonic()) nothing
#: is cached across requests in this process; ``missed`` when a commit's bump was lost
_DOWN = {"until": 0.0, "missed": False}
#: seconds without Redis after a failure before it is tried again
RETRY_AFTER = 5.0


def redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import RedisError
    except ImportError:
        return ()
    return (RedisError, OSError)


def mark_down(exc: BaseException) -> None:
    """Redis failed: this process caches nothing across requests for a few seconds (pages
    are rendered from the database, never served stale)."""
    import logging

    if time.monotonic() >= _DOWN["until"]:
        logging.getLogger(__name__).warning(
            "Redis unavailable (%s): caches off in this process for %.0f s",
            type(exc).__name__,
            RETRY_AFTER,
        )
    _DOWN["until"] = time.monotonic() + RETRY_AFTER


def backend() -> MemoryBackend | RedisBackend:
    """The shared store (Redis) if there is one, else a store that ends with the request
    (also for a few seconds after Redis failed)."""
    if time.monotonic() < _DOWN["until"]:
        return g.setdefault("_convergence_cache", MemoryBackend())
    found = current_app.extensions.get("convergence_cache")
    if found is not None and _DOWN["missed"]:
        _catch_up(found)
    if found is not None:
        return found
    redis = _redis()
    if redis is not None:
        found = RedisBackend(redis)
        current_app.extensions["convergence_cache"] = found
        return found
    return g.setdefault("_convergence_cache", MemoryBackend())


def shared_backend() -> RedisBackend | None:
    """The store shared by every worker, or None: only then may anything be cached across
    requests."""
    found = backend()
    return found if getattr(found, "shared", False) else None  # type: ignore[return-value]


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


def version_key(commune_id: int) -> str:
    return f"{PREFIX}commune:{commune_id}:version"


def version_keys(commune_ids: Iterable[int]) -> list[str]:
    """The keys to read for data of these communes: the global one first."""
    return [GLOBAL_VERSION] + [version_key(cid) for cid in commune_ids]


def bump_communes(commune_ids: Iterable[int]) -> None:
    """Move the counters of these communes on; ``-1`` (unknown communes) moves the global
    counter, so every key moves on. A bump always tries Redis, even while this process
    reads without it (other workers may read it): when it fails, the global counter moves
    on as soon as this process reaches Redis again (what was cached before is then never
    served)."""
    if has_app_context():
        ids = set(commune_ids)
        keys = [GLOBAL_VERSION] if UNKNOWN in ids else []
        keys += [version_key(cid) for cid in sorted(ids - {UNKNOWN})]
        shared = _shared_store()
        if shared is None:
            backend().bump(keys)
            return
        try:
            if _DOWN["missed"]:
                shared.bump([GLOBAL_VERSION])
                _DOWN["missed"] = False
            shared.bump(keys)
        except redis_errors() as exc:
            _DOWN["missed"] = True
            mark_down(exc)


def _shared_store() -> RedisBackend | None:
    """The Redis store whatever this process's recent failures (for writes)."""
    found = current_app.extensions.get("convergence_cache")
    if found is None:
        redis = _redis()
        if redis is None:
            return None
        found = RedisBackend(redis)
        current_app.extensions["convergence_cache"] = found
    return found


def _catch_up(store: RedisBackend) -> None:
    try:
        store.bump([GLOBAL_VERSION])
        _DOWN["missed"] = False
    except redis_errors() as exc:
        mark_down(exc)


def _touched_by(session: Any, obj: Any) -> int | None:
    """The commune a changed non-tenant row belongs to, UNKNOWN, or None (nothing public)."""
    table = getattr(obj, "__tablename__", None)
    if table in PRIVATE_TABLES:
        return None
    commune_id = getattr(obj, "commune_id", None)
    if isinstance(commune_id, int):
        return commune_id
    private = PRIVATE_COLUMNS.get(table or "")
    if private and obj in session.dirty:
        state = inspect(obj)
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if changed <= private:
            return None
    return UNKNOWN


def _global_rows_changed(session: Any, _context: Any, _instances: Any) -> None:
    """Rows outside tenant tables (tenant rows are counted by the scoping guard)."""
    touched = session.info.setdefault(scoping.TOUCHED_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, scoping.TenantMixin):
            continue
        found = _touched_by(session, obj)
        if found is not None:
            touched.add(found)


def _global_dml(state: ORMExecuteState) -> None:
    """ORM ``update()``/``delete()``/``insert()`` on a non-tenant table: every key moves on
    (tenant tables are counted by the scoping guard)."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    if mapper is not None:
        if scoping.is_tenant_class(mapper.class_):
            return
        name = mapper.local_table.name
    else:  # a Core statement on a table
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if name in scoping._tenant_table_names():
            return
    if name in PRIVATE_TABLES:
        return
    state.session.info.setdefault(scoping.TOUCHED_KEY, set()).add(UNKNOWN)


def install() -> None:
    """Idempotent: the listeners are module-level and registered once."""
    if bump_communes not in scoping.on_commit_touched:
        scoping.on_commit_touched.append(bump_communes)
    if not event.contains(scoping.TenantSession, "before_flush", _global_rows_changed):
        event.listen(scoping.TenantSession, "before_flush", _global_rows_changed)
    if not event.contains(scoping.TenantSession, "do_orm_execute", _global_dml):
        # first: the scoping listener returns the statement's result, which ends the chain
        event.listen(scoping.TenantSession, "do_orm_execute", _global_dml, insert=True)


install()
