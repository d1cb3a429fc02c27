"""Intercommunal coordination's contributions through the hooks (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

import federation.intercommunal.cache  # noqa: F401 - registers the cache invalidation
from federation.plugins.base import ConvergencePlugin, hookimpl


class IntercommunalPlugin(ConvergencePlugin):
    """Ratification of federation proposals by the member assemblies."""

    name = "intercommunal"
    label = _l("Coordination intercommunale")
    always_on = True

    @hookimpl
    def federation_event(self, name, payload, commune):
        """A member assembly decided a proposal sent by a federation."""
        if name not in ("governance.decision_adopted", "governance.proposal_rejected"):
            return
        link = (payload.get("extra") or {}).get("intercommunal")
        if not link:
            return
        from federation.intercommunal.ratification import answer

        answer(commune.id, payload["proposal_id"], ratified=name == "governance.decision_adopted")

    @hookimpl
    def federation_text_kinds(self):
        from federation.intercommunal.texts import KINDS

        return KINDS

    @hookimpl
    def federation_cli_commands(self):
        from federation.intercommunal.cli import intercommunal_cli

        return [intercommunal_cli]
