"""Owners (private to the housing circle), letter campaigns and replies.

A campaign's letters go to the owners of the selected dwellings, never to an owner ranked
"do not contact". The dwellings move to "awaiting reply" only once the sent date has
passed (:func:`apply_due_campaigns`, run when the date is set and by
``convergence housing letters-sent`` every day).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from convergence_housing.constants import CONTACT_RANKS, OWNER_KINDS
from convergence_housing.models import Campaign, Dwelling, Letter, Owner
from convergence_housing.services import (
    commune_id,
    current_commune,
    date_or_today,
    get_dwelling,
    require_steer,
    set_status,
)
from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.plugins.events import emit
from federation.validation import choice_field, text_field

PLACEHOLDERS = ("owner", "address", "commune", "date", "ref")


def default_template() -> str:
    """The default letter in the reader's language (a campaign that keeps it stores "")."""
    return _(
        "Madame, Monsieur {owner},\n\n"
        "Le cercle du logement de {commune} recense les logements vacants de la commune. "
        "Le logement situé {address} (référence {ref}) nous est signalé comme vacant.\n\n"
        "Des aides existent pour le remettre en usage : travaux, location intermédiée, "
        "accompagnement. Pouvons-nous en parler ?\n\n"
        "Le {date}, le cercle du logement"
    )


def owners() -> list[Owner]:
    return list(db.session.scalars(select(Owner).order_by(Owner.name)))


def get_owner(owner_id: Any) -> Owner:
    try:
        row = db.session.get(Owner, int(owner_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Propriétaire introuvable."), field="owner_id")
    return row


def _owner_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": text_field(data.get("name"), "name", 200, required=True),
        "address": text_field(data.get("address"), "address", 300),
        "email": text_field(data.get("email"), "email", 200),
        "phone": text_field(data.get("phone"), "phone", 40),
        "kind": choice_field(data.get("kind") or "private", OWNER_KINDS, "kind"),
        "contact_rank": choice_field(
            str(data.get("contact_rank") or "1"), CONTACT_RANKS, "contact_rank"
        ),
    }


def create_owner(data: dict[str, Any], actor: Any) -> Owner:
    require_steer(actor)
    row = Owner(**_owner_fields(data))
    db.session.add(row)
    db.session.flush()
    for dwelling_id in data.get("dwelling_ids") or []:
        get_dwelling(dwelling_id).owner_id = row.id
    db.session.flush()
    return row


def update_owner(owner: Owner, data: dict[str, Any], actor: Any) -> None:
    require_steer(actor)
    merged = {
        k: data.get(k, getattr(owner, k))
        for k in ("name", "address", "email", "phone", "kind", "contact_rank")
    }
    for key, value in _owner_fields(merged).items():
        setattr(owner, key, value)
    db.session.flush()


def dwellings_of(owner: Owner) -> list[Dwelling]:
    return list(db.session.scalars(select(Dwelling).where(Dwelling.owner_id == owner.id)))


# --- campaigns ----------------------------------------------------------------------------


def campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.id.desc())))


