"""The public plugin API: what a plugin imports from the core."""

from federation.identity.permissions import Permission, permission
from federation.plugins.base import ConvergencePlugin, hookimpl
from federation.plugins.contributions import (
    Indicator,
    NavItem,
    Threshold,
    TodoItem,
    VerificationMethod,
    Widget,
)

__all__ = [
    "ConvergencePlugin",
    "Indicator",
    "NavItem",
    "Permission",
    "Threshold",
    "TodoItem",
    "VerificationMethod",
    "Widget",
    "hookimpl",
    "permission",
]
