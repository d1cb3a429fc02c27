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
from federation.governance.models import MANDATE_ROLES, Body, Mandate, Vote
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


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def consecutive_terms(body: Body, user_id: int, role: str, before: date) -> int:
    """How many terms in a row the person held this mandate, ending just before ``before``.

    Counted per person: other people's mandates in the same role (a co-holder, an interim,
    two people taking turns) do not end a person's run. The run ends only with a rest at
    least as long as the person's last term there.
    """
    history = db.session.scalars(
        select(Mandate)
        .where(
            Mandate.body_id == body.id,
            Mandate.role == role,
            Mandate.user_id == user_id,
            Mandate.starts_on < before,
        )
        .order_by(Mandate.starts_on.desc())
    ).all()
    count = 0
    next_start = before
    for mandate in history:
        ended = mandate.ended_on or mandate.ends_on
        rest = (next_start - ended).days - 1
        if rest >= (mandate.ends_on - mandate.starts_on).days + 1:
            break
        count += 1
        next_start = mandate.starts_on
    return count


def _check_election(body: Body, user: User, vote_id: int | None) -> None:
    """The holder won the vote ``vote_id`` of this body (closed, among its winners)."""
    from federation.governance.models import Vote, VoteOption

    vote = db.session.get(Vote, vote_id) if vote_id else None
    if vote is None or vote.body_id != body.id or vote.status != "closed":
        raise Conflict(
            _("L'élection doit être un vote clos de l'instance qui donne le mandat."),
            field="election_vote_id",
        )
    winners = (vote.result or {}).get("winners") or []
    elected = set(
        db.session.scalars(
            select(VoteOption.user_id).where(
                VoteOption.vote_id == vote.id, VoteOption.id.in_(winners)
            )
        )
    )
    if user.id not in elected:
        raise Conflict(_("Cette personne n'a pas été élue par ce vote."), field="user")


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
    election_vote_id: int | None = None,
    actor: User | None = None,
) -> Mandate:
    """Record a mandate the body gave. A federation delegate must have been elected by a
    vote of the assembly (``election_vote_id``), which stays recorded with the mandate."""
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
    if role == "delegate" and federation_id is not None and election_vote_id is None:
        raise ValidationFailed(
            _("Les délégué·es sont élu·es par un vote de leur assemblée : indiquez ce vote."),
            field="election_vote_id",
        )
    if not bodies.is_member(body, user.id):
        raise Conflict(_("Le mandat se donne à un·e membre de l'instance."), field="user")
    if election_vote_id is not None:
        _check_election(body, user, election_vote_id)
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
        election_vote_id=election_vote_id,
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
                member,
                granted,
                source=f"mandate:{mandate.id}",
                expires_at=_expiry(ends_on),
                starts_at=_start(starts_on),
            )
    record(
        "mandate.assigned",
        payload={
            "mandate": mandate.id,
            "role": role,
            "body": body.id,
            "body_name": body.name,
            "user": user.display_name,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "mandate_text": mandate.mandate_text,
            "election_vote": election_vote_id,
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


def open_recall_vote(
    mandate: Mandate,
    actor: User,
    *,
    method: str = "majority",
    quorum: str = "0",
    secret: bool = False,
) -> Vote:
    """Prepare the vote of the body whose subject is recalling this mandate (a draft the
    facilitation opens). Only that vote, once adopted, can recall the mandate."""
    from federation.governance import votes

    if mandate.status != "active":
        raise Conflict(_("Ce mandat n'est plus en cours."), field="mandate")
    if method not in ("majority", "consent"):
        raise ValidationFailed(_("Méthode de vote inconnue : %(m)s", m=method), field="method")
    if mandate.recall_vote_id is not None:
        pending = votes.get_vote(mandate.recall_vote_id)
        if pending.status != "closed":
            raise Conflict(
                _("Un vote de révocation de ce mandat est déjà en cours."), field="mandate"
            )
    from federation.governance.submissions import Generated, generate_title

    title = Generated(
        "governance.vote.recall", {"role": mandate.role, "user": mandate.user.display_name}
    )
    vote = votes.create_vote(mandate.body, title.fallback(), method, quorum=quorum, secret=secret)
    generate_title(vote, title)  # read in each reader's language
    mandate.recall_vote_id = vote.id
    record(
        "mandate.recall_vote",
        payload={
            "mandate": mandate.id,
            "vote": vote.id,
            "role": mandate.role,
            "user": mandate.user.display_name,
        },
        commune_id=mandate.commune_id,
        actor=actor.display_name,
    )
    return vote


def create_election(
    body: Body,
    title: str,
    candidates: list[User],
    actor: User,
    *,
    federation_id: int | None = None,
    method: str = "approval",
    seats: int = 1,
    secret: bool = True,
    quorum: str = "0",
) -> Vote:
    """Prepare the vote that elects mandate holders: one option per candidate (the option
    names the person). Delegates to a federation are elected by the assembly."""
    from federation.governance import votes
    from federation.governance.models import VoteOption

    if federation_id is not None:
        from federation.tenancy.services import member_commune_ids

        if not body.is_assembly:
            raise Conflict(_("Les délégué·es sont élu·es par l'assemblée populaire."), field="body")
        if body.commune_id not in member_commune_ids(federation_id):
            raise Conflict(
                _("La commune n'est pas membre de cette fédération."), field="federation"
            )
    if method in votes.DECISION_METHODS or method == "time_poll":
        raise ValidationFailed(_("Méthode de vote inconnue : %(m)s", m=method), field="method")
    people: dict[int, User] = {}
    for person in candidates:
        if not bodies.is_member(body, person.id):
            raise Conflict(
                _("%(u)s n'est pas membre de l'instance.", u=person.display_name),
                field="candidates",
            )
        people[person.id] = person
    if not people:
        raise ValidationFailed(_("Au moins une candidature."), field="candidates")
    names = [p.display_name for p in people.values()]
    labels = [
        f"{p.display_name} (n° {p.id})" if names.count(p.display_name) > 1 else p.display_name
        for p in people.values()
    ]
    if len(labels) == 1:  # a single candidate: still a choice (approve or not)
        labels.append(str(_("Aucune de ces personnes")))
    settings = {"seats": seats} if method == "stv" else None
    vote = votes.create_vote(
        body, title, method, options=labels, settings=settings, secret=secret, quorum=quorum
    )
    rows = db.session.scalars(
        select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(VoteOption.position)
    ).all()
    for row, person_id in zip(rows, people, strict=False):
        row.user_id = person_id
    db.session.flush()
    record(
        "mandate.election",
        payload={
            "vote": vote.id,
            "title": vote.title,
            "candidates": names,
            "federation": federation_id,
            "seats": seats,
        },
        commune_id=body.commune_id,
        actor=actor.display_name,
    )
    return vote


def recall(
    mandate: Mandate, reason: str, actor: User, decided_by_vote_id: int | None = None
) -> None:
    """End a mandate early, as the body decided by the adopted vote whose subject is this
    mandate (:func:`open_recall_vote`); the role granted by it is taken back."""
    if mandate.status != "active":
        raise Conflict(_("Ce mandat n'est plus en cours."), field="mandate")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("La révocation se motive."), field="reason")
    if decided_by_vote_id is None:
        raise ValidationFailed(
            _("La révocation se décide par un vote de l'instance sur ce mandat."),
            field="vote_id",
        )
    vote = db.session.get(Vote, decided_by_vote_id)
    if (
        vote is None
        or decided_by_vote_id != mandate.recall_vote_id
        or vote.body_id != mandate.body_id
        or vote.status != "closed"
        or not (vote.result or {}).get("adopted")
    ):
        raise Conflict(
            _("La révocation doit être adoptée par le vote de l'instance qui porte sur ce mandat."),
            field="vote_id",
        )
    mandate.status = "recalled"
    mandate.ended_on = date.today()
    mandate.recall_reason = reason[:5000]
    _take_back_role(mandate)
    record(
        "mandate.recalled",
        payload={
            "mandate": mandate.id,
            "vote": decided_by_vote_id,
            "reason": reason,
            "role": mandate.role,
            "user": mandate.user.display_name,
        },
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
        row.starts_at = _start(mandate.starts_on)
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


def elections(body: Body | None = None) -> list[Vote]:
    """Closed votes whose options name people: the elections a mandate can cite."""
    from federation.governance.models import VoteOption

    query = (
        select(Vote)
        .where(
            Vote.status == "closed",
            Vote.id.in_(select(VoteOption.vote_id).where(VoteOption.user_id.is_not(None))),
        )
        .order_by(Vote.id.desc())
    )
    if body is not None:
        query = query.where(Vote.body_id == body.id)
    return list(db.session.scalars(query.limit(50)))
