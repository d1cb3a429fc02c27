"""Error pages (403/404/500… in both languages) and JSON errors for the API."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, Response, g, jsonify, render_template
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from federation.db import db
from federation.errors import ServiceError
from federation.security import add_security_headers, is_api_request
from federation.validation_messages import translate

log = logging.getLogger(__name__)


def _json_error(status: int, name: str, message: str = "", errors: dict | None = None):
    body: dict = {"code": status, "status": name}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _exception_headers(exc: HTTPException, response: Response) -> Response:
    """The exception's own headers (``Allow`` on a 405, ``Retry-After``…) on the JSON or
    HTML answer that replaces its body."""
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers.setdefault(key, value)
    return response


def register_error_handlers(app: Flask) -> None:
    smorest_handler = app.extensions["convergence"].api.handle_http_exception

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if is_api_request():
            data = getattr(exc, "data", None)
            if isinstance(data, dict) and "messages" in data:  # marshmallow's, translated
                data["messages"] = translate(data["messages"])
            return _exception_headers(exc, app.make_response(smorest_handler(exc)))
        if exc.response is not None:  # abort(redirect(...)) and friends
            return exc.response
        status = exc.code or 500
        if isinstance(exc, SecurityError):  # an untrusted Host (R7): no URL can be built
            return f"{status} {exc.name}", status, {"Content-Type": "text/plain; charset=utf-8"}
        page = render_template("errors/error.html", status=status, error=exc)
        return _exception_headers(exc, app.make_response((page, status)))

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        db.session.rollback()
        if is_api_request():
            return _json_error(
                exc.status, type(exc).__name__, str(exc.message), {"json": exc.as_dict()}
            )
        return render_template(
            "errors/error.html", status=exc.status, error=exc, message=str(exc.message)
        ), exc.status

    @app.errorhandler(DataError)
    def _out_of_range(exc: DataError):
        """A value the database cannot hold (an integer above its range…): bad input."""
        db.session.rollback()
        if is_api_request():
            return _json_error(400, "Bad Request", "a value is out of range")
        return render_template("errors/error.html", status=400, error=exc), 400

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(exc: Exception):
        """The database does not answer (down, restarting, every connection in use): 503,
        a page that needs no query, no traceback; logged as one line."""
        return unavailable_response(app, exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("unexpected error")
        with contextlib.suppress(Exception):  # the original error matters more
            db.session.rollback()
        if is_api_request():
            return _json_error(500, "Internal Server Error")
        try:
            response = app.make_response(
                (render_template("errors/error.html", status=500, error=InternalServerError()), 500)
            )
        except Exception:
            response = app.make_response(("Internal Server Error", 500))
        return add_security_headers(response)


#: seconds a client is asked to wait before retrying, when the database is away
RETRY_AFTER = 30


def database_error_summary(exc: BaseException) -> str:
    """What went wrong, in one line, without the URL or its password."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else ""
    from federation.ops.logs import redact

    return redact(f"{type(original).__name__}: {text}")[:300]


def unavailable_response(app: Flask, exc: BaseException):
    log.warning("database unavailable: %s", database_error_summary(exc))
    with contextlib.suppress(Exception):
        db.session.rollback()
    with contextlib.suppress(Exception):
        db.session.remove()  # its connection is broken: the next request takes a new one
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    if is_api_request():
        response, status = _json_error(
            503, "Service Unavailable", "the database is unavailable; retry later"
        )
        response.headers.update(headers)
        return add_security_headers(response), status
    if "_login_user" not in g:  # who is signed in cannot be read: render as anonymous
        g._login_user = app.login_manager.anonymous_user()
    try:
        body = render_template("errors/unavailable.html")
    except Exception:  # rendering needs nothing from the database, but never a traceback
        body = "503 Service Unavailable"
    response = app.make_response((body, 503, headers))
    return add_security_headers(response)
