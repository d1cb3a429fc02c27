"""Extensions that have no per-app state live here; the others are built per app in
:func:`federation.app.create_app` and kept on :class:`ConvergenceState`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from federation.db import db
from federation.identity.permissions import PermissionRegistry
from federation.plugins.manager import ConvergencePluginManager

__all__ = ["Babel", "CSRFProtect", "ConvergenceState", "LoginManager", "db"]


@dataclass
class ConvergenceState:
    """What ``create_app`` builds once per app: ``app.extensions["convergence"]``."""

    pm: ConvergencePluginManager
    permissions: PermissionRegistry
    api: Any = None
    limiter: Any = None
    csrf: Any = None
    queue: Any = None
    redis: Any = None
    mailer: Any = None
    locales: tuple[str, ...] = ("fr", "en")
    #: voting methods by name, from the federation_voting_methods hook
    voting_methods: dict[str, Any] = field(default_factory=dict)
    #: plugin name → its web/API blueprint names (for the per-commune 404 guard)
    plugin_blueprints: dict[str, str] = field(default_factory=dict)
    #: federation page blueprints (``/f/<federation>/<plugin>/``) → their plugin
    plugin_federation_blueprints: dict[str, str] = field(default_factory=dict)
    instance: str = "demo"
