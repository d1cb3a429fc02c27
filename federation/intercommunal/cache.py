"""The federation indicators cache.

Keys carry the federation and the data version of every member commune (R8), so a change in
any member commune's data gives a new key: no stale figure, and no purge to get wrong. The
versions, and what moves them, are :mod:`federation.tenancy.versions` (a plugin switched on
or off, a commune's or a federation membership's change included).

With ``REDIS_URL`` the cache and the versions live in Redis: every worker process reads the
versions another one moved on commit. Without a shared store nothing is cached across
requests (a cache in one worker's memory would keep serving what another worker changed):
the cache lives in the request (``g``) only.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable
from typing import Any

from flask import current_app

from federation.tenancy.versions import (  # noqa: F401 - this module's public names
    GLOBAL_VERSION,
    PREFIX,
    MemoryBackend,
    RedisBackend,
    backend,
    bump_communes,
    mark_down,
    redis_errors,
    version_keys,
)
from federation.tenancy.versions import version_key as _version_key  # noqa: F401

TTL_SECONDS = 3600

#: one round trip: the stored value if every version it was computed at is still current
#: (the MGET in slices: Lua's unpack takes a few thousand values at most)
_LOOKUP = """
local found = redis.call('HMGET', KEYS[1], 'keys', 'versions', 'value')
if not found[1] then return false end
local names, current = {}, {}
for name in string.gmatch(found[1], '%S+') do names[#names + 1] = name end
for i = 1, #names, 1000 do
  local values = redis.call('MGET', unpack(names, i, math.min(i + 999, #names)))
  for j = 1, #values do current[#current + 1] = tostring(values[j] or 0) end
end
if table.concat(current, ' ') == found[2] then return found[3] end
return false
"""


def cached(
    federation_id: int, commune_ids: list[int], name: str, compute: Callable[[], Any]
) -> Any:
    """``compute()``, or the value it gave while no member commune's data has changed.

    In Redis the value is stored beside the versions it was computed at (read before it
    was computed) under a key of the federation, ``name`` and the member communes; a read
    is one round trip that compares them on the server (with 1,000 communes the client
    neither sends nor parses a thousand versions)."""
    store = backend()
    members = hashlib.sha256(json.dumps(commune_ids).encode()).hexdigest()[:24]
    if isinstance(store, RedisBackend):
        return _cached_in_redis(store, federation_id, members, commune_ids, name, compute)
    versions = store.versions(version_keys(commune_ids))
    digest = hashlib.sha256(json.dumps([members, versions]).encode()).hexdigest()[:24]
    key = f"{PREFIX}federation:{federation_id}:{name}:{digest}"
    found = store.get(key)
    if found is not None:
        return pickle.loads(found)  # noqa: S301 - written by this code only
    value = compute()
    store.set(key, pickle.dumps(value), TTL_SECONDS)
    return value


def _cached_in_redis(
    store: RedisBackend,
    federation_id: int,
    members: str,
    commune_ids: list[int],
    name: str,
    compute: Callable[[], Any],
) -> Any:
    """Redis away (issue 17 item 6): computed once, not kept."""
    key = f"{PREFIX}federation:{federation_id}:{name}:{members}"
    names = version_keys(commune_ids)
    try:
        found = _lookup_script(store)(keys=[key])
        if found is not None:
            return pickle.loads(found)  # noqa: S301 - written by this code only
        versions = store.versions(names)  # before the data is read: never stale
    except redis_errors() as exc:
        mark_down(exc)
        return compute()
    value = compute()
    try:
        _keep(store, key, names, versions, value)
    except redis_errors() as exc:
        mark_down(exc)
    return value


def _keep(store: RedisBackend, key: str, names: list[str], versions: list[int], value: Any) -> None:
    pipe = store.redis.pipeline(transaction=True)
    pipe.delete(key)
    pipe.hset(
        key,
        mapping={
            "keys": " ".join(names),
            "versions": " ".join(str(v) for v in versions),
            "value": pickle.dumps(value),
        },
    )
    pipe.expire(key, TTL_SECONDS)
    pipe.execute()


def _lookup_script(store: RedisBackend) -> Any:
    script = current_app.extensions.get("convergence_indicators_lookup")
    if script is None or script.registered_client is not store.redis:
        script = store.redis.register_script(_LOOKUP)
        current_app.extensions["convergence_indicators_lookup"] = script
    return script
