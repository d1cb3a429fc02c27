"""The commune home page's housing widget: follow-up counts and collective purchases, in one
query."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, literal, select

from convergence_housing.models import DwellingEvent, Project
from federation.db import db


def dashboard_widget(commune: Any, user: Any) -> Markup:
    # the dwellings followed (last status event of each) as two scalar subqueries beside the
    # three latest purchases under way (a row with no project when there is none)
    latest = (
        select(func.max(DwellingEvent.id).label("id"))
        .where(DwellingEvent.field == "status")
        .group_by(DwellingEvent.dwelling_id)
        .subquery()
    )

    def dwellings(*where: Any) -> Any:
        return (
            select(func.count(DwellingEvent.id))
            .join(latest, latest.c.id == DwellingEvent.id)
            .where(*where)
            .scalar_subquery()
        )

    one = select(literal(1).label("one")).subquery()
    rows = db.session.execute(
        select(
            dwellings(),
            dwellings(DwellingEvent.new == "not_followed"),
            Project.id,
            Project.name,
        )
        .select_from(one)
        .outerjoin(Project, Project.status.in_(("campaign", "in_vote")))
        .order_by(Project.id.desc())
        .limit(3)
    ).all()
    total, not_followed = rows[0][0] or 0, rows[0][1] or 0
    html = render_template(
        "housing/widget.html",
        commune=commune,
        counts={"not_followed": not_followed, "followed": total - not_followed},
        projects=[{"id": r[2], "name": r[3]} for r in rows if r[2] is not None],
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
