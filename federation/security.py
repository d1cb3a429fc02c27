"""Security plumbing: response headers, safe redirects, API token authentication.

CSRF exemptions live here and only here: the REST API (``/api/``) is exempt because it
authenticates **only** with personal tokens in the ``Authorization`` header, never
with the session cookie, so a cross-site request cannot act as the user.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from flask import Response, abort, request

log = logging.getLogger("convergence.security")

#: a JSON body larger than this is a 413, deeper than this a 400, before any parsing
#: (Python's parser raised RecursionError on deep nesting: a 500, even anonymous)
JSON_MAX_BYTES = 5 * 1024 * 1024
JSON_MAX_DEPTH = 64
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b'[]{}"\\')

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def no_store() -> None:
    """This response shows a secret (a new API token): no cache may keep it."""
    from flask import g

    g.no_store = True


def hide_server_version() -> None:
    """The development server (``convergence run``) sends ``Server: Werkzeug/3.x
    Python/3.x``; it says "Convergence" instead (gunicorn sends "gunicorn", no version).
    http.server writes that header itself, so the application cannot drop it."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = _server_name  # type: ignore[method-assign]


def _server_name(_handler: object) -> str:
    return "Convergence"


def add_security_headers(response: Response) -> Response:
    from flask import g

    headers = response.headers
    if g.get("no_store"):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:  # over TLS only (ProxyFix and PROXIES tell it behind a proxy)
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    return response


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings do
    not count). Linear, and fast: only brackets, quotes and backslashes are looked at."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data.translate(None, _NOT_BRACKETS):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def check_json_body() -> None:
    """Before any view: a JSON body is at most JSON_MAX_BYTES (413) and JSON_MAX_DEPTH deep
    (400), answered as JSON on the API."""
    if not request.is_json or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    length = request.content_length
    if length is not None and length > JSON_MAX_BYTES:
        abort(413, description=f"JSON bodies are limited to {JSON_MAX_BYTES} bytes")
    data = request.get_data(cache=True)
    if len(data) > JSON_MAX_BYTES:
        abort(413, description=f"JSON bodies are limited to {JSON_MAX_BYTES} bytes")
    if json_depth(data) > JSON_MAX_DEPTH:
        abort(400, description=f"JSON nested deeper than {JSON_MAX_DEPTH} levels")


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target that stays on this site: a relative, single-slash path."""
    if not target:
        return default
    for candidate in (target, unquote(target)):
        parts = urlsplit(candidate)
        if (
            parts.scheme
            or parts.netloc
            or not candidate.startswith("/")
            or candidate.startswith("//")
            or "\\" in candidate
            or any(ord(c) < 32 or ord(c) == 127 for c in candidate)
        ):
            return default
    return target


#: field names that could carry a secret: never written, whatever a caller passes
SECRET_FIELDS = re.compile(r"pass|secret|token|code|key|cookie|session|ballot|choice", re.I)


def security_event(event: str, **fields: object) -> None:
    """R25: one JSON line on the ``convergence.security`` logger — the event, the time, the
    commune and user, the client address and the view (never the path: a reset link's
    token is in it), and the caller's fields — never a secret (a field named like one is
    not written) nor a vote's content.

    Logged: sign-ins and their failures, refused tokens, denied access, role and rule
    changes, votes cast (without the choice), exports of personal or commune data."""
    from flask import g, has_request_context
    from flask_login import current_user

    commune = g.get("commune") if has_request_context() or _has_app_context() else None
    record: dict[str, object] = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "event": event,
        "commune": getattr(commune, "id", None),
        "user": None,
    }
    if has_request_context():
        user = current_user
        record["user"] = getattr(user, "id", None) if user else None
        record["ip"] = request.remote_addr
        record["endpoint"] = request.endpoint  # never the path: it may carry a link's token
    for key, value in sorted(fields.items()):
        if SECRET_FIELDS.search(key):
            record[key] = "[not logged]"  # tests/core/api/test_security_log.py
            continue
        record[key] = value if isinstance(value, int | float | bool | None) else str(value)
    log.info(json.dumps(record, ensure_ascii=False, sort_keys=True))


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


def load_token_user() -> object | None:
    """Flask-Login request loader: ``Authorization: Bearer <token>`` on API requests only."""
    from federation.identity.services import user_for_token

    if not is_api_request():
        return None
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        security_event("token_rejected")
        abort(401, description="invalid or revoked API token")
    return user
