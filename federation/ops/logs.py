"""Structured logs: one JSON object a line (``LOG_FORMAT = "json"``), through the standard
:mod:`logging` module and python-json-logger (every library's records come out the same way).

Each line carries ``request_id`` (the ``X-Request-ID`` the proxy sent, or a new one; it is
sent back in the response's header), ``commune`` (the slug of the request's commune) and
``user_id`` once they are known; no secret: passwords in database or Redis URLs, and the
values of fields named like a password, a token, a secret or a cookie, are replaced by
``***``.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

from flask import Flask, g, has_request_context, request

#: the request's id, kept in the WSGI environ by federation.ops.web
REQUEST_ID_KEY = "convergence.request_id"
#: what is never written: user:password@ in URLs, and key=value pairs of secret names
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.I)
_SECRET_PAIR = re.compile(
    r"(?P<key>\b[\w-]*(?:password|passwd|secret|token|api[_-]?key|cookie|session)[\w-]*)"
    r"(?P<sep>\s*[=:]\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s,;&]+)",
    re.I,
)
_SECRET_NAME = re.compile(r"password|passwd|secret|token|api[_-]?key|cookie|authorization", re.I)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """``text`` without the secrets a log line could carry."""
    text = _URL_PASSWORD.sub(r"\g<scheme>:***@", text)
    return _SECRET_PAIR.sub(r"\g<key>\g<sep>***", text)


def request_id() -> str | None:
    if not has_request_context():
        return None
    return request.environ.get(REQUEST_ID_KEY)


class ContextFilter(logging.Filter):
    """Adds the request id, the commune and the user id; removes secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request.environ.get(REQUEST_ID_KEY)
            commune = g.get("commune")
            record.commune = getattr(commune, "slug", None)
            user = g.get("_login_user")  # only once Flask-Login loaded it: no query here
            record.user_id = getattr(user, "id", None) if user is not None else None
        if record.args:
            # a malformed call: left to logging's own report
            with contextlib.suppress(Exception):
                record.msg, record.args = record.getMessage(), None
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        for key, value in list(vars(record).items()):
            if key in _STANDARD:
                continue
            if _SECRET_NAME.search(key):
                setattr(record, key, "***")
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter:
    """python-json-logger's formatter with the fields operators filter on."""

    def __new__(cls) -> logging.Formatter:  # type: ignore[misc]
        from pythonjsonlogger.json import JsonFormatter as Base

        class _Formatter(Base):
            def formatException(self, ei: Any) -> str:
                return redact(super().formatException(ei))

        return _Formatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
            timestamp=False,
        )


_MARK = "_convergence_json"


def json_handler(stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    setattr(handler, _MARK, True)
    return handler


def configure(app: Flask) -> None:
    """With ``LOG_FORMAT = "json"``: the root logger writes JSON lines on stderr (gunicorn
    and systemd collect them); its handlers of another kind are replaced. ``"text"`` leaves
    logging as it is (development, tests)."""
    fmt = (app.config.get("LOG_FORMAT") or "text").lower()
    if fmt not in ("text", "json"):
        from federation.config import ConfigError

        raise ConfigError(f"LOG_FORMAT must be text or json, not {fmt!r}")
    if fmt != "json":
        return
    root = logging.getLogger()
    if any(getattr(h, _MARK, False) for h in root.handlers):
        return
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler())
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in ("convergence.mail", "gunicorn.error", "rq.worker", "rq.cron"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
