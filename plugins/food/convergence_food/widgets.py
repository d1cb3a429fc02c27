"""The commune home page's food widget, in two queries: the pot, and the open contracts with
the next distribution."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import literal, select

from convergence_food import solidarity
from convergence_food.models import Contract, Distribution
from federation.db import db


def dashboard_widget(commune: Any, user: Any) -> Markup:
    from convergence_food.views import template_labels

    # one statement: the three latest open contracts and the next distribution (UNION ALL)
    contracts = (
        select(
            literal("contract").label("what"),
            Contract.id,
            Contract.title.label("text"),
            literal(None, Distribution.day.type).label("day"),
        )
        .where(Contract.status == "open")
        .order_by(Contract.id.desc())
        .limit(3)
        .subquery()
    )
    upcoming = (
        select(
            literal("distribution").label("what"),
            Distribution.id,
            Distribution.place.label("text"),
            Distribution.day,
        )
        .where(Distribution.day >= date.today())
        .order_by(Distribution.day, Distribution.starts_at)
        .limit(1)
        .subquery()
    )
    rows = db.session.execute(select(contracts).union_all(select(upcoming))).all()
    html = render_template(
        "food/widget.html",
        **template_labels(),
        commune=commune,
        open_contracts=sorted(
            ({"id": r[1], "title": r[2]} for r in rows if r[0] == "contract"),
            key=lambda c: -c["id"],
        ),
        upcoming=[{"id": r[1], "place": r[2], "day": r[3]} for r in rows if r[0] != "contract"],
        pot=solidarity.active_pot(),
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
