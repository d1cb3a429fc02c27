"""The plugin's logic: the one path every page, API call or command goes through.

No Flask request here. The caller commits (a page with ``form_posts.done``, the API
after the call), so the row and its event are one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from convergence_mobility.models import Item
from federation.db import db
from federation.plugins.events import emit
from federation.validation import text_field

ITEM_ADDED = "mobility.item_added"


def items() -> list[Item]:
    """The current commune's items (the tenancy hook adds the commune filter)."""
    return list(db.session.scalars(select(Item).order_by(Item.id.desc())))


def add_item(data: dict[str, Any], *, author_id: int | None) -> Item:
    """Validate and add an item; raises ``ValidationFailed`` naming the field."""
    item = Item(
        title=text_field(data.get("title"), "title", 200, required=True),
        description=text_field(data.get("description"), "description", 2000),
        author_id=author_id,
    )
    db.session.add(item)
    db.session.flush()  # stamps commune_id and gives the id
    emit(ITEM_ADDED, {"item_id": item.id}, commune_id=item.commune_id)
    return item


def counts_by_commune(commune_ids: list[int]) -> dict[int, int]:
    """Items per commune, in one grouped query (for the federation indicator)."""
    counts = dict.fromkeys(commune_ids, 0)
    query = select(Item.commune_id, func.count(Item.id)).group_by(Item.commune_id)
    rows = db.session.execute(query)
    for commune_id, count in rows:
        if commune_id in counts:
            counts[commune_id] = count
    return counts


PARADE = "mobility.parade"


def plan_parade(route: Item, starts_at, hours: int = 2, actor=None):
    """A bike parade on ``route``: a roster shift volunteers sign up for."""
    from datetime import timedelta

    from flask_babel import gettext as _

    from federation.roster.services import create_shift

    roles = [
        {"name": _("Signaleur·e"), "needed": 4},
        {"name": _("Mécanicien·ne"), "needed": 1},
    ]
    return create_shift(
        _("Vélorution : %(route)s", route=route.title),
        starts_at,
        starts_at + timedelta(hours=hours),
        roles,
        place=route.title,
        source_kind=PARADE,
        source_ref=str(route.id),
        actor=actor,
    )
