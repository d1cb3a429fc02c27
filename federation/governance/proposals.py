"""Proposals and their deliberation: state machine, co-signatures, comments and moderation,
amendments, follow-up notes, and following a body or a proposal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.models import (
    Amendment,
    Body,
    Comment,
    CommentReport,
    Concern,
    Follow,
    FollowUp,
    Proposal,
    ProposalConcern,
    ProposalCosigner,
)
from federation.identity.models import User
from federation.identity.notices import tell
from federation.journal.services import record
from federation.validation import text_field

#: state → states it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("deliberation", "withdrawn"),
    "deliberation": ("voting", "draft", "withdrawn"),
    "voting": ("adopted", "rejected"),
    "adopted": ("carried_out",),
    "rejected": (),
    "carried_out": (),
    "withdrawn": (),
}
#: the moves a person makes by hand (web page, API). Everything else happens through its
#: process: "voting" when a vote opens on the proposal, "adopted"/"rejected" only by the
#: outcome of its closed vote (votes.close_vote), "carried_out" also by a 100 % follow-up.
MANUAL_MOVES = frozenset(
    {
        ("draft", "deliberation"),
        ("draft", "withdrawn"),
        ("deliberation", "withdrawn"),
        ("deliberation", "draft"),
        ("adopted", "carried_out"),
    }
)
#: the moves a proposal's author makes alone; every other manual move needs facilitation
AUTHOR_MOVES = frozenset(
    {
        ("draft", "deliberation"),
        ("draft", "withdrawn"),
        ("deliberation", "withdrawn"),
        ("deliberation", "draft"),
    }
)


def is_federation_proposal(proposal: Proposal) -> bool:
    """The local copy of a federation's proposal: it moves only by the federation's process
    (sent into deliberation, voted by the assembly, closed when the federation decides)."""
    return bool((proposal.extra or {}).get("intercommunal"))


def is_author_move(proposal: Proposal, user_id: int, to: str) -> bool:
    """The author's own move: only to an active member of the proposal's commune, and never
    on a proposal created by a federation (its 'author' is a federation coordinator)."""
    from federation.identity.services import membership

    if proposal.author_id != user_id or (proposal.status, to) not in AUTHOR_MOVES:
        return False
    if is_federation_proposal(proposal):
        return False
    member = membership(proposal.commune_id, user_id)
    return member is not None and member.status == "active"


def manual_moves(proposal: Proposal, user_id: int | None, facilitator: bool) -> list[str]:
    """The moves the page offers this person: only those the rules accept."""
    if user_id is None or is_federation_proposal(proposal):
        return []
    return [
        to
        for to in TRANSITIONS.get(proposal.status, ())
        if (proposal.status, to) in MANUAL_MOVES
        and (facilitator or is_author_move(proposal, user_id, to))
    ]


def move(proposal: Proposal, to: str, actor: User) -> None:
    """A move made by hand (the caller has checked the author's or facilitation's right).

    Deciding a proposal, or putting it to a vote, is never a manual move: those states follow
    from its vote, so that a decision always has its tally, its Decision row, its journal
    entry and its event.
    """
    if (proposal.status, to) not in MANUAL_MOVES:
        if to not in TRANSITIONS.get(proposal.status, ()):
            transition(proposal, to, actor)  # raises the clear "cannot move" message
        raise Conflict(
            _(
                "« %(to)s » découle du vote sur la proposition : ouvrez ou clôturez son vote.",
                to=STATE_LABELS.get(to, to),
            ),
            field="status",
        )
    if is_federation_proposal(proposal):
        raise Conflict(
            _("Une proposition de la fédération suit le processus de la fédération."),
            field="status",
        )
    transition(proposal, to, actor)


STATE_LABELS = {
    "draft": _l("brouillon"),
    "deliberation": _l("en délibération"),
    "voting": _l("au vote"),
    "adopted": _l("adoptée"),
    "rejected": _l("rejetée"),
    "carried_out": _l("réalisée"),
    "withdrawn": _l("retirée"),
}


def parse_cost(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        cost = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationFailed(_("Montant invalide."), field="cost") from None
    if cost < 0 or cost >= Decimal("1e12") or cost != cost.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Montant invalide."), field="cost")
    return cost


def create_proposal(
    body: Body,
    author: User,
    title: str,
    text: str = "",
    *,
    cost: Any = None,
    concern_ids: list[int] | None = None,
    extra: dict[str, Any] | None = None,
) -> Proposal:
    proposal = Proposal(
        body_id=body.id,
        author_id=author.id,
        title=text_field(title, "title", 200, required=True),
        text=text_field(text, "text", 50000),
        cost=parse_cost(cost),
        extra=extra or {},
    )
    db.session.add(proposal)
    db.session.flush()
    for concern_id in concern_ids or []:
        from federation.governance.concerns import get_concern, link_to_proposal

        link_to_proposal(get_concern(concern_id), proposal.id)
    follow(author, proposal=proposal)
    return proposal


def get_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Proposition introuvable."), field="proposal")
    return proposal


def proposals(body: Body | None = None, status: str | None = None) -> list[Proposal]:
    query = select(Proposal).order_by(Proposal.created_at.desc())
    if body is not None:
        query = query.where(Proposal.body_id == body.id)
    if status:
        query = query.where(Proposal.status == status)
    return list(db.session.scalars(query))


def transition(proposal: Proposal, to: str, actor: User | None = None) -> None:
    """Move a proposal along its life; an illegal move is refused with a clear message."""
    allowed = TRANSITIONS.get(proposal.status, ())
    if to not in allowed:
        raise Conflict(
            _(
                "Une proposition « %(state)s » ne peut pas passer à « %(to)s ».",
                state=STATE_LABELS.get(proposal.status, proposal.status),
                to=STATE_LABELS.get(to, to),
            ),
            field="status",
        )
    proposal.status = to
    if to == "deliberation" and proposal.opened_at is None:
        proposal.opened_at = utcnow()
    if to in ("adopted", "rejected"):
        proposal.decided_at = utcnow()
    db.session.flush()
    notify_followers(
        proposal,
        "proposal.state",
        {"state": to},
        exclude=actor.id if actor else None,
    )


def update_draft(proposal: Proposal, actor: User, **changes: Any) -> None:
    if proposal.status not in ("draft", "deliberation"):
        raise Conflict(_("Une proposition au vote ou décidée ne se modifie plus."), field="status")
    if proposal.author_id != actor.id:
        raise Forbidden(_("Seul·e l'auteur·rice modifie sa proposition."))
    if "title" in changes:
        proposal.title = text_field(changes["title"], "title", 200, required=True)
    if "text" in changes:
        proposal.text = text_field(changes["text"], "text", 50000)
    if "cost" in changes:
        proposal.cost = parse_cost(changes["cost"])


def cosign(proposal: Proposal, user: User) -> None:
    if proposal.status not in ("draft", "deliberation"):
        raise Conflict(_("On ne co-signe plus une proposition au vote ou décidée."))
    try:
        with db.session.begin_nested():
            db.session.add(ProposalCosigner(proposal_id=proposal.id, user_id=user.id))
    except IntegrityError:
        return


def cosigners(proposal: Proposal) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(ProposalCosigner, ProposalCosigner.user_id == User.id)
            .where(ProposalCosigner.proposal_id == proposal.id)
        )
    )


def linked_concerns(proposal: Proposal) -> list[Concern]:
    """The concerns the proposal answers, in one query (not one per concern)."""
    return list(
        db.session.scalars(
            select(Concern)
            .join(ProposalConcern, ProposalConcern.concern_id == Concern.id)
            .where(ProposalConcern.proposal_id == proposal.id)
            .order_by(ProposalConcern.id)
        )
    )


# --- deliberation --------------------------------------------------------------------------


def comment(proposal: Proposal, author: User, text: str) -> Comment:
    if proposal.status not in ("deliberation", "voting"):
        raise Conflict(_("Les commentaires sont ouverts pendant la délibération."))
    row = Comment(
        proposal_id=proposal.id,
        author_id=author.id,
        text=text_field(text, "text", 5000, required=True),
    )
    db.session.add(row)
    db.session.flush()
    notify_followers(proposal, "proposal.comment", exclude=author.id)
    return row


def comments(proposal: Proposal) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.proposal_id == proposal.id)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def get_comment(comment_id: int) -> Comment:
    row = db.session.get(Comment, comment_id)
    if row is None:
        raise NotFound(_("Commentaire introuvable."), field="comment")
    return row


def report_comment(row: Comment, user: User, reason: str = "") -> None:
    try:
        with db.session.begin_nested():
            db.session.add(
                CommentReport(
                    comment_id=row.id, user_id=user.id, reason=text_field(reason, "reason", 1000)
                )
            )
    except IntegrityError:
        return
    row.reports += 1


def hide_comment(row: Comment, moderator: User, reason: str) -> None:
    """Hide a comment with a public reason; the moderation is journaled."""
    row.hidden = True
    row.hidden_reason = text_field(reason, "reason", 1000, required=True)
    row.hidden_by_id = moderator.id
    db.session.flush()
    record(
        "moderation.comment_hidden",
        payload={"comment": row.id, "proposal": row.proposal_id, "reason": row.hidden_reason},
        commune_id=row.commune_id,
        actor=moderator.display_name,
    )


def amend(proposal: Proposal, author: User, text: str) -> Amendment:
    if proposal.status != "deliberation":
        raise Conflict(_("Les amendements se déposent pendant la délibération."))
    row = Amendment(
        proposal_id=proposal.id,
        author_id=author.id,
        text=text_field(text, "text", 20000, required=True),
    )
    db.session.add(row)
    db.session.flush()
    return row


def amendments(proposal: Proposal) -> list[Amendment]:
    return list(
        db.session.scalars(
            select(Amendment).where(Amendment.proposal_id == proposal.id).order_by(Amendment.id)
        )
    )


def settle_amendment(amendment: Amendment, accepted: bool, actor: User) -> None:
    """The author accepts an amendment (its text is appended) or declines it."""
    proposal = get_proposal(amendment.proposal_id)
    if proposal.author_id != actor.id:
        raise Forbidden(_("Seul·e l'auteur·rice de la proposition tranche les amendements."))
    if amendment.status != "proposed" or proposal.status != "deliberation":
        raise Conflict(_("Cet amendement a déjà été traité."))
    amendment.status = "accepted" if accepted else "rejected"
    if accepted:
        proposal.text = (proposal.text + "\n\n" + amendment.text).strip()


def add_follow_up(proposal: Proposal, author: User, text: str, progress: int) -> FollowUp:
    if proposal.status not in ("adopted", "carried_out"):
        raise Conflict(_("Le suivi concerne les propositions adoptées."))
    if not 0 <= progress <= 100:
        raise ValidationFailed(_("Avancement entre 0 et 100 %."), field="progress")
    row = FollowUp(
        proposal_id=proposal.id,
        author_id=author.id,
        text=text_field(text, "text", 5000, required=True),
        progress=progress,
    )
    db.session.add(row)
    db.session.flush()
    if progress == 100 and proposal.status == "adopted":
        transition(proposal, "carried_out", author)
    return row


def follow_ups(proposal: Proposal) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.proposal_id == proposal.id)
            .order_by(FollowUp.created_at)
        )
    )


# --- following and notifications ---------------------------------------------------------


def follow(user: User, *, body: Body | None = None, proposal: Proposal | None = None) -> None:
    """Follow one body or one proposal; following again changes nothing (one row per
    person and target, kept by the partial unique indexes of ``gov_follows``)."""
    if (body is None) == (proposal is None):
        raise ValueError("follow one body or one proposal")
    try:
        with db.session.begin_nested():
            db.session.add(
                Follow(
                    user_id=user.id,
                    body_id=body.id if body else None,
                    proposal_id=proposal.id if proposal else None,
                )
            )
    except IntegrityError:
        return


def unfollow(user: User, *, body: Body | None = None, proposal: Proposal | None = None) -> None:
    query = select(Follow).where(Follow.user_id == user.id)
    query = (
        query.where(Follow.body_id == body.id)
        if body
        else query.where(Follow.proposal_id == proposal.id)
    )  # type: ignore[union-attr]
    for row in db.session.scalars(query):
        db.session.delete(row)


def is_following(
    user_id: int, *, body_id: int | None = None, proposal_id: int | None = None
) -> bool:
    query = select(Follow.id).where(Follow.user_id == user_id)
    if body_id:
        query = query.where(Follow.body_id == body_id)
    if proposal_id:
        query = query.where(Follow.proposal_id == proposal_id)
    return db.session.scalar(query) is not None


def followers(proposal: Proposal) -> set[int]:
    return set(
        db.session.scalars(
            select(Follow.user_id).where(
                (Follow.proposal_id == proposal.id) | (Follow.body_id == proposal.body_id)
            )
        )
    )


def notify_followers(
    proposal: Proposal,
    kind: str,
    params: dict[str, Any] | None = None,
    exclude: int | None = None,
) -> None:
    """Tell the proposal's followers (a kind of :mod:`federation.governance.texts`, read in
    each follower's language; the proposal's title joins the parameters)."""
    link = f"/c/{_slug(proposal.commune_id)}/proposals/{proposal.id}"
    params = {"proposal": proposal.id, **proposal.title_data(), **(params or {})}
    tell(followers(proposal) - {exclude}, kind, params, link=link, commune_id=proposal.commune_id)


def _slug(commune_id: int) -> str:
    from federation.tenancy.models import Commune

    commune = db.session.get(Commune, commune_id)
    return commune.slug if commune else ""


def close_superseded(proposal: Proposal, by: str) -> bool:
    """The local copy of a federation's proposal, still open when the federation decided:
    its votes are cancelled and it is withdrawn (the federation's process, never a manual
    move). Returns whether anything was closed."""
    from federation.governance.votes import cancel_vote, votes

    if proposal.status not in ("draft", "deliberation", "voting"):
        return False
    for vote in votes(proposal=proposal):
        cancel_vote(vote, by, "federation_decided")
    proposal.status = "withdrawn"
    db.session.flush()
    notify_followers(proposal, "proposal.state", {"state": "withdrawn"})
    return True
