"""The commune home page's widget: the stage, the adopted axes and the lists (constant
number of queries)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from convergence_elections import services
from federation import formatting
from federation.governance import stages


def dashboard_widget(commune: Any) -> Markup:
    html = render_template(
        "elections/widget.html",
        commune=commune,
        stage_label=stages.label(stages.current(commune.id)),
        axes=sum(1 for a in services.axes() if a.status == "adopted"),
        lists=services.lists()[:3],
        fmt=formatting,
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
