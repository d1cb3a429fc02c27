"""Authentication guards for API views, on the API's ground floor (no domain import).

A *guard* is a function that stops an anonymous request (401) and may refuse a signed-in
one (403): :func:`require_user`, :func:`require_platform_admin` here, the permission
checks of ``federation.identity.decorators`` and the coordinators' check of
``federation.intercommunal.access``. Each is marked with :func:`guard`: the OpenAPI
document declares the bearer scheme as required on exactly the operations whose view
reaches a guard (``federation.api.openapi``), and tests/core/api/test_security_scheme.py
checks that against what each operation answers without a token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_login import current_user

from federation.api import api_error
from federation.security_log import security_event

F = TypeVar("F", bound=Callable[..., Any])

GUARD_MARK = "__convergence_api_guard__"


def guard(fn: F) -> F:
    """Mark ``fn`` as a guard: a view that calls it needs a token."""
    setattr(fn, GUARD_MARK, True)
    return fn


def is_guard(obj: Any) -> bool:
    return bool(getattr(obj, GUARD_MARK, False))


@guard
def require_user() -> Any:
    if not current_user.is_authenticated:
        api_error(401, message="authentication required: send 'Authorization: Bearer <token>'")
    return current_user._get_current_object()


@guard
def require_platform_admin() -> Any:
    user = require_user()
    if not user.is_platform_admin:
        security_event("forbidden", need="platform_admin")
        api_error(403, message="platform administrators only")
    return user
