"""Concerns (needs and problems) raised by inhabitants and communities, their supports,
merging duplicates, and the commune's diagnostic."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance.models import Concern, ConcernSupport, ProposalConcern
from federation.identity.models import User
from federation.journal.services import record
from federation.validation import text_field


def raise_concern(
    author: User,
    title: str,
    *,
    description: str = "",
    theme: str = "",
    place: str = "",
    affected: str = "",
    organisation_id: int | None = None,
) -> Concern:
    concern = Concern(
        title=text_field(title, "title", 200, required=True),
        description=text_field(description, "description", 10000),
        theme=text_field(theme, "theme", 40),
        place=text_field(place, "place", 200),
        affected=text_field(affected, "affected", 200),
        author_id=author.id,
        organisation_id=organisation_id,
    )
    db.session.add(concern)
    db.session.flush()
    return concern


def get_concern(concern_id: int) -> Concern:
    concern = db.session.get(Concern, concern_id)
    if concern is None:
        raise NotFound(_("Préoccupation introuvable."), field="concern")
    return concern


def support(concern: Concern, user: User) -> bool:
    """Support a concern; supporting twice is harmless (a UNIQUE constraint holds it)."""
    if concern.status != "open":
        raise Conflict(_("Cette préoccupation n'est plus ouverte au soutien."))
    try:
        with db.session.begin_nested():
            db.session.add(ConcernSupport(concern_id=concern.id, user_id=user.id))
    except IntegrityError:
        return False
    return True


def withdraw_support(concern: Concern, user: User) -> None:
    row = db.session.scalar(
        select(ConcernSupport).where(
            ConcernSupport.concern_id == concern.id, ConcernSupport.user_id == user.id
        )
    )
    if row is not None:
        db.session.delete(row)


def support_counts(concern_ids: list[int] | None = None) -> dict[int, int]:
    query = select(ConcernSupport.concern_id, func.count(ConcernSupport.id)).group_by(
        ConcernSupport.concern_id
    )
    if concern_ids is not None:
        query = query.where(ConcernSupport.concern_id.in_(concern_ids))
    return dict(db.session.execute(query).all())


def supported_by(user_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(ConcernSupport.concern_id).where(ConcernSupport.user_id == user_id)
        )
    )


def merge(duplicate: Concern, into: Concern, actor: User) -> None:
    """Merge a duplicate into another concern; its supports move over (once per person)."""
    if duplicate.id == into.id:
        raise ValidationFailed(
            _("Une préoccupation ne peut pas être fusionnée avec elle-même."), field="into"
        )
    if into.status != "open":
        raise Conflict(_("La préoccupation cible n'est pas ouverte."), field="into")
    already = set(
        db.session.scalars(
            select(ConcernSupport.user_id).where(ConcernSupport.concern_id == into.id)
        )
    )
    for row in db.session.scalars(
        select(ConcernSupport).where(ConcernSupport.concern_id == duplicate.id)
    ):
        if row.user_id in already:
            db.session.delete(row)
        else:
            row.concern_id = into.id
    duplicate.status = "merged"
    duplicate.merged_into_id = into.id
    db.session.flush()
    record(
        "concern.merged",
        payload={
            "concern": duplicate.id,
            "into": into.id,
            "title": duplicate.title,
            "into_title": into.title,
        },
        commune_id=into.commune_id,
        actor=actor.display_name,
    )


def link_to_proposal(concern: Concern, proposal_id: int) -> None:
    exists = db.session.scalar(
        select(ProposalConcern.id).where(
            ProposalConcern.concern_id == concern.id, ProposalConcern.proposal_id == proposal_id
        )
    )
    if not exists:
        db.session.add(ProposalConcern(concern_id=concern.id, proposal_id=proposal_id))
        db.session.flush()


@dataclass
class DiagnosticRow:
    concern: Concern
    supports: int


def diagnostic(theme: str | None = None, limit: int = 200) -> list[DiagnosticRow]:
    """Open concerns, most supported first (two queries whatever the number of concerns)."""
    supports = (
        select(ConcernSupport.concern_id, func.count(ConcernSupport.id).label("n"))
        .group_by(ConcernSupport.concern_id)
        .subquery()
    )
    query = (
        select(Concern, func.coalesce(supports.c.n, 0))
        .outerjoin(supports, supports.c.concern_id == Concern.id)
        .where(Concern.status == "open")
        .order_by(func.coalesce(supports.c.n, 0).desc(), Concern.created_at)
    )
    if theme:
        query = query.where(Concern.theme == theme)
    return [DiagnosticRow(c, n) for c, n in db.session.execute(query.limit(limit))]


def themes_summary() -> list[tuple[str, int, int]]:
    """(theme, open concerns, supports) for the diagnostic page, in one query."""
    supports = (
        select(ConcernSupport.concern_id, func.count(ConcernSupport.id).label("n"))
        .group_by(ConcernSupport.concern_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Concern.theme, func.count(Concern.id), func.coalesce(func.sum(supports.c.n), 0))
        .outerjoin(supports, supports.c.concern_id == Concern.id)
        .where(Concern.status == "open")
        .group_by(Concern.theme)
        .order_by(func.coalesce(func.sum(supports.c.n), 0).desc())
    ).all()
    return [(theme or "", count, int(total)) for theme, count, total in rows]
