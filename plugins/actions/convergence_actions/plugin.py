"""The actions plugin: what it declares and the hooks it answers (its wiring, in one class)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from convergence_actions.schemas import ActionsSettings
from federation.plugins import ConvergencePlugin, NavItem, Widget, hookimpl, permission

DECISION_ADOPTED = "governance.decision_adopted"


class ActionsPlugin(ConvergencePlugin):
    """Campaigns mandated by the assembly, events, places and cooperatives."""

    name = "actions"
    label = _l("Actions collectives")
    description = _l(
        "Campagnes mandatées par l'assemblée et rendues à elle, actions avec inscriptions, "
        "liste d'attente et rôles, lieux communs et coopératives, campagnes fédérales."
    )
    version = "0.1.0"
    settings_schema = ActionsSettings

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "actions.organise",
                _l("Actions collectives : organiser campagnes, actions, lieux et projets"),
                "facilitator",
                "agent",
            ),
        ]

    @hookimpl
    def federation_blueprints(self):
        from convergence_actions.views import bp

        return [bp]

    @hookimpl
    def federation_federation_blueprints(self):
        from convergence_actions.federation_views import bp

        return [bp]

    @hookimpl
    def federation_federation_navigation_items(self, federation, user):
        return [NavItem(_l("Campagnes fédérales"), "actions_federation.campaigns", weight=40)]

    @hookimpl
    def federation_api_blueprints(self):
        from convergence_actions.api import blp

        return [blp]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem(_l("Actions collectives"), "actions.index", weight=40)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from convergence_actions.widgets import dashboard_widget

        return [Widget(_l("Agir ensemble"), dashboard_widget(commune, user), weight=40)]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from convergence_actions.indicators import indicators

        return indicators(federation, commune_ids)

    @hookimpl
    def federation_text_kinds(self):
        from convergence_actions.texts import KINDS

        return KINDS

    @hookimpl
    def federation_event(self, name: str, payload: dict[str, Any], commune):
        if name == DECISION_ADOPTED:
            from convergence_actions.services import on_decision_adopted

            on_decision_adopted(payload)

    @hookimpl
    def federation_roster_source_link(self, commune, source_kind: str, source_ref: str):
        from convergence_actions.events import ROSTER_SOURCE, event_link

        if source_kind != ROSTER_SOURCE or not str(source_ref).isdigit():
            return None
        return event_link(commune, int(source_ref))

    @hookimpl
    def federation_cli_commands(self):
        from convergence_actions.cli import actions_cli

        return [actions_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        from convergence_actions.demo import load

        load(commune, users)

    @hookimpl
    def federation_commune_export(self, commune):
        from convergence_actions.transfer import export_commune

        return export_commune()

    @hookimpl
    def federation_commune_import(self, commune, data):
        from convergence_actions.transfer import import_commune

        import_commune(data)

    @hookimpl
    def federation_user_data_export(self, user):
        from convergence_actions.transfer import personal_data

        return personal_data(user)

    @hookimpl
    def federation_user_data_erase(self, user):
        from convergence_actions.transfer import erase_personal_data

        erase_personal_data(user)
