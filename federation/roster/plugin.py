"""The roster's contributions, made through the hooks like any plugin (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

import federation.roster.models
import federation.tenancy.federation_data  # noqa: F401 - shared rows: table and ORM rule
from federation.identity.permissions import permission
from federation.plugins.base import ConvergencePlugin, hookimpl


class RosterPlugin(ConvergencePlugin):
    """Shifts, sign-ups, attendance, duties and their ledger."""

    name = "roster"
    label = _l("Tours de rôle")
    always_on = True

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "roster.manage",
                _l("Organiser les créneaux : ouvrir, annuler, relever les présences"),
                "facilitator",
            ),
            permission(
                "roster.duty",
                _l("Fixer le tour de rôle, accorder dispenses et congés"),
                "facilitator",
            ),
        ]

    @hookimpl
    def federation_event(self, name, payload, commune):
        """Turn the roster's attendance event into the plugins' hook."""
        if name != "roster.attendance_recorded" or not payload.get("attended_user_ids"):
            return
        from federation.plugins.services import call_in_commune
        from federation.roster.services import get_shift

        shift = get_shift(payload["shift_id"])
        # each plugin in a savepoint: one that raises is logged and undone, the others run
        call_in_commune(
            commune.id,
            "federation_roster_shift_attended",
            savepoint=True,
            commune=commune,
            shift=shift,
            user_ids=list(payload["attended_user_ids"]),
        )

    @hookimpl
    def federation_navigation_items(self, commune, user):
        from federation.plugins.contributions import NavItem

        return [NavItem(_l("Créneaux"), "roster.index", weight=40)]

    @hookimpl
    def federation_user_data_export(self, user):
        from federation.roster.personal import export

        return export(user.id)

    @hookimpl
    def federation_user_data_erase(self, user):
        from federation.roster.personal import erase

        erase(user.id)

    @hookimpl
    def federation_demo_data(self, commune, users):
        from federation.roster.demo import load

        load(commune, users)

    @hookimpl
    def federation_text_kinds(self):
        from federation.roster.texts import KINDS

        return KINDS

    @hookimpl
    def federation_cli_commands(self):
        from federation.roster.cli import roster_cli

        return [roster_cli]
