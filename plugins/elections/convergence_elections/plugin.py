"""The elections plugin: its metadata and its hooks (reference: federation/hookspecs.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate

from convergence_elections import models  # noqa: F401  (the tables, for the metadata)
from federation.plugins import (
    ConvergencePlugin,
    Indicator,
    NavItem,
    Widget,
    hookimpl,
    permission,
)

DECISION_ADOPTED = "governance.decision_adopted"
PROPOSAL_REJECTED = "governance.proposal_rejected"


class ElectionsSettings(Schema):
    class Meta:
        unknown = RAISE

    intro = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"label": _l("Texte d'introduction de la page")},
    )


class ElectionsPlugin(ConvergencePlugin):
    """From movement to town hall: programme, participatory parity list, filing, sortition."""

    name = "elections"
    label = _l("Élections")
    description = _l(
        "Le programme de la convergence, une liste citoyenne et participative à parité "
        "alternée pour l'élection municipale, son dépôt en préfecture, et le tirage au sort "
        "vérifiable."
    )
    version = "0.1.0"
    settings_schema = ElectionsSettings

    @hookimpl
    def federation_permissions(self):
        return [
            permission(
                "elections.manage",
                _l("Élections : conduire le programme, la liste et les tirages au sort"),
                "facilitator",
            ),
        ]

    @hookimpl
    def federation_blueprints(self):
        from convergence_elections.views import bp

        return [bp]

    @hookimpl
    def federation_api_blueprints(self):
        from convergence_elections.api import api

        return [api]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem(_l("Élections"), "elections.index", weight=60)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from convergence_elections.widgets import dashboard_widget

        return [Widget(_l("Vers la mairie"), dashboard_widget(commune), weight=60)]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from convergence_elections import services

        counts = services.counts_by_commune(commune_ids)
        return [
            Indicator("elections.axes", _l("Axes de programme adoptés"), counts["axes"]),
            Indicator(
                "elections.candidacies",
                _l("Candidatures aux listes citoyennes"),
                counts["candidacies"],
                counts_people=True,
            ),
        ]

    @hookimpl
    def federation_stage_offers(self, commune, stage):
        from federation.governance.stages import reached

        offers = [NavItem(_l("Programme et suivi"), "elections.programme", weight=60)]
        if stage is None or not reached(stage, "in_office"):  # the movement's time
            offers.append(NavItem(_l("Liste citoyenne et tirages au sort"), "elections.index"))
            offers.append(NavItem(_l("Rejoindre la convergence"), "web.join_commune", weight=10))
            offers.append(
                NavItem(_l("Trésorerie du mouvement"), "elections.treasury_page", weight=30)
            )
        if reached(stage, "in_office"):  # the institutions, opened to everyone
            offers.append(
                NavItem(_l("Instances, réunions et ordres du jour"), "governance.body_list", 20)
            )
        return offers

    @hookimpl
    def federation_text_kinds(self):
        from convergence_elections.texts import KINDS

        return KINDS

    @hookimpl
    def federation_event(self, name: str, payload: dict[str, Any], commune):
        from convergence_elections import services

        if name == DECISION_ADOPTED:
            services.on_decision_adopted(payload)
        elif name == PROPOSAL_REJECTED:
            services.on_proposal_rejected(payload)

    @hookimpl
    def federation_cli_commands(self):
        from convergence_elections.cli import elections_cli

        return [elections_cli]

    @hookimpl
    def federation_demo_data(self, commune, users):
        from convergence_elections.demo import load

        load(commune, users)

    @hookimpl
    def federation_commune_export(self, commune):
        from convergence_elections.transfer import export_commune

        return export_commune()

    @hookimpl
    def federation_commune_import(self, commune, data):
        from convergence_elections.transfer import import_commune

        import_commune(data)

    @hookimpl
    def federation_user_data_export(self, user):
        from convergence_elections.transfer import personal_data

        return personal_data(user)

    @hookimpl
    def federation_user_data_erase(self, user):
        from convergence_elections.transfer import erase_personal_data

        erase_personal_data(user)
