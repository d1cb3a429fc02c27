"""Mandates: held by a member for a term, rotating (a maximum of consecutive terms), and
recallable at any time by a vote of the body that gave them. Their history is public.

A mandate grants its role in the commune for its term only (``MembershipRole`` with source
``mandate:<id>`` and an expiry), and takes it back on recall.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance import bodies
from federation.governance.labels import MANDATE_LABELS
from federation.governance.models import MANDATE_ROLES, Body, Mandate
from federation.identity import services as identity
from federation.identity.models import User
from federation.journal.services import record

#: mandate role → commune role it grants (delegate and "other" grant none)
GRANTED_ROLE = {
    "facilitator": "facilitator",
    "guarantor": "guarantor",
    "secretary": "secretary",
    "elected": "elected",
}


def _expiry(day: date) -> datetime:
    return datetime.combine(day, time.max)


def consecutive_terms(body: Body, user_id: int, role: str, before: date) -> int:
    """How many terms in a row the person held this mandate, ending just before ``before``."""
    history = db.session.scalars(
        select(Mandate)
        .where(Mandate.body_id == body.id, Mandate.role == role)
        .order_by(Mandate.starts_on.desc())
    ).all()
    count = 0
    for mandate in history:
        if mandate.starts_on >= before:
            continue
        if mandate.user_id != user_id:
            break
        count += 1
    return count


def assign(
    body: Body,
    user: User,
    role: str,
    starts_on: date,
    ends_on: date,
    *,
    title: str = "",
    mandate_text: str = "",
    federation_id: int | None = None,
    actor: User | None = None,
) -> Mandate:
    if role not in MANDATE_ROLES:
        raise ValidationFailed(_("Mandat inconnu."), field="role")
    if ends_on <= starts_on:
        raise ValidationFailed(_("La fin du mandat doit suivre son début."), field="ends_on")
    if (ends_on - starts_on).days > 366 * 6:
        raise ValidationFailed(_("Un mandat dure six ans au plus."), field="ends_on")
    if role == "delegate" and federation_id is not None:
        from federation.tenancy.services import member_commune_ids

        if not body.is_assembly:
            raise Conflict(_("Les délégué·es sont élu·es par l'assemblée populaire."), field="body")
        if body.commune_id not in member_commune_ids(federation_id):
            raise Conflict(
                _("La commune n'est pas membre de cette fédération."), field="federation_id"
            )
    if not bodies.is_member(body, user.id):
        raise Conflict(_("Le mandat se donne à un·e membre de l'instance."), field="user")
    if consecutive_terms(body, user.id, role, starts_on) >= body.max_consecutive_terms:
        raise Conflict(
            _(
                "Rotation : %(n)d mandat(s) consécutif(s) au plus pour ce rôle dans cette "
                "instance.",
                n=body.max_consecutive_terms,
            ),
            field="user",
        )
    overlapping = db.session.scalar(
        select(Mandate.id).where(
            Mandate.body_id == body.id,
            Mandate.role == role,
            Mandate.user_id == user.id,
            Mandate.status == "active",
            Mandate.ends_on > starts_on,
        )
    )
    if overlapping:
        raise Conflict(_("Cette personne tient déjà ce mandat sur cette période."), field="user")
    mandate = Mandate(
        body_id=body.id,
        user_id=user.id,
        role=role,
        title=title[:200],
        mandate_text=mandate_text[:20000],
        starts_on=starts_on,
        ends_on=ends_on,
        federation_id=federation_id,
    )
    db.session.add(mandate)
    db.session.flush()
    if role == "delegate" and federation_id is not None:
        _delegate_role(mandate, grant=True)
    granted = GRANTED_ROLE.get(role)
    if granted:
        member = identity.membership(body.commune_id, user.id)
        if member is not None and member.is_active:
            identity.grant_role(
                member, granted, source=f"mandate:{mandate.id}", expires_at=_expiry(ends_on)
            )
    record(
        "mandate.assigned",
        _(
            "Mandat de %(r)s confié à %(u)s (%(b)s) jusqu'au %(d)s",
            r=MANDATE_LABELS[role],
            u=user.display_name,
            b=body.name,
            d=ends_on.isoformat(),
        ),
        {
            "mandate": mandate.id,
            "role": role,
            "body": body.id,
            "user": user.display_name,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "mandate_text": mandate.mandate_text,
        },
        commune_id=body.commune_id,
        actor=actor.display_name if actor else "",
    )
    return mandate


def get_mandate(mandate_id: int) -> Mandate:
    mandate = db.session.get(Mandate, mandate_id)
    if mandate is None:
        raise NotFound(_("Mandat introuvable."), field="mandate")
    return mandate


def recall(
    mandate: Mandate, reason: str, actor: User, decided_by_vote_id: int | None = None
) -> None:
    """End a mandate early, as the body decided; the role granted by it is taken back."""
    if mandate.status != "active":
        raise Conflict(_("Ce mandat n'est plus en cours."), field="mandate")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("La révocation se motive."), field="reason")
    if decided_by_vote_id is not None:
        from federation.governance.models import Vote

        vote = db.session.get(Vote, decided_by_vote_id)
        if (
            vote is None
            or vote.body_id != mandate.body_id
            or vote.status != "closed"
            or not (vote.result or {}).get("adopted")
        ):
            raise Conflict(
                _(
                    "La révocation doit être adoptée par un vote de l'instance qui a "
                    "donné le mandat."
                ),
                field="vote",
            )
    mandate.status = "recalled"
    mandate.ended_on = date.today()
    mandate.recall_reason = reason[:5000]
    _take_back_role(mandate)
    record(
        "mandate.recalled",
        _(
            "Mandat de %(r)s de %(u)s révoqué : %(why)s",
            r=MANDATE_LABELS[mandate.role],
            u=mandate.user.display_name,
            why=reason,
        ),
        {"mandate": mandate.id, "vote": decided_by_vote_id, "reason": reason},
        commune_id=mandate.commune_id,
        actor=actor.display_name,
    )


def _delegate_role(mandate: Mandate, grant: bool) -> None:
    """A delegate's mandate makes them a delegate of the federation for its term."""
    from federation.identity.models import FederationRole

    row = db.session.scalar(
        select(FederationRole).where(
            FederationRole.federation_id == mandate.federation_id,
            FederationRole.user_id == mandate.user_id,
            FederationRole.role == "delegate",
        )
    )
    if grant:
        if row is None:
            row = FederationRole(
                federation_id=mandate.federation_id, user_id=mandate.user_id, role="delegate"
            )
            db.session.add(row)
        row.commune_id = mandate.commune_id
        row.expires_at = _expiry(mandate.ends_on)
    elif row is not None:
        db.session.delete(row)
    db.session.flush()


