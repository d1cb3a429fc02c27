"""The commune home page's widget: the stage, the adopted axes and the lists, in one query."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, literal, select, true

from convergence_elections.models import Axis, ElectionList
from federation import formatting
from federation.db import db
from federation.governance import stages


def dashboard_widget(commune: Any) -> Markup:
    # one statement: the stage and the count as scalar subqueries beside the three latest
    # lists (a row with no list when there is none)
    stage = (
        select(stages.StageChange.stage)
        .where(stages.StageChange.commune_id == commune.id)
        .order_by(stages.StageChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    adopted = select(func.count(Axis.id)).where(Axis.status == "adopted").scalar_subquery()
    one = select(literal(1).label("one")).subquery()
    rows = db.session.execute(
        select(stage, adopted, ElectionList.id, ElectionList.title)
        .select_from(one)
        .outerjoin(ElectionList, true())
        .order_by(ElectionList.id.desc())
        .limit(3)
    ).all()
    html = render_template(
        "elections/widget.html",
        commune=commune,
        stage_label=stages.label(rows[0][0]),
        axes=rows[0][1] or 0,
        lists=[{"id": r[2], "title": r[3]} for r in rows if r[2] is not None],
        fmt=formatting,
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
