"""How a page answers a form it was posted, once for the core and every plugin.

A service does the work; the view commits and says so (:func:`done`), or rolls back and
says why (:func:`refused`). A refusal the person can correct (a field, a conflict) goes
back to the page with the message; a refusal about who may act or what exists (403, 404)
is answered with that status, so that nothing about another commune's objects is hinted
by a redirect and every route refuses the same way.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from federation.db import db
from federation.errors import Forbidden, NotFound, ServiceError


def posted_form() -> dict[str, Any]:
    """The posted fields, without the CSRF token."""
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


def done(message: str, target: str) -> Response:
    """Commit the service's work, confirm it and go back to ``target``."""
    db.session.commit()
    flash(message, "success")
    return redirect(target)


def refused(exc: ServiceError, target: str) -> Response:
    """Undo the service's work; say why on ``target`` — or answer 403/404 outright."""
    db.session.rollback()
    if isinstance(exc, (Forbidden, NotFound)):
        raise exc  # rendered by the core's error handler with its status
    flash(str(exc.message), "error")
    return redirect(target)
