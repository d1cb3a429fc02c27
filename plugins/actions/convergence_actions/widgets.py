"""The commune home page's widget: the campaigns under way and the next events, in a
constant number of queries."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from convergence_actions import events, services
from federation import formatting
from federation.db import utcnow


def dashboard_widget(commune: Any, user: Any) -> Markup:
    upcoming = events.events(upcoming_from=utcnow(), limit=3)
    html = render_template(
        "actions/widget.html",
        commune=commune,
        fmt=formatting,
        campaigns=services.campaigns("active", limit=3),
        upcoming=upcoming,
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
