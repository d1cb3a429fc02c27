"""The public page cache: anonymous HTML pages kept in Redis, shared by every worker, never
stale.

A page is stored with the data versions (:mod:`federation.tenancy.versions`) of everything it
read, taken *before* the data was read: the global counter (communes, federations, users…),
read before the URL names its commune, the commune's or federation members' counters, read
before the view runs, and the counter of any other commune the view reads through a scope,
read just before that statement. A hit compares the stored versions with the current ones;
any commit that touched what the page shows has moved one of them, so the page is rendered
again. A page cached for a commune, a host, a path or a locale is never served for another
(they are in the key).

What is cached, and when:

* only with a store shared by all workers (``REDIS_URL``): without one nothing is cached
  (a copy in one worker's memory would be served after another worker changed the data);
* GET requests of anonymous visitors (no signed-in session, no remember cookie, no
  Authorization header, no flashed message waiting), on the portal and under a commune or a
  federation; never the API, never an error, never a response that sets a cookie, never
  one marked ``Cache-Control: private / no-store / no-cache``, never a page whose view put
  something else than the CSRF token in the session, never a page that read tenant rows
  unscoped;
* the CSRF token of the stored body is replaced by a placeholder, and each visitor gets
  their own token when the page is served; cookies are never stored.

``X-Page-Cache: hit | miss`` tells which happened (benchmarks, tests).
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState

from federation.tenancy import scoping, versions

log = logging.getLogger(__name__)

TTL_SECONDS = 300
PAGE_PREFIX = f"{versions.PREFIX}page:"
CSRF_PLACEHOLDER = "\x00cvg-csrf\x00"
#: session keys an anonymous visitor may have without their page being personal
ANONYMOUS_SESSION_KEYS = frozenset({"lang", "csrf_token", "_permanent", "_fresh"})
STORED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")
REFUSED_DIRECTIVES = ("private", "no-store", "no-cache")
CANDIDATE = "_page_cache"
HIT = "_page_hit"
FRAGMENTS = "_page_fragments"
T = TypeVar("T")


class Recording:
    """What a page read while it was rendered: the versions it is valid for."""

    def __init__(self, global_version: int) -> None:
        self.versions: dict[int, int] = {}
        self.global_version = global_version
        self.cacheable = True


#: one round trip: the stored page if every version it was stored with is still current,
#: else the current global version (the snapshot a new rendering starts from)
_LOOKUP = """
local found = redis.call('HMGET', KEYS[1], 'keys', 'versions', 'meta', 'body')
if found[1] then
  local names = {}
  for name in string.gmatch(found[1], '%S+') do names[#names + 1] = name end
  local values = redis.call('MGET', unpack(names))
  local current = {}
  for i = 1, #names do current[i] = tostring(values[i] or 0) end
  if table.concat(current, ' ') == found[2] then return {1, found[3], found[4]} end
end
return {0, tostring(redis.call('GET', KEYS[2]) or 0)}
"""


def enabled(app: Flask) -> bool:
    return bool(app.config.get("PAGE_CACHE", True) and app.config.get("REDIS_URL"))


def _anonymous() -> bool:
    if request.method != "GET" or request.path.startswith(("/api/", "/static/")):
        return False
    if "Authorization" in request.headers:
        return False
    if current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies:
        return False
    if request.cache_control.no_store or "_flashes" in session:
        return False
    return set(session.keys()) <= ANONYMOUS_SESSION_KEYS


def page_key() -> str:
    """Host, path with its query, and what chooses the locale of an anonymous visitor (the
    choice kept in the session, Accept-Language; the commune's default locale is commune
    data, under the global version), and the day."""
    from federation.i18n import LOCALES

    raw = "\n".join(
        (
            request.host.lower(),
            request.full_path,
            str(session.get("lang") or ""),
            str(request.accept_languages.best_match(LOCALES) or ""),
            date.today().isoformat(),  # what is in force today (levels, phases) moves on
        )
    )
    return f"{PAGE_PREFIX}{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def _script(store: versions.RedisBackend) -> Any:
    script = current_app.extensions.get("convergence_page_lookup")
    if script is None:
        script = store.redis.register_script(_LOOKUP)
        current_app.extensions["convergence_page_lookup"] = script
    return script


def _snapshot(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """First URL preprocessor, before the commune row is read: the stored page if it is
    still valid (no query at all then), else the global version a rendering starts from."""
    g.pop(CANDIDATE, None)
    g.pop(HIT, None)
    if endpoint is None or not _anonymous():
        return
    store = versions.shared_backend()
    if store is None:
        return
    key = page_key()
    found = _script(store)(keys=[key, versions.GLOBAL_VERSION])
    if int(found[0]) == 1:
        g._page_hit = _response(pickle.loads(found[1]), found[2])  # noqa: S301 - ours
        return
    g._page_key = key
    g.setdefault(CANDIDATE, Recording(int(found[1])))


def is_hit() -> bool:
    """The page is served from the cache: the URL's commune need not be looked up."""
    return HIT in g


def _scope_ids() -> list[int] | None:
    """The communes the URL names: a commune, a federation's members, none (the portal)."""
    commune = g.get("commune")
    if commune is not None:
        return [commune.id]
    if g.get("federation") is not None:
        scope = _session_scope()
        return sorted(scope.commune_ids) if scope else None
    if request.endpoint == "web.portal":
        return []
    return None


def _session_scope() -> scoping.Scope | None:
    from federation.db import db

    return db.session().scope  # type: ignore[attr-defined]


def _lookup() -> Response | None:
    """First before-request function: serve a hit; else read the versions of the communes
    the URL names, before the view reads their data."""
    hit = g.pop(HIT, None)
    if hit is not None:
        return hit
    recording: Recording | None = g.get(CANDIDATE)
    if recording is None:
        return None
    commune_ids = _scope_ids()
    if commune_ids is None:
        g.pop(CANDIDATE)
        return None
    if commune_ids:
        store = versions.shared_backend()
        assert store is not None
        current = store.versions([versions.version_key(cid) for cid in commune_ids])
        recording.versions.update(zip(commune_ids, current, strict=True))
    return None


def _response(meta: dict[str, Any], body: bytes) -> Response:
    if CSRF_PLACEHOLDER.encode() in body:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(CSRF_PLACEHOLDER.encode(), generate_csrf().encode())
    response = Response(body, status=meta["status"], headers=meta["headers"])
    response.headers["X-Page-Cache"] = "hit"
    return response


def _refused(response: Response) -> bool:
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return True
    if response.mimetype != "text/html" or "Set-Cookie" in response.headers:
        return True
    cache_control = response.headers.get("Cache-Control", "").lower()
    if any(d in cache_control for d in REFUSED_DIRECTIVES):
        return True
    return not set(session.keys()) <= ANONYMOUS_SESSION_KEYS


def _store(response: Response) -> Response:
    """After the view: keep the page if it may be shared."""
    recording: Recording | None = g.pop(CANDIDATE, None)
    key = g.pop("_page_key", None)
    if recording is None or key is None:
        return response
    if not recording.cacheable or _refused(response):
        return response
    store = versions.shared_backend()
    if store is None:
        return response
    body = response.get_data()
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        body = body.replace(str(token).encode(), CSRF_PLACEHOLDER.encode())
    meta = {
        "status": response.status_code,
        "headers": [(h, response.headers[h]) for h in STORED_HEADERS if h in response.headers],
    }
    _write(store, key, recording, meta=pickle.dumps(meta), body=body)
    response.headers["X-Page-Cache"] = "miss"
    return response


def _recordings() -> list[Recording]:
    found = [g.get(CANDIDATE), *g.get(FRAGMENTS, ())]
    return [r for r in found if r is not None and r.cacheable]


def _record_reads(state: ORMExecuteState) -> None:
    """While a page or a fragment is recorded: the version of every commune a statement
    reads, taken before the statement runs; an unscoped read of tenant rows makes it
    personal to this moment (not stored)."""
    if not has_app_context():
        return
    recordings = _recordings()
    if not recordings:
        return
    scope: scoping.Scope | None = state.session.info.get(scoping.SCOPE_KEY)
    if scope is None:
        return  # tenant tables refuse it; other tables move the global counter
    for recording in recordings:
        if scope.unscoped:
            recording.cacheable = False
            continue
        new = sorted(set(scope.commune_ids) - set(recording.versions))
        if new:
            store = versions.shared_backend()
            if store is None:
                recording.cacheable = False
                continue
            current = store.versions([versions.version_key(cid) for cid in new])
            recording.versions.update(zip(new, current, strict=True))


def _write(store: versions.RedisBackend, key: str, recording: Recording, **fields: Any) -> None:
    ids = sorted(recording.versions)
    stored = [recording.global_version] + [recording.versions[cid] for cid in ids]
    pipe = store.redis.pipeline(transaction=True)
    pipe.delete(key)
    pipe.hset(
        key,
        mapping={
            "keys": " ".join(versions.version_keys(ids)),
            "versions": " ".join(str(v) for v in stored),
            **fields,
        },
    )
    pipe.expire(key, TTL_SECONDS)
    pipe.execute()


def cached_fragment(name: str, commune_id: int, viewer: str, render: Callable[[], T]) -> T:
    """A part of a page (the commune home's widgets…) kept like a page: for one commune,
    one viewer (``"anonymous"`` or the signed-in person's id: what a widget shows may be
    theirs), the locale and the day, with the versions of everything it read. ``render``'s
    result must pickle. Without a shared store it is rendered each time."""
    store = versions.shared_backend()
    if store is None or g.get(CANDIDATE) is not None:
        return render()  # no shared store; or the whole page is being recorded
    try:
        return _cached_fragment(store, name, commune_id, viewer, render)
    except versions.redis_errors() as exc:  # Redis away: rendered, not kept
        versions.mark_down(exc)
        return render()


def _cached_fragment(
    store: versions.RedisBackend, name: str, commune_id: int, viewer: str, render: Callable[[], T]
) -> T:
    from flask_babel import get_locale

    raw = f"{name}\n{commune_id}\n{viewer}\n{get_locale()}\n{date.today().isoformat()}"
    key = f"{PAGE_PREFIX}fragment:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"
    found = _script(store)(keys=[key, versions.GLOBAL_VERSION])
    if int(found[0]) == 1:
        return pickle.loads(found[2])  # noqa: S301 - written by this module only
    recording = Recording(int(found[1]))
    [current] = store.versions([versions.version_key(commune_id)])
    recording.versions[commune_id] = current
    active = g.setdefault(FRAGMENTS, [])
    active.append(recording)
    try:
        value = render()
    finally:
        active.remove(recording)
    if recording.cacheable:
        _write(store, key, recording, meta=b"", body=pickle.dumps(value))
    return value


def _without_redis(function: Callable[..., Any]) -> Callable[..., Any]:
    """Redis away (issue 17 item 6): the page is rendered and served uncached, not a 500."""
    import functools

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except versions.redis_errors() as exc:
            versions.mark_down(exc)
            for key in (CANDIDATE, HIT, "_page_key"):
                g.pop(key, None)
            for recording in g.get(FRAGMENTS, ()):
                recording.cacheable = False
            return args[0] if function is _store else None

    return guarded


_snapshot_guarded = _without_redis(_snapshot)
_lookup_guarded = _without_redis(_lookup)
_store_guarded = _without_redis(_store)
_record_reads_guarded = _without_redis(_record_reads)


def install(app: Flask) -> None:
    """Wire the cache into ``app`` (nothing happens without ``REDIS_URL``)."""
    if not enabled(app):
        return
    app.url_value_preprocessors.setdefault(None, []).insert(0, _snapshot_guarded)
    app.before_request_funcs.setdefault(None, []).insert(0, _lookup_guarded)
    app.after_request(_store_guarded)
    if not event.contains(scoping.TenantSession, "do_orm_execute", _record_reads_guarded):
        event.listen(scoping.TenantSession, "do_orm_execute", _record_reads_guarded, insert=True)
