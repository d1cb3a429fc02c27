"""The calendar's contributions, made through the hooks like any plugin (always on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

import federation.calendar.models  # noqa: F401 - the places table
from federation.plugins.base import ConvergencePlugin, hookimpl


class CalendarPlugin(ConvergencePlugin):
    """A commune's and a person's month, its feed, its places on an optional map."""

    name = "calendar"
    label = _l("Calendrier")
    always_on = True

    @hookimpl
    def federation_navigation_items(self, commune, user):
        from federation.plugins.contributions import NavItem

        return [
            NavItem(_l("Calendrier"), "calendar.commune_month", weight=45),
            NavItem(_l("Lieux"), "calendar.places", weight=46),
        ]
