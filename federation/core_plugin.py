"""The core's own contributions, made through the same hooks a plugin uses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from federation.identity.permissions import ADMIN_PERMISSION, permission
from federation.plugins.base import ConvergencePlugin, hookimpl


class CorePlugin(ConvergencePlugin):
    """Core permissions and verification methods. Always on."""

    name = "core"
    label = _l("Cœur")
    always_on = True

    @hookimpl
    def federation_permissions(self):
        return [
            permission(ADMIN_PERMISSION, _l("Administrer la commune (profil, modules, rôles)")),
            permission(
                "core.members.approve", _l("Valider les demandes d'adhésion"), "facilitator"
            ),
            permission("core.members.roles", _l("Donner et retirer des rôles")),
            permission("core.participate", _l("Participer (proposer, soutenir, voter)"), "member"),
            permission("core.journal.read", _l("Lire le journal public"), "member"),
        ]

    @hookimpl
    def federation_text_kinds(self):
        from federation.core_texts import KINDS

        return KINDS

    @hookimpl
    def federation_verification_methods(self):
        from federation.identity.verification import builtin_methods

        return builtin_methods()
