"""The commune home page's housing widget: follow-up counts and collective purchases, in a
constant number of queries."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from convergence_housing.collective import projects
from convergence_housing.services import flow_counts, status_counts


def dashboard_widget(commune: Any, user: Any) -> Markup:
    html = render_template(
        "housing/widget.html",
        commune=commune,
        counts=status_counts(),
        flows=flow_counts(),
        projects=[p for p in projects() if p.status in ("campaign", "in_vote")][:3],
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
