"""The roster's contributions, made through the hooks like any plugin (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

import federation.roster.models  # noqa: F401 - the tables belong to the core's metadata
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
        from federation.plugins.services import commune_hooks
        from federation.roster.services import get_shift

        shift = get_shift(payload["shift_id"])
        commune_hooks(commune.id).federation_roster_shift_attended(
            commune=commune, shift=shift, user_ids=list(payload["attended_user_ids"])
        )
