"""Tenants' collectives and their grievances (repairs, rent), routed to the housing circle,
which turns a grievance into a formal letter to the landlord from a template."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from convergence_housing.constants import GRIEVANCE_KINDS
from convergence_housing.models import Grievance, TenantCollective
from convergence_housing.services import (
    can_see_private,
    commune_id,
    current_commune,
    notify_circle,
    require_member,
    require_steer,
)
from federation.db import db
from federation.errors import Conflict, NotFound
from federation.plugins.events import emit
from federation.validation import choice_field, text_field


def template() -> str:
    return _(
        "Madame, Monsieur %(landlord)s,\n\n"
        "Le collectif de locataires « %(collective)s » vous saisit, avec le soutien du cercle "
        "du logement de %(commune)s, du problème suivant (%(kind)s) :\n\n%(description)s\n\n"
        "Nous vous demandons d'y répondre dans un délai d'un mois.\n\nLe %(date)s",
        landlord="{landlord}",
        collective="{collective}",
        commune="{commune}",
        kind="{kind}",
        description="{description}",
        date="{date}",
    )


def collectives_for(user: Any) -> list[TenantCollective]:
    query = select(TenantCollective).order_by(TenantCollective.name)
    if not can_see_private(user):
        if user is None:
            return []
        query = query.where(TenantCollective.founder_id == user.id)
    return list(db.session.scalars(query))


def get_collective(collective_id: Any, user: Any) -> TenantCollective:
    try:
        row = db.session.get(TenantCollective, int(collective_id))
    except (TypeError, ValueError):
        row = None
    if row is None or not (
        can_see_private(user) or (user is not None and row.founder_id == user.id)
    ):
        raise NotFound(_("Collectif introuvable."), field="collective_id")
    return row


def create_collective(data: dict[str, Any], user: Any) -> TenantCollective:
    require_member(user)
    row = TenantCollective(
        name=text_field(data.get("name"), "name", 200, required=True),
        landlord=text_field(data.get("landlord"), "landlord", 200, required=True),
        landlord_address=text_field(data.get("landlord_address"), "landlord_address", 300),
        founder_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def grievances(collective: TenantCollective) -> list[Grievance]:
    return list(
        db.session.scalars(
            select(Grievance).where(Grievance.collective_id == collective.id).order_by(Grievance.id)
        )
    )


def get_grievance(collective: TenantCollective, grievance_id: Any) -> Grievance:
    try:
        row = db.session.get(Grievance, int(grievance_id))
    except (TypeError, ValueError):
        row = None
    if row is None or row.collective_id != collective.id:
        raise NotFound(_("Doléance introuvable."), field="grievance_id")
    return row


def raise_grievance(collective: TenantCollective, data: dict[str, Any], user: Any) -> Grievance:
    """The collective raises a grievance; it is routed to the housing circle at once."""
    require_member(user)
    row = Grievance(
        collective_id=collective.id,
        kind=choice_field(data.get("kind") or "repairs", GRIEVANCE_KINDS, "kind"),
        description=text_field(data.get("description"), "description", 5000, required=True),
        status="routed",
    )
    db.session.add(row)
    db.session.flush()
    kind = row.kind
    notify_circle(
        "housing.grievance",
        {"collective": collective.name, "kind": kind},
        f"/c/{current_commune().slug}/housing/collectives/{collective.id}",
    )
    emit("housing.grievance", {"grievance_id": row.id}, commune_id=commune_id())
    return row


def write_letter(collective: TenantCollective, grievance: Grievance, actor: Any) -> str:
    """The circle turns the grievance into a formal letter to the landlord (dated today);
    the letter is rendered from the template when it is read, in the reader's language."""
    require_steer(actor)
    if grievance.status == "resolved":
        raise Conflict(_("Cette doléance est résolue."), field="grievance_id")
    grievance.letter_on = date.today()
    grievance.status = "letter"
    db.session.flush()
    return letter_text(collective, grievance)


def letter_text(collective: TenantCollective, grievance: Grievance) -> str:
    """The letter in the reader's language ("" before the circle wrote it)."""
    if grievance.letter_on is None:
        return grievance.letter
    return template().format(
        landlord=collective.landlord,
        collective=collective.name,
        commune=current_commune().name,
        kind=GRIEVANCE_KINDS[grievance.kind],
        description=grievance.description,
        date=format_date(grievance.letter_on, "long"),
    )


def resolve(grievance: Grievance, actor: Any) -> None:
    require_steer(actor)
    grievance.status = "resolved"
    db.session.flush()
