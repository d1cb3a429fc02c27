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

from federation.tenancy.versions import (  # noqa: F401 - this module's public names
    GLOBAL_VERSION,
    PREFIX,
    MemoryBackend,
    RedisBackend,
    backend,
    bump_communes,
    version_keys,
)
from federation.tenancy.versions import version_key as _version_key  # noqa: F401

TTL_SECONDS = 3600


def cached(
    federation_id: int, commune_ids: list[int], name: str, compute: Callable[[], Any]
) -> Any:
    store = backend()
    versions = store.versions(version_keys(commune_ids))
    digest = hashlib.sha256(json.dumps([commune_ids, versions]).encode()).hexdigest()[:24]
    key = f"{PREFIX}federation:{federation_id}:{name}:{digest}"
    found = store.get(key)
    if found is not None:
        return pickle.loads(found)  # noqa: S301 - written by this code only
    value = compute()
    store.set(key, pickle.dumps(value), TTL_SECONDS)
    return value
