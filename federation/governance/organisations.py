"""Associations, cooperatives, companies and public bodies: the commune's support base."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
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


def add_representative(org: Organisation, user_id: int) -> None:
    if not is_representative(org, user_id):
        db.session.add(OrganisationRepresentative(organisation_id=org.id, user_id=user_id))
        db.session.flush()


def circles_of(org: Organisation) -> list[int]:
    return list(
        db.session.scalars(
            select(BodyMember.body_id).where(BodyMember.organisation_id == org.id).distinct()
        )
    )
