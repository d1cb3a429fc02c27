"""Associations, cooperatives, companies and public bodies: the commune's support base."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.models import (
    ORGANISATION_KINDS,
    BodyMember,
    Organisation,
    OrganisationRepresentative,
)
from federation.identity.models import User
from federation.tenancy.services import slugify


def create_organisation(
    name: str,
    kind: str,
    founder: User,
    *,
    description: str = "",
    themes: str = "",
    website: str = "",
) -> Organisation:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Le nom est obligatoire (200 caractères au plus)."), field="name")
    if kind not in ORGANISATION_KINDS:
        raise ValidationFailed(_("Type d'organisation inconnu."), field="kind")
    if website and not website.startswith(("https://", "http://")):
        raise ValidationFailed(_("Adresse web invalide (https://…)."), field="website")
    slug = slugify(name) or "organisation"
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise Conflict(_("Une organisation porte déjà ce nom."), field="name")
    org = Organisation(
        slug=slug,
        name=name,
        kind=kind,
        description=description[:10000],
        themes=themes[:300],
        website=website[:300],
    )
    db.session.add(org)
    db.session.flush()
    db.session.add(OrganisationRepresentative(organisation_id=org.id, user_id=founder.id))
    db.session.flush()
    return org


def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(slug: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise NotFound(_("Organisation introuvable."), field="organisation")
    return org


def representatives(org: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(OrganisationRepresentative, OrganisationRepresentative.user_id == User.id)
            .where(OrganisationRepresentative.organisation_id == org.id)
        )
    )


def is_representative(org: Organisation, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(OrganisationRepresentative.id).where(
                OrganisationRepresentative.organisation_id == org.id,
                OrganisationRepresentative.user_id == user_id,
            )
        )
        is not None
    )


def add_representative(org: Organisation, user_id: int, actor: User | None = None) -> None:
    """A representative adds another verified member of the commune (``actor`` None: the
    system, e.g. an import). Adding someone twice changes nothing."""
    if actor is not None and not is_representative(org, actor.id):
        raise Forbidden(_("Seul·es les représentant·es de l'organisation peuvent en ajouter."))
    from federation.identity.services import membership

    member = membership(org.commune_id, user_id)
    if member is None or not member.is_active:
        raise Conflict(
            _("Un·e représentant·e est un·e membre vérifié·e de la commune."), field="user_id"
        )
    if is_representative(org, user_id):
        return
    db.session.add(OrganisationRepresentative(organisation_id=org.id, user_id=user_id))
    db.session.flush()
    _journal(org, "organisation.representative_added", member.user, actor)


def remove_representative(org: Organisation, user_id: int, actor: User) -> None:
    """A representative removes one (themselves included); the last one stays."""
    if not is_representative(org, actor.id):
        raise Forbidden(_("Seul·es les représentant·es de l'organisation peuvent en retirer."))
    row = db.session.scalar(
        select(OrganisationRepresentative).where(
            OrganisationRepresentative.organisation_id == org.id,
            OrganisationRepresentative.user_id == user_id,
        )
    )
    if row is None:
        raise NotFound(_("Cette personne ne représente pas l'organisation."), field="user_id")
    if len(representatives(org)) <= 1:
        raise Conflict(_("Une organisation garde au moins un·e représentant·e."), field="user_id")
    user = row.user
    db.session.delete(row)
    db.session.flush()
    _journal(org, "organisation.representative_removed", user, actor)


def _journal(org: Organisation, kind: str, user: User, actor: User | None) -> None:
    from federation.journal.services import record

    record(
        kind,
        payload={"organisation": org.id, "user": user.display_name, "name": org.name},
        commune_id=org.commune_id,
        actor=actor.display_name if actor else "",
    )


def circles_of(org: Organisation) -> list[int]:
    return list(
        db.session.scalars(
            select(BodyMember.body_id).where(BodyMember.organisation_id == org.id).distinct()
        )
    )


def represented_by(user_id: int) -> list[Organisation]:
    """The organisations of the commune this person represents."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(
                OrganisationRepresentative,
                OrganisationRepresentative.organisation_id == Organisation.id,
            )
            .where(OrganisationRepresentative.user_id == user_id)
            .order_by(Organisation.name)
        )
    )
