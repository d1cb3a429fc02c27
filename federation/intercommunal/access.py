"""Who may act for a federation: its coordinators (and platform administrators)."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from federation.api import api_error
from federation.api.auth import guard
from federation.identity.services import federation_roles_of
from federation.security import is_api_request, security_event


def is_coordinator(user: Any, federation_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_platform_admin or "coordinator" in federation_roles_of(user.id, federation_id)


@guard
def require_coordinator() -> Any:
    federation = g.federation
    if not current_user.is_authenticated:
        if is_api_request():
            api_error(401, message="authentication required")
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    if not is_coordinator(current_user, federation.id):
        security_event("forbidden", need="coordinator", federation=federation.id)
        if is_api_request():
            api_error(403, message="coordinators of this federation only")
        abort(403)
    return current_user._get_current_object()
