"""The plugin: its metadata and the hooks it answers (the reference: federation/hookspecs.py)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from convergence_mobility.schemas import MobilitySettings
from federation.plugins import (
    ConvergencePlugin,
    Indicator,
    NavItem,
    Widget,
    hookimpl,
    permission,
)


class MobilityPlugin(ConvergencePlugin):
    """Mobilité."""

    name = "mobility"
    label = _l("Mobilité")
    description = _l("Un module thématique de la commune : Mobilité.")
    version = "0.1.0"
    settings_schema = MobilitySettings

    @hookimpl
    def federation_permissions(self):
        return [permission("mobility.write", _l("Mobilité : ajouter des entrées"), "member")]

    @hookimpl
    def federation_blueprints(self):
        from convergence_mobility.views import bp

        return [bp]

    @hookimpl
    def federation_api_blueprints(self):
        from convergence_mobility.api import api

        return [api]

    @hookimpl
    def federation_navigation_items(self, commune, user):
        return [NavItem(_l("Mobilité"), "mobility.index", weight=60)]

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        from convergence_mobility import services

        items = services.items()[:5]
        html = render_template("mobility/widget.html", items=items, commune=commune)
        return [Widget(_l("Mobilité"), html, weight=60)]

    @hookimpl
    def federation_indicators(self, federation, commune_ids):
        from convergence_mobility import services

        counts = services.counts_by_commune(commune_ids)
        return [Indicator("mobility.items", _l("Mobilité : entrées"), counts, unit="")]

    @hookimpl
    def federation_roster_source_link(self, commune, source_kind, source_ref):
        from convergence_mobility import services
        from federation.db import db

        if source_kind != services.PARADE:
            return None
        route = db.session.get(services.Item, int(source_ref))
        return (route.title, f"/c/{commune.slug}/mobility/") if route else None
