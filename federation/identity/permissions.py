"""Roles are named sets of permissions; the core and every plugin declare permissions.

Each :class:`Permission` names the commune roles that hold it by default. A commune
may change the table (:class:`~federation.identity.models.CommuneRolePermission`),
except that the commune admin always keeps ``core.admin`` so nobody locks a commune out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

COMMUNE_ROLES: dict[str, object] = {
    "member": _l("habitant·e"),
    "facilitator": _l("facilitateur·rice"),
    "guarantor": _l("garant·e de la gouvernance"),
    "secretary": _l("secrétaire"),
    "elected": _l("élu·e"),
    "agent": _l("agent·e municipal·e"),
    "admin": _l("administrateur·rice de la commune"),
}
FEDERATION_ROLES: dict[str, object] = {
    "coordinator": _l("coordinateur·rice"),
    "delegate": _l("délégué·e"),
}
#: the permission that can never be withdrawn from the commune admin role
ADMIN_PERMISSION = "core.admin"


@dataclass(frozen=True)
class Permission:
    """A permission a plugin (or the core) declares through ``federation_permissions``."""

    name: str
    label: object
    default_roles: frozenset[str] = field(default_factory=frozenset)
    plugin: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.default_roles) - set(COMMUNE_ROLES)
        if unknown:
            raise ValueError(f"permission {self.name}: unknown roles {sorted(unknown)}")
        if "." not in self.name:
            raise ValueError(f"permission {self.name!r} must be namespaced like 'water.manage'")


def permission(name: str, label: object, *roles: str) -> Permission:
    """Shorthand used in hook implementations: ``permission("water.manage", _l("…"), "agent")``."""
    return Permission(name=name, label=label, default_roles=frozenset(roles) | {"admin"})


class PermissionRegistry:
    """All permissions known to this app, collected once at start-up."""

    def __init__(self, permissions: Iterable[Permission] = ()) -> None:
        self._by_name: dict[str, Permission] = {}
        for perm in permissions:
            self.add(perm)

    def add(self, perm: Permission) -> None:
        if perm.name in self._by_name and self._by_name[perm.name] != perm:
            raise ValueError(f"permission {perm.name} is declared twice")
        self._by_name[perm.name] = perm

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Permission:
        return self._by_name[name]

    def all(self) -> list[Permission]:
        return sorted(self._by_name.values(), key=lambda p: p.name)

    def default_table(self) -> dict[str, set[str]]:
        """role → permissions held by default."""
        table: dict[str, set[str]] = {role: set() for role in COMMUNE_ROLES}
        for perm in self._by_name.values():
            for role in perm.default_roles:
                table[role].add(perm.name)
        return table

    def effective_table(self, overrides: Iterable[tuple[str, str, bool]]) -> dict[str, set[str]]:
        """Apply a commune's (role, permission, granted) overrides to the defaults."""
        table = self.default_table()
        for role, perm_name, granted in overrides:
            if role not in table or perm_name not in self._by_name:
                continue
            if granted:
                table[role].add(perm_name)
            elif not (role == "admin" and perm_name == ADMIN_PERMISSION):
                table[role].discard(perm_name)
        return table