def get_campaign(campaign_id: Any) -> Campaign:
    try:
        row = db.session.get(Campaign, int(campaign_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Campagne introuvable."), field="campaign_id")
    return row


def _check_template(template: str) -> str:
    try:
        template.format(**dict.fromkeys(PLACEHOLDERS, "x"))
    except (KeyError, IndexError, ValueError):
        raise ValidationFailed(
            _(
                "Modèle invalide : seuls {owner}, {address}, {commune}, {date} et {ref} "
                "sont permis."
            ),
            field="template",
        ) from None
    return template


def _stored_template(text: str) -> str:
    """The circle's own letter as written; the default one (in French or in the writer's
    language) as "", rendered in each reader's language."""
    plain = text.replace("\r\n", "\n").strip()
    with force_locale("fr"):
        french = default_template().strip()
    if not plain or plain in (french, default_template().strip()):
        return ""
    return _check_template(plain)


def create_campaign(
    data: dict[str, Any], dwelling_ids: list[Any], actor: Any
) -> tuple[Campaign, int]:
    """A campaign with one letter per selected dwelling whose owner may be contacted.
    Returns the campaign and how many dwellings were left out (no owner, do not contact)."""
    require_steer(actor)
    campaign = Campaign(
        title=text_field(data.get("title"), "title", 200, required=True),
        template=_stored_template(text_field(data.get("template"), "template", 20000)),
    )
    db.session.add(campaign)
    db.session.flush()
    skipped, letters = 0, 0
    for dwelling_id in dict.fromkeys(dwelling_ids):
        dwelling = get_dwelling(dwelling_id)
        owner = db.session.get(Owner, dwelling.owner_id) if dwelling.owner_id else None
        if owner is None or owner.contact_rank == "do_not_contact":
            skipped += 1
            continue
        db.session.add(Letter(campaign_id=campaign.id, owner_id=owner.id, dwelling_id=dwelling.id))
        letters += 1
    if not letters:
        raise ValidationFailed(
            _("Aucun logement choisi n'a de propriétaire qu'on puisse contacter."),
            field="dwelling_ids",
        )
    db.session.flush()
    return campaign, skipped


def letters(campaign: Campaign) -> list[tuple[Letter, Owner, Dwelling]]:
    return [
        (letter, owner, dwelling)
        for letter, owner, dwelling in db.session.execute(
            select(Letter, Owner, Dwelling)
            .join(Owner, Owner.id == Letter.owner_id)
            .join(Dwelling, Dwelling.id == Letter.dwelling_id)
            .where(Letter.campaign_id == campaign.id)
            .order_by(Letter.id)
        )
    ]


def letter_text(campaign: Campaign, owner: Owner, dwelling: Dwelling) -> str:
    when = campaign.sent_on or date.today()
    return (campaign.template or default_template()).format(
        owner=owner.name,
        address=dwelling.address,
        commune=current_commune().name,
        date=format_date(when, "long"),
        ref=dwelling.ref,
    )


def set_sent(campaign: Campaign, sent_on: Any, actor: Any, today: date | None = None) -> int:
    """Record the date the letters were (or will be) posted; returns the dwellings moved to
    "awaiting reply" now (none while the date is still ahead)."""
    require_steer(actor)
    if campaign.applied:
        raise Conflict(_("Cette campagne est déjà envoyée."), field="sent_on")
    campaign.sent_on = date_or_today(sent_on, "sent_on", today)
    db.session.flush()
    return apply_due_campaigns(actor=actor, today=today)


def apply_due_campaigns(actor: Any = None, today: date | None = None) -> int:
    today = today or date.today()
    moved = 0
    due = db.session.scalars(
        select(Campaign).where(
            Campaign.sent_on.is_not(None), Campaign.sent_on <= today, Campaign.applied.is_(False)
        )
    ).all()
    for campaign in due:
        for _letter, _owner, dwelling in letters(campaign):
            if dwelling.status == "not_followed":
                set_status(dwelling, "awaiting_reply", actor=actor, source="campaign", check=False)
                moved += 1
        campaign.applied = True
        emit(
            "housing.campaign_sent",
            {"campaign_id": campaign.id, "moved": moved},
            commune_id=commune_id(),
        )
    db.session.flush()
    return moved


def get_letter(campaign: Campaign, letter_id: Any) -> Letter:
    try:
        row = db.session.get(Letter, int(letter_id))
    except (TypeError, ValueError):
        row = None
    if row is None or row.campaign_id != campaign.id:
        raise NotFound(_("Courrier introuvable."), field="letter_id")
    return row


def record_reply(letter: Letter, reply: Any, replied_on: Any, actor: Any) -> None:
    """An owner answered: the reply is kept; a dwelling awaiting a reply moves to "first
    contact"."""
    require_steer(actor)
    letter.reply = text_field(reply, "reply", 5000, required=True)
    letter.replied_on = date_or_today(replied_on, "replied_on")
    dwelling = get_dwelling(letter.dwelling_id)
    if dwelling.status in ("awaiting_reply", "not_followed"):
        set_status(
            dwelling, "first_contact", "interested", actor=actor, source="campaign", check=False
        )
    db.session.flush()
