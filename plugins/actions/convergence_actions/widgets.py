"""The commune home page's widget: the campaigns under way and the next events, in one query."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import literal, select

from convergence_actions.models import Campaign, Event
from federation import formatting
from federation.db import db, utcnow


def dashboard_widget(commune: Any, user: Any) -> Markup:
    # one statement: the three latest active campaigns and the three next events (UNION ALL)
    campaigns = (
        select(
            literal("campaign").label("what"),
            Campaign.id,
            Campaign.title,
            literal(None, Event.starts_at.type).label("starts_at"),
        )
        .where(Campaign.status == "active")
        .order_by(Campaign.id.desc())
        .limit(3)
        .subquery()
    )
    upcoming = (
        select(literal("event").label("what"), Event.id, Event.title, Event.starts_at)
        .where(Event.ends_at >= utcnow())
        .order_by(Event.starts_at, Event.id)
        .limit(3)
        .subquery()
    )
    rows = db.session.execute(select(campaigns).union_all(select(upcoming))).all()
    found = [{"id": r[1], "title": r[2], "starts_at": r[3]} for r in rows if r[0] == "campaign"]
    events = [{"id": r[1], "title": r[2], "starts_at": r[3]} for r in rows if r[0] == "event"]
    html = render_template(
        "actions/widget.html",
        commune=commune,
        fmt=formatting,
        campaigns=sorted(found, key=lambda c: -c["id"]),
        upcoming=sorted(events, key=lambda e: (e["starts_at"], e["id"])),
    )
    return Markup(html)  # noqa: S704 - rendered by an autoescaping template
