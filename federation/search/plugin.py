"""Search's contributions, made through the hooks like any plugin (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

import federation.search.index  # noqa: F401 - the flush listener that keeps the index in sync
from federation.plugins.base import ConvergencePlugin, hookimpl


class SearchPlugin(ConvergencePlugin):
    """The index of proposals, concerns, decisions, meetings and journal entries."""

    name = "search"
    label = _l("Recherche")
    always_on = True

    @hookimpl
    def federation_search_sources(self):
        from federation.search.sources import core_sources

        return core_sources()

    @hookimpl
    def federation_navigation_items(self, commune, user):
        from federation.plugins.contributions import NavItem

        return [NavItem(_l("Rechercher"), "search.commune_search", weight=90)]

    @hookimpl
    def federation_cli_commands(self):
        from federation.search.cli import search_cli

        return [search_cli]
