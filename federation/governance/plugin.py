"""Governance's contributions, made through the hooks like any plugin (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from federation.identity.permissions import permission
from federation.plugins.base import ConvergencePlugin, hookimpl


class GovernancePlugin(ConvergencePlugin):
    """Assemblies, circles, mandates, meetings, concerns, proposals, votes, decisions."""

    name = "governance"
    label = _l("Gouvernance")
    always_on = True

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "gov.facilitate",
                _l("Faciliter : ouvrir délibérations et votes, fusionner, modérer, convoquer"),
                "facilitator",
            ),
            permission(
                "gov.minutes",
                _l("Tenir les comptes rendus et les présences"),
                "secretary",
                "facilitator",
            ),
            permission("gov.bodies", _l("Créer et archiver des cercles"), "facilitator"),
            permission(
                "gov.mandates", _l("Enregistrer mandats et révocations"), "facilitator", "guarantor"
            ),
            permission(
                "gov.follow_up",
                _l("Suivre la réalisation des décisions"),
                "agent",
                "elected",
                "facilitator",
            ),
        ]

    @hookimpl
    def federation_text_kinds(self):
        from federation.governance.texts import KINDS

        return KINDS

    @hookimpl
    def federation_voting_methods(self):
        from federation.governance.voting import builtin_methods

        return builtin_methods()

    @hookimpl
    def federation_communes_created(self, communes):
        from federation.governance.bodies import create_assemblies

        create_assemblies(communes)

    @hookimpl
    def federation_demo_data(self, commune, users):
        from federation.governance.demo import load

        load(commune, users)

    @hookimpl
    def federation_cli_commands(self):
        from federation.governance.cli import governance_cli

        return [governance_cli]
