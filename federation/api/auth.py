"""Authentication helpers for API views (permission checks: identity.decorators)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from federation.api import api_error
from federation.identity.decorators import check_permission, require_permission
from federation.security import security_event


def require_user() -> Any:
    if not current_user.is_authenticated:
        api_error(401, message="authentication required: send 'Authorization: Bearer <token>'")
    return current_user._get_current_object()


def require_platform_admin() -> Any:
    user = require_user()
    if not user.is_platform_admin:
        security_event("forbidden", need="platform_admin")
        api_error(403, message="platform administrators only")
    return user


check_api_permission = check_permission
api_permission = require_permission
