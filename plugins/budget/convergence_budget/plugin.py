"""The budget plugin: what it gives the framework, through the public hooks only."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from federation.plugins import ConvergencePlugin, NavItem, Widget, hookimpl, permission

from . import models  # noqa: F401  (the tables, for the metadata)

DECISION_ADOPTED = "governance.decision_adopted"
#: expected from the intercommunal module (see services.book_pooled_contribution)
POOLED_PROJECT_RATIFIED = "intercommunal.pooled_project_ratified"


class BudgetPlugin(ConvergencePlugin):
    """Budget lines and spending in the open, participatory budgeting, pooled funding."""

    name = "budget"
    label = _l("Budget")
    description = _l(
        "Le budget de la commune en clair, le budget participatif (parts égales, glouton), "
        "les financements intercommunaux mutualisés."
    )
    version = "0.1.0"

    @property
    def settings_schema(self):  # type: ignore[override]
        from .schemas import BudgetSettings

        return BudgetSettings

    @hookimpl
    def federation_text_kinds(self):
        from .texts import KINDS

        return KINDS

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "budget.manage",
                _l("Gérer le budget : lignes, import, dépenses, budgets participatifs"),
                "agent",
                "elected",
            ),
            permission(
                "budget.review",
                _l("Étudier la faisabilité et le coût des projets du budget participatif"),
                "agent",
            ),
            permission(
                "budget.attach",
                _l("Rattacher une dépense à une proposition"),
                "agent",
                "elected",
                "facilitator",
            ),
        ]

    @hookimpl
    def federation_blueprints(self):
        from .views import bp

        return [bp]

    @hookimpl
    def federation_api_blueprints(self):
        from .api import blp

        return [blp]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [
            NavItem(_l("Budget"), "budget.index", weight=30),
            NavItem(_l("Budget participatif"), "budget.pb_index", weight=31),
        ]

    @hookimpl
    def federation_stage_offers(self, commune, stage):
        """The municipal budget from "in office" on (and where no stage is declared)."""
        from federation.governance.stages import reached

        if not reached(stage, "in_office"):
            return []
        return [NavItem(_l("Budget"), "budget.index", weight=30)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from flask import render_template
        from markupsafe import Markup

        from .indicators import home_summary

        summary = home_summary()  # one query
        if summary is None:
            return []
        return [
            Widget(
                _l("Budget de la commune"),
                # the template is autoescaped: its output is safe HTML
                Markup(render_template("budget/_widget.html", s=summary)),  # noqa: S704
                weight=20,
            )
        ]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from .indicators import indicators

        return indicators(commune_ids)

    @hookimpl
    def federation_event(self, name: str, payload: dict[str, Any], commune):
        from . import services

        if name == DECISION_ADOPTED:
            services.on_decision_adopted(payload, commune)
        elif name == POOLED_PROJECT_RATIFIED:
            services.on_pooled_project_ratified(payload, commune)

    @hookimpl
    def federation_cli_commands(self):
        from .cli import budget_cli

        return [budget_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        from .demo import load

        load(commune, users)

    @hookimpl
    def federation_commune_export(self, commune):
        from .transfer import export_commune

        return export_commune()

    @hookimpl
    def federation_commune_import(self, commune, data):
        from .transfer import import_commune

        import_commune(commune, data)

    @hookimpl
    def federation_user_data_export(self, user):
        from .transfer import user_data

        return user_data(user)

    @hookimpl
    def federation_user_data_erase(self, user):
        from .transfer import erase_user

        erase_user(user)
