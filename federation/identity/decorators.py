"""``require_permission("water.manage")``: one decorator for web views and API views."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from federation.api import api_error
from federation.api.auth import guard
from federation.identity.services import has_permission, registry
from federation.security import is_api_request, security_event


@guard
def check_permission(name: str, commune: Any = None) -> Any:
    """Return the current user if they hold ``name`` in the commune, else stop the request.

    A visitor is sent to the login page (401 JSON on the API); a signed-in user without
    the permission gets 403. The permission must be declared (KeyError otherwise).
    """
    if name not in registry():
        raise KeyError(f"undeclared permission {name!r}")
    commune = commune if commune is not None else g.get("commune")
    if not current_user.is_authenticated:
        if is_api_request():
            api_error(401, message="authentication required")
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    if not has_permission(current_user, name, commune.id if commune else None):
        security_event("forbidden", permission=name)
        if is_api_request():
            api_error(403, message=f"permission {name} required")
        abort(403)
    return current_user._get_current_object()


def require_permission(name: str):
    def decorator(fn):
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_permission(name)
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def login_required_here() -> Any:
    if not current_user.is_authenticated:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    return current_user._get_current_object()
