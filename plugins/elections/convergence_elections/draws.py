"""Sortition among volunteers, stored and published (the procedure: :mod:`.sortition`).

``open`` (volunteers sign up, declaring the draw's attributes) → ``committed`` (pool and
quotas frozen, ``sha256(seed)`` in the journal) → ``drawn`` (seed, pool and selection in the
journal; anyone recomputes with ``convergence elections verify-draw``). The pool is
published with each volunteer's reference (the row id) and stratum, never a name; the names
of the people drawn are shown on the draw's page.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_elections import sortition
from convergence_elections.models import Draw, Volunteer
from convergence_elections.services import require_manage, require_member
from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.journal.services import record
from federation.tenancy.models import Commune
from federation.validation import integer_field, text_field

PURPOSES = ("jury", "guarantors", "list")
#: attributes a draw may stratify by, with the values a volunteer may declare
ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    "sex": ("F", "M"),
    "age_band": ("18-34", "35-49", "50-64", "65+"),
    "area": None,  # free text: a neighbourhood, a hamlet
}
COMMITTED = "elections.draw_committed"
DRAWN = "elections.draw_done"
SELECTED = "elections.selected"


def draws() -> list[Draw]:
    return list(db.session.scalars(select(Draw).order_by(Draw.id.desc())))


def get_draw(draw_id: int) -> Draw:
    row = db.session.get(Draw, draw_id)
    if row is None:
        raise NotFound(_("Tirage introuvable."), field="draw_id")
    return row


def create_draw(data: dict[str, Any], author: Any) -> Draw:
    require_manage(author)
    keys = data.get("attributes") or ["sex"]
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    if not keys or any(k not in ATTRIBUTES for k in keys):
        raise ValidationFailed(
            _("Attributs possibles : sexe, tranche d'âge, quartier."), field="attributes"
        )
    purpose = data.get("purpose") or "jury"
    if purpose not in PURPOSES:
        raise ValidationFailed(_("Objet du tirage inconnu."), field="purpose")
    row = Draw(
        title=text_field(data.get("title"), "title", 200, required=True),
        purpose=purpose,
        attributes=list(dict.fromkeys(keys)),
        seats=integer_field(data.get("seats"), "seats", 1, 500, required=True),
    )
    db.session.add(row)
    db.session.flush()
    return row


def volunteers(row: Draw) -> list[Volunteer]:
    return list(
        db.session.scalars(
            select(Volunteer).where(Volunteer.draw_id == row.id).order_by(Volunteer.id)
        )
    )


def volunteer(row: Draw, data: dict[str, Any], user: Any) -> Volunteer:
    require_member(user)
    if row.status != "open":
        raise Conflict(_("Les inscriptions à ce tirage sont closes."), field="status")
    attributes = {}
    for key in row.attributes:
        value = text_field(data.get(key), key, 60, required=True)
        allowed = ATTRIBUTES[key]
        if allowed is not None and value not in allowed:
            raise ValidationFailed(_("Valeur inconnue."), field=key)
        attributes[key] = value
    found = db.session.scalar(
        select(Volunteer).where(Volunteer.draw_id == row.id, Volunteer.user_id == user.id)
    )
    found = found or Volunteer(draw_id=row.id, user_id=user.id)
    found.name, found.attributes = user.display_name, attributes
    db.session.add(found)
    db.session.flush()
    return found


def pool_of(row: Draw) -> dict[str, str]:
    return {str(v.id): sortition.stratum_of(v.attributes, row.attributes) for v in volunteers(row)}


def parse_quotas(row: Draw, pool: dict[str, str], data: dict[str, Any]) -> dict[str, int]:
    given = data.get("quotas")
    if not given:
        return sortition.proportional_quotas(pool, row.seats)
    if not isinstance(given, dict):
        raise ValidationFailed(_("Quotas invalides."), field="quotas")
    quotas = {str(k): integer_field(v, "quotas", 0, 500, required=True) for k, v in given.items()}
    if sum(quotas.values()) != row.seats:
        raise ValidationFailed(
            _("Les quotas doivent totaliser %(n)s places.", n=row.seats), field="quotas"
        )
    return quotas


def commit(row: Draw, data: dict[str, Any], actor: Any, *, seed: str | None = None) -> Draw:
    """Freeze the pool and the quotas; publish the seed's hash before any draw."""
    require_manage(actor)
    if row.status != "open":
        raise Conflict(_("Ce tirage est déjà engagé."), field="status")
    pool = pool_of(row)
    if not pool:
        raise Conflict(_("Personne ne s'est porté·e volontaire."), field="volunteers")
    try:
        if row.seats > len(pool):
            raise sortition.SortitionError("more seats than volunteers", "seats")
        quotas = sortition.check_quotas(pool, parse_quotas(row, pool, data))
    except sortition.SortitionError as exc:
        raise ValidationFailed(
            _("Quotas impossibles : une strate a moins de volontaires que son quota."),
            field=exc.field,
        ) from exc
    row.seed = seed or sortition.new_seed()
    row.commitment = sortition.commitment(row.seed)
    row.pool, row.pool_digest, row.quotas = pool, sortition.pool_digest(pool), quotas
    row.status = "committed"
    entry = record(
        COMMITTED,
        payload={
            "draw": row.id,
            "title": row.title,
            "commitment": row.commitment,
            "pool_digest": row.pool_digest,
            "quotas": quotas,
            "volunteers": len(pool),
        },
        commune_id=row.commune_id,
    )
    row.commit_seq = entry.seq
    db.session.flush()
    return row


def run(row: Draw, actor: Any) -> Draw:
    """Draw, reveal the seed and publish everything needed to recompute."""
    require_manage(actor)
    if row.status != "committed":
        raise Conflict(_("Engagez d'abord le tirage (empreinte publiée)."), field="status")
    row.selected = sortition.draw(row.seed, row.pool, row.quotas)
    row.status = "drawn"
    entry = record(DRAWN, payload=published(row), commune_id=row.commune_id)
    row.draw_seq = entry.seq
    db.session.flush()
    from federation.identity.notifications import notify

    slug = db.session.get(Commune, row.commune_id).slug
    for person in selected_people(row):
        if person.user_id is not None:
            notify(
                person.user_id,
                kind=SELECTED,
                params={"title": row.title},
                link=f"/c/{slug}/elections/draws/{row.id}",
                commune_id=row.commune_id,
            )
    return row


def published(row: Draw) -> dict[str, Any]:
    """What anyone may read and recompute (after the draw: with the seed)."""
    data = {
        "draw": row.id,
        "title": row.title,
        "attributes": row.attributes,
        "commitment": row.commitment,
        "pool_digest": row.pool_digest,
        "quotas": row.quotas,
        "commit_seq": row.commit_seq,
    }
    if row.status == "drawn":
        data.update(seed=row.seed, pool=row.pool, selected=row.selected)
    return data


def selected_people(row: Draw) -> list[Volunteer]:
    refs = {int(r) for refs in (row.selected or {}).values() for r in refs}
    return [v for v in volunteers(row) if v.id in refs]
