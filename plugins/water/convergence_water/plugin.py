"""The water plugin: what it declares and the hooks it answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from convergence_water.constants import CATEGORIES, DEFAULT_PRIORITY
from federation.plugins import ConvergencePlugin, NavItem, Widget, hookimpl, permission

DECISION_ADOPTED = "governance.decision_adopted"
PROPOSAL_REJECTED = "governance.proposal_rejected"
BASIN_ADOPTED = "intercommunal.proposal_adopted"
BASIN_REJECTED = "intercommunal.proposal_rejected"


def _valid_priority(value: str) -> None:
    items = [item.strip() for item in value.split(",") if item.strip()]
    if sorted(items) != sorted(CATEGORIES):
        raise ValidationError(
            str(_l("Chaque usage une fois, séparés par des virgules : %(c)s", c=DEFAULT_PRIORITY))
        )


class WaterSettings(Schema):
    """The commune's water policy (editable by the water circle from the rules page)."""

    class Meta:
        unknown = RAISE

    vital_litres = fields.Integer(
        load_default=50,
        validate=validate.Range(10, 1000),
        metadata={
            "label": _l("Volume vital par personne (litres par jour)"),
            "description": _l("Servi avant tout autre usage, jamais réduit par les restrictions."),
        },
    )
    priority = fields.String(
        load_default=DEFAULT_PRIORITY,
        validate=_valid_priority,
        metadata={
            "label": _l("Ordre de priorité des usages après les besoins vitaux"),
            "description": _l(
                "drinking (eau potable), livestock (bétail), irrigation (cultures vivrières), "
                "economic (activité), leisure (loisirs), séparés par des virgules"
            ),
        },
    )
    apply_without_vote = fields.Boolean(
        load_default=False,
        metadata={
            "label": _l("Appliquer les allocations recalculées sans vote du cercle"),
        },
    )
    overuse_tolerance_pct = fields.Integer(
        load_default=10,
        validate=validate.Range(0, 100),
        metadata={"label": _l("Tolérance avant une alerte de dépassement (%)")},
    )


class WaterPlugin(ConvergencePlugin):
    """Shared water resources, needs, drought levels, fair allocation, readings, balance."""

    name = "water"
    label = _l("Eau")
    description = _l(
        "Ressources en eau partagées, besoins, niveaux de sécheresse et restrictions, "
        "partage équitable en cas de pénurie, relevés de compteurs, bilan du bassin versant."
    )
    version = "0.1.0"
    settings_schema = WaterSettings

    @hookimpl
    def federation_text_kinds(self):
        from .basin_texts import BASIN_KINDS
        from .texts import KINDS

        return {**KINDS, **BASIN_KINDS}

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "water.manage",
                _l("Eau : gérer ressources, usager·es, niveaux, règles et allocations"),
                "facilitator",
                "agent",
            ),
            permission(
                "water.households",
                _l("Eau : voir les données personnelles des foyers"),
                "facilitator",
                "agent",
            ),
            permission(
                "water.readings",
                _l("Eau : saisir et importer les relevés de tous les compteurs"),
                "agent",
                "facilitator",
            ),
        ]

    @hookimpl
    def federation_blueprints(self):
        from convergence_water.basin_views import bp as _basin_pages  # noqa: F401 (routes)
        from convergence_water.views import bp

        return [bp]

    @hookimpl
    def federation_federation_blueprints(self):
        from convergence_water.basin_views import basin_bp

        return [basin_bp]

    @hookimpl
    def federation_api_blueprints(self):
        from convergence_water import basin_api  # noqa: F401 (its routes join the blueprint)
        from convergence_water.api import blp

        return [blp]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem(_l("Eau"), "water.index", weight=30)]

    @hookimpl
    def federation_federation_navigation_items(self, federation, user):
        return [NavItem(_l("Partage de l'eau du bassin"), "water_basin.overview", weight=30)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from convergence_water.widgets import dashboard_widget

        html = dashboard_widget(commune, user)
        return [Widget(_l("L'eau de la commune"), html, weight=30)]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from convergence_water.balance import indicators

        return indicators(federation, commune_ids)

    @hookimpl
    def federation_event(self, name: str, payload: dict[str, Any], commune):
        if name == DECISION_ADOPTED:
            from convergence_water.decisions import on_decision_adopted

            on_decision_adopted(payload)
        elif name == PROPOSAL_REJECTED:
            from convergence_water.decisions import on_proposal_rejected

            on_proposal_rejected(payload)
        elif name in (BASIN_ADOPTED, BASIN_REJECTED):
            from convergence_water.basin import on_federation_decided

            on_federation_decided(name, payload, commune)

    @hookimpl
    def federation_cli_commands(self):
        from convergence_water import basin_cli  # noqa: F401 (its commands join the group)
        from convergence_water.cli import water_cli

        return [water_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        from convergence_water.demo import load

        load(commune, users)

    @hookimpl
    def federation_commune_export(self, commune):
        from convergence_water.transfer import export_commune

        return export_commune()

    @hookimpl
    def federation_commune_import(self, commune, data):
        from convergence_water.transfer import import_commune

        import_commune(data)

    @hookimpl
    def federation_user_data_export(self, user):
        from convergence_water.transfer import personal_data

        return personal_data(user)

    @hookimpl
    def federation_user_data_erase(self, user):
        from convergence_water.transfer import erase_personal_data

        erase_personal_data(user)
