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
    def federation_api_blueprints(self):
        """The core domains' REST blueprints, each with its own ``/api/v1/…`` prefix (the app
        factory registers them as it registers the plugins')."""
        from federation.auth.api import blp as auth_blp
        from federation.governance.api import blp as governance_blp
        from federation.identity.api import blp as identity_blp
        from federation.intercommunal.api import blp as intercommunal_blp
        from federation.jobs.api import blp as jobs_blp
        from federation.journal.api import blp as journal_blp
        from federation.plugins.api import blp as plugins_blp
        from federation.roster.api import blp as roster_blp
        from federation.search.api import blp as search_blp
        from federation.tenancy.api import blp as tenancy_blp

        return [
            tenancy_blp,
            identity_blp,
            auth_blp,
            plugins_blp,
            journal_blp,
            governance_blp,
            intercommunal_blp,
            jobs_blp,
            roster_blp,
            search_blp,
        ]

    @hookimpl
    def federation_verification_methods(self):
        from federation.identity.verification import builtin_methods

        return builtin_methods()
