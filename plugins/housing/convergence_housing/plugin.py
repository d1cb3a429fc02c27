"""The housing plugin: what it declares and the hooks it answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate

from federation.plugins import ConvergencePlugin, NavItem, Widget, hookimpl, permission

DECISION_ADOPTED = "governance.decision_adopted"
PROPOSAL_REJECTED = "governance.proposal_rejected"


class HousingSettings(Schema):
    class Meta:
        unknown = RAISE

    second_look_days = fields.Integer(
        load_default=30,
        validate=validate.Range(1, 365),
        metadata={"label": _l("Délai pour demander un réexamen d'une attribution (jours)")},
    )
    shared_requests = fields.Boolean(
        load_default=False,
        metadata={
            "label": _l(
                "Partager les demandes de logement avec les communes de nos fédérations "
                "qui le font aussi (chaque attribution demande le consentement de la "
                "commune du foyer)"
            )
        },
    )


class HousingPlugin(ConvergencePlugin):
    """Vacant dwellings, requests and allocation decided together, collective acquisition."""

    name = "housing"
    label = _l("Logement")
    description = _l(
        "Logements vacants remis en usage, demandes et attributions décidées ensemble, "
        "acquisition collective, observatoire des loyers, offre et demande entre communes."
    )
    version = "0.1.0"
    settings_schema = HousingSettings

    @hookimpl
    def federation_text_kinds(self):
        from .texts import KINDS

        return KINDS

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "housing.manage",
                _l("Logement : suivre les logements, campagnes, examens"),
                "facilitator",
                "agent",
            ),
            permission(
                "housing.private",
                _l("Logement : voir les propriétaires et les demandes des foyers"),
                "agent",
            ),
        ]

    @hookimpl
    def federation_blueprints(self):
        from convergence_housing.views import bp

        return [bp]

    @hookimpl
    def federation_api_blueprints(self):
        from convergence_housing.api import blp

        return [blp]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem(_l("Logement"), "housing.index", weight=35)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from convergence_housing.widgets import dashboard_widget

        return [
            Widget(_l("Le logement dans la commune"), dashboard_widget(commune, user), weight=35)
        ]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from convergence_housing.supply import indicators

        return indicators(federation, commune_ids)

    @hookimpl
    def federation_event(self, name: str, payload: dict[str, Any], commune):
        if name == DECISION_ADOPTED:
            from convergence_housing.decisions import on_decision_adopted

            on_decision_adopted(payload)
        elif name == PROPOSAL_REJECTED:
            from convergence_housing.decisions import on_proposal_rejected

            on_proposal_rejected(payload)

    @hookimpl
    def federation_cli_commands(self):
        from convergence_housing.cli import housing_cli

        return [housing_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        from convergence_housing.demo import load

        load(commune, users)

    @hookimpl
    def federation_commune_export(self, commune):
        from convergence_housing.transfer import export_commune

        return export_commune()

    @hookimpl
    def federation_commune_import(self, commune, data):
        from convergence_housing.transfer import import_commune

        import_commune(data)

    @hookimpl
    def federation_user_data_export(self, user):
        from convergence_housing.transfer import personal_data

        return personal_data(user)

    @hookimpl
    def federation_user_data_erase(self, user):
        from convergence_housing.transfer import erase_personal_data

        erase_personal_data(user)
