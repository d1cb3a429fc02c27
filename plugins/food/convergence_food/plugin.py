"""The food plugin: what it declares and the hooks it answers (its wiring, in one class)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate

from federation.plugins import ConvergencePlugin, NavItem, Widget, hookimpl, permission

DECISION_ADOPTED = "governance.decision_adopted"
PROPOSAL_REJECTED = "governance.proposal_rejected"


class FoodSettings(Schema):
    """The commune's food policy. Who may ask for the solidarity price is decided by the
    food circle's vote (a proposal carrying a policy), which writes it here."""

    class Meta:
        unknown = RAISE

    aid_open_to = fields.String(
        load_default="granted",
        validate=validate.OneOf(["granted", "members"]),
        metadata={
            "label": _l("Qui peut souscrire au prix solidaire"),
            "description": _l(
                "granted (demandes accordées par le cercle) ou members (tout membre)"
            ),
        },
    )
    rota_roles = fields.String(
        load_default="accueil:2,distribution:2",
        validate=validate.Length(max=200),
        metadata={
            "label": _l("Rôles et effectifs d'une distribution (rôle:nombre, …)"),
        },
    )


class FoodPlugin(ConvergencePlugin):
    """Producers, season contracts and baskets, solidarity pot, distributions, land."""

    name = "food"
    label = _l("Alimentation")
    description = _l(
        "Producteur·rices et maraîcher·es, contrats de saison et paniers à prix solidaire, "
        "pot solidaire, distributions et leur équipe, terres pour les nouvelles installations."
    )
    version = "0.1.0"
    settings_schema = FoodSettings

    @hookimpl
    def federation_text_kinds(self):
        from .constants import ROSTER_TITLES
        from .texts import KINDS

        return {**KINDS, **ROSTER_TITLES}  # the shifts' titles are text kinds too

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "food.manage",
                _l("Alimentation : gérer producteur·rices, contrats, distributions, terres"),
                "facilitator",
                "agent",
            ),
        ]

    @hookimpl
    def federation_blueprints(self):
        from convergence_food.views import bp

        return [bp]

    @hookimpl
    def federation_api_blueprints(self):
        from convergence_food.api import blp

        return [blp]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem(_l("Alimentation"), "food.index", weight=35)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from convergence_food.widgets import dashboard_widget

        return [Widget(_l("Se nourrir ensemble"), dashboard_widget(commune, user), weight=35)]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from convergence_food.indicators import indicators

        return indicators(federation, commune_ids)

    @hookimpl
    def federation_event(self, name: str, payload: dict[str, Any], commune):
        if name == DECISION_ADOPTED:
            from convergence_food.decisions import on_decision_adopted

            on_decision_adopted(payload)
        elif name == PROPOSAL_REJECTED:
            from convergence_food.decisions import on_proposal_rejected

            on_proposal_rejected(payload)

    @hookimpl
    def federation_plugin_enabled(self, commune, plugin_name: str):
        """Create the commune's solidarity pot when the plugin is switched on (so that
        concurrent first movements find one row to lock)."""
        if plugin_name == self.name:
            from convergence_food.solidarity import pot

            pot(create=True)

    @hookimpl
    def federation_roster_source_link(self, commune, source_kind: str, source_ref: str):
        """The distribution (food.distribution) or the producer (food.harvest) a roster
        shift belongs to."""
        from convergence_food.constants import HARVEST_SOURCE, ROSTER_SOURCE

        if source_kind not in (ROSTER_SOURCE, HARVEST_SOURCE) or not str(source_ref).isdigit():
            return None
        if source_kind == HARVEST_SOURCE:
            from convergence_food.services import producer_link

            return producer_link(commune, int(source_ref))
        from convergence_food.distributions import distribution_link

        return distribution_link(commune, int(source_ref))

    @hookimpl
    def federation_cli_commands(self):
        from convergence_food.cli import food_cli

        return [food_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        from convergence_food.demo import load

        load(commune, users)

    @hookimpl
    def federation_commune_export(self, commune):
        from convergence_food.transfer import export_commune

        return export_commune()

    @hookimpl
    def federation_commune_import(self, commune, data):
        from convergence_food.transfer import import_commune

        import_commune(data)

    @hookimpl
    def federation_user_data_export(self, user):
        from convergence_food.transfer import personal_data

        return personal_data(user)

    @hookimpl
    def federation_user_data_erase(self, user):
        from convergence_food.transfer import erase_personal_data

        erase_personal_data(user)

    @hookimpl
    def federation_search_sources(self):
        from convergence_food.models import Producer
        from federation.search import SearchSource

        return [
            SearchSource(
                kind="food.producer",
                model=Producer,
                label=_l("Producteur·rice"),
                title=lambda p: p.name,
                text=lambda p: f"{p.description} {p.how_to_buy}",
                url=lambda commune, ref: f"/c/{commune}/food/producers/{ref}",
            )
        ]
