"""The commune home page's water widget: levels in force, allocations, and the signed-in
person's own allocation — in three queries at most (resources with their
allocation in force, levels, the person's meters with theirs)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from convergence_water.services import levels_in_force, own_allocations, resources_and_applied_runs


def dashboard_widget(commune: Any, user: Any) -> Markup:
    rows, applied = resources_and_applied_runs()
    levels = levels_in_force(rows)
    mine = own_allocations(user.id) if user is not None else []
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
