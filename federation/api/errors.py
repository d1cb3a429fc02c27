"""Turn service errors into JSON 4xx answers naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from federation.api import api_error
from federation.db import db
from federation.errors import ServiceError


@contextmanager
def service_errors() -> Iterator[None]:
    """Inside an API view: a :class:`ServiceError` rolls back and becomes a 4xx JSON error."""
    try:
        yield
    except ServiceError as exc:
        db.session.rollback()
        api_error(exc.status, errors=exc.as_dict(), message=str(exc.message))
