"""The commune home page's water widget: levels in force, allocations, and the signed-in
person's own allocation — in a constant number of queries."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from convergence_water.services import (
    applied_runs,
    current_lines,
    levels_in_force,
    resources,
    users_of_account,
)


def dashboard_widget(commune: Any, user: Any) -> Markup:
    rows = resources()
    levels = levels_in_force(rows)
    applied = applied_runs()
    mine = []
    if user is not None:
        own = users_of_account(user.id)
        lines = current_lines([u.id for u in own])
        mine = [(u, lines.get(u.id)) for u in own]
    from convergence_water.views import template_labels

    html = render_template(
        "water/widget.html",
        **template_labels(),
        commune=commune,
        resources=rows,
        levels=levels,
        applied=applied,
        mine=mine,
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
