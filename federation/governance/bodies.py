"""The popular assembly and the circles of a commune, and who belongs to them."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from federation.db import db
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.models import BODY_KINDS, Body, BodyMember
from federation.identity import services as identity
from federation.identity.models import Membership, User
from federation.tenancy.context import unscoped
from federation.tenancy.models import Commune
from federation.tenancy.services import SLUG_RE, slugify

ASSEMBLY_SLUG = "assemblee"


def assembly(commune: Commune) -> Body:
    """The commune's popular assembly, created if it is missing (write paths only: a page
    shown on GET reads it with :func:`find_assembly`)."""
    body = find_assembly()
    if body is None:
        body = _new_assembly(commune)
        db.session.add(body)
        db.session.flush()
    return body


def find_assembly() -> Body | None:
    """The popular assembly of the commune in scope, or None (nothing is written)."""
    return db.session.scalar(select(Body).where(Body.kind == "assembly"))


def _new_assembly(commune: Commune) -> Body:
    return Body(
        commune_id=commune.id,
        kind="assembly",
        slug=ASSEMBLY_SLUG,
        name=_("Assemblée populaire de %(c)s", c=commune.name),
        purpose=_("L'assemblée des habitant·es : elle décide."),
        open_membership=False,
    )


def create_assemblies(communes: list[Commune], chunk: int = 500) -> int:
    """Give every commune of the batch its popular assembly, if it has none (the
    ``federation_communes_created`` hook): per ``chunk`` communes, one query finds those
    that have one and one ORM bulk INSERT adds the others (the CSV import of 34,875
    communes stays fast). Returns how many were created."""
    created = 0
    purpose = _("L'assemblée des habitant·es : elle décide.")
    with unscoped():  # one batch spans communes: each row carries its commune explicitly
        for start in range(0, len(communes), chunk):
            part = communes[start : start + chunk]
            have = set(
                db.session.scalars(
                    select(Body.commune_id).where(
                        Body.kind == "assembly", Body.commune_id.in_([c.id for c in part])
                    )
                )
            )
            rows = [
                {
                    "commune_id": c.id,
                    "kind": "assembly",
                    "slug": ASSEMBLY_SLUG,
                    "name": _("Assemblée populaire de %(c)s", c=c.name),
                    "purpose": purpose,
                    "open_membership": False,
                }
                for c in part
                if c.id not in have
            ]
            if rows:
                db.session.execute(insert(Body), rows)
            created += len(rows)
    return created


def create_body(
    kind: str,
    name: str,
    *,
    slug: str | None = None,
    purpose: str = "",
    theme: str = "",
    open_membership: bool = True,
    max_consecutive_terms: int = 2,
) -> Body:
    if kind not in BODY_KINDS or kind == "assembly":
        raise ValidationFailed(_("Type de cercle inconnu."), field="kind")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Le nom est obligatoire (200 caractères au plus)."), field="name")
    slug = (slug or slugify(name)).strip()
    if not SLUG_RE.match(slug) or len(slug) > 64:
        raise ValidationFailed(
            _("Identifiant invalide : lettres minuscules, chiffres et tirets."), field="slug"
        )
    if db.session.scalar(select(Body.id).where(Body.slug == slug)):
        raise Conflict(_("Un cercle utilise déjà l'identifiant %(slug)s.", slug=slug), field="slug")
    if not 1 <= int(max_consecutive_terms) <= 20:
        raise ValidationFailed(
            _("Entre 1 et 20 mandats consécutifs."), field="max_consecutive_terms"
        )
    body = Body(
        kind=kind,
        name=name,
        slug=slug,
        purpose=purpose,
        theme=(theme or "")[:40],
        open_membership=open_membership,
        max_consecutive_terms=int(max_consecutive_terms),
    )
    db.session.add(body)
    db.session.flush()
    return body


def get_body(slug: str) -> Body:
    body = db.session.scalar(select(Body).where(Body.slug == slug))
    if body is None:
        raise NotFound(_("Cercle introuvable."), field="body")
    return body


def bodies() -> list[Body]:
    return list(
        db.session.scalars(
            select(Body).where(Body.archived.is_(False)).order_by(Body.kind, Body.name)
        )
    )


def member_counts() -> dict[int, int]:
    """body id → number of members, in one grouped query."""
    return dict(
        db.session.execute(
            select(BodyMember.body_id, func.count(BodyMember.id)).group_by(BodyMember.body_id)
        ).all()
    )


def is_member(body: Body, user_id: int) -> bool:
    if body.is_assembly:
        return _active_member(body.commune_id, user_id)
    return (
        db.session.scalar(
            select(BodyMember.id).where(
                BodyMember.body_id == body.id, BodyMember.user_id == user_id
            )
        )
        is not None
    )


def _active_member(commune_id: int, user_id: int) -> bool:
    return identity.is_active_member(commune_id, user_id)  # the request's memo


def in_thematic_circle(user_id: int, themes: Iterable[str], *, with_assembly: bool = False) -> bool:
    """The person sits in a live (not archived) body of the current commune whose theme is
    one of ``themes`` — the circle a thematic plugin trusts with its private data (housing
    owners and households, food-aid requests, water households). The assembly counts only
    with ``with_assembly``."""
    query = (
        select(BodyMember.id)
        .join(Body, Body.id == BodyMember.body_id)
        .where(
            BodyMember.user_id == user_id,
            Body.theme.in_(list(themes)),
            Body.archived.is_(False),
        )
        .limit(1)
    )
    if not with_assembly:
        query = query.where(Body.kind != "assembly")
    return db.session.scalar(query) is not None


def join(body: Body, user: User, organisation_id: int | None = None) -> BodyMember:
    if body.is_assembly:
        raise Conflict(_("Toutes et tous les membres vérifié·es font partie de l'assemblée."))
    if not _active_member(body.commune_id, user.id):
        raise Conflict(_("Rejoignez d'abord la commune (adhésion vérifiée)."))
    if not body.open_membership:
        raise Conflict(_("Ce cercle n'est pas ouvert : demandez à sa facilitation."))
    if organisation_id is not None:
        from federation.governance.models import Organisation
        from federation.governance.organisations import is_representative

        org = db.session.get(Organisation, organisation_id)
        if org is None or not is_representative(org, user.id):
            raise Forbidden(_("Vous ne représentez pas cette organisation."), field="organisation")
    existing = db.session.scalar(
        select(BodyMember).where(BodyMember.body_id == body.id, BodyMember.user_id == user.id)
    )
    if existing is not None:
        if organisation_id is not None:
            existing.organisation_id = organisation_id
        return existing
    member = BodyMember(body_id=body.id, user_id=user.id, organisation_id=organisation_id)
    db.session.add(member)
    db.session.flush()
    return member


def add_member(body: Body, user_id: int) -> BodyMember:
    """Add someone (facilitation), even to a closed circle."""
    existing = db.session.scalar(
        select(BodyMember).where(BodyMember.body_id == body.id, BodyMember.user_id == user_id)
    )
    if existing is not None:
        return existing
    if not _active_member(body.commune_id, user_id):
        raise Conflict(_("Seul·es les membres vérifié·es de la commune peuvent rejoindre."))
    member = BodyMember(body_id=body.id, user_id=user_id)
    db.session.add(member)
    db.session.flush()
    return member


def leave(body: Body, user: User) -> None:
    member = db.session.scalar(
        select(BodyMember).where(BodyMember.body_id == body.id, BodyMember.user_id == user.id)
    )
    if member is not None:
        db.session.delete(member)
        db.session.flush()


def members(body: Body) -> list[User]:
    if body.is_assembly:
        return list(
            db.session.scalars(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.commune_id == body.commune_id, Membership.status == "active")
                .order_by(User.display_name)
            )
        )
    return list(
        db.session.scalars(
            select(User)
            .join(BodyMember, BodyMember.user_id == User.id)
            .where(BodyMember.body_id == body.id)
            .order_by(User.display_name)
        )
    )


def electorate_ids(body: Body, electorate: str) -> list[int]:
    """Users who may vote: verified members of the commune, or of the body too."""
    query = select(Membership.user_id).where(
        Membership.commune_id == body.commune_id, Membership.status == "active"
    )
    if electorate == "body" and not body.is_assembly:
        query = query.join(
            BodyMember, (BodyMember.user_id == Membership.user_id) & (BodyMember.body_id == body.id)
        )
    return list(db.session.scalars(query))
