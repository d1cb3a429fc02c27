"""Security plumbing: response headers, safe redirects, API token authentication.

CSRF exemptions live here and only here: the REST API (``/api/``) is exempt because it
authenticates **only** with personal tokens in the ``Authorization`` header, never
with the session cookie, so a cross-site request cannot act as the user.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

from flask import Response, abort, request

from federation.security_log import security_event

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