def _take_back_role(mandate: Mandate) -> None:
    if mandate.role == "delegate" and mandate.federation_id is not None:
        _delegate_role(mandate, grant=False)
    granted = GRANTED_ROLE.get(mandate.role)
    member = identity.membership(mandate.commune_id, mandate.user_id)
    if granted and member is not None:
        identity.revoke_role(member, granted, source=f"mandate:{mandate.id}")


def end_expired(today: date | None = None) -> int:
    """Close mandates whose term is over (their role already expired with them)."""
    today = today or date.today()
    ended = 0
    for mandate in db.session.scalars(
        select(Mandate).where(Mandate.status == "active", Mandate.ends_on < today)
    ):
        mandate.status = "ended"
        mandate.ended_on = mandate.ends_on
        _take_back_role(mandate)
        ended += 1
    return ended


def history(body: Body | None = None) -> list[Mandate]:
    query = select(Mandate).order_by(Mandate.starts_on.desc(), Mandate.id.desc())
    if body is not None:
        query = query.where(Mandate.body_id == body.id)
    return list(db.session.scalars(query))


def current(body: Body) -> list[Mandate]:
    today = date.today()
    return list(
        db.session.scalars(
            select(Mandate)
            .where(
                Mandate.body_id == body.id,
                Mandate.status == "active",
                Mandate.starts_on <= today,
                Mandate.ends_on >= today,
            )
            .order_by(Mandate.role)
        )
    )
