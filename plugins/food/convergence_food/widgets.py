"""The commune home page's food widget, in a constant number of queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template
from markupsafe import Markup

from convergence_food import contracts, distributions, solidarity


def dashboard_widget(commune: Any, user: Any) -> Markup:
    from convergence_food.views import template_labels

    html = render_template(
        "food/widget.html",
        **template_labels(),
        commune=commune,
        open_contracts=contracts.contracts("open")[:3],
        upcoming=distributions.distributions(upcoming_from=date.today())[:2],
        pot=solidarity.active_pot(),
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
