"""Consent, done fully: an objection carries its reason; facilitation records each one as
answered, withdrawn or upheld; the proposal is adopted only when no objection blocks.

An objection blocks while it is *upheld* or still *open* (nobody dealt with it yet).

Public consent votes only. In a secret consent vote a reasoned objection would have to be
stored next to the moment its author voted, which links the voter to "object" (issue 10 item
3): there, every "object" ballot blocks and cannot be answered one by one — the objection is
brought to the debate and the vote is held again.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from federation.db import db, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance import votes
from federation.governance.models import OBJECTION_STATES, Objection, Vote, VoteParticipation
from federation.governance.voting.base import TallyResult
from federation.identity.models import User
from federation.journal.services import record

#: the states facilitation records
RESOLUTIONS = ("answered", "withdrawn", "upheld")
#: states that do not block adoption
SETTLED = ("answered", "withdrawn")
STATE_LABELS: dict[str, Any] = {
    "open": _l("en attente de réponse"),
    "answered": _l("répondue"),
    "withdrawn": _l("retirée"),
    "upheld": _l("maintenue"),
}


def _position(ballot: Any) -> str | None:
    return ballot.get("position") if isinstance(ballot, dict) else None


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Une objection se motive : donnez sa raison."), field="reason")
    if len(reason) > 5000:
        raise ValidationFailed(_("5 000 caractères au plus."), field="reason")
    return reason


def cast_consent(
    vote: Vote,
    voter: User,
    ballot: Any,
    *,
    reason: str = "",
    for_user_id: int | None = None,
) -> votes.CastResult:
    """Cast a ballot; in a public consent vote an objection needs its reason and is stored
    with it, in the same transaction as the ballot. Other votes: :func:`votes.cast`."""
    objecting = vote.method == "consent" and _position(ballot) == "object"
    if vote.method == "consent" and vote.secret and (reason or "").strip():
        raise ValidationFailed(
            _(
                "Vote secret : une objection motivée nommerait son auteur·e. Portez-la au "
                "débat ; votre bulletin « objection » bloque l'adoption."
            ),
            field="reason",
        )
    text = _reason(reason) if objecting and not vote.secret else ""
    result = votes.cast(vote, voter, ballot, for_user_id=for_user_id)
    if objecting and not vote.secret and not result.duplicate:
        db.session.add(Objection(vote_id=vote.id, author_id=for_user_id or voter.id, reason=text))
        db.session.flush()
    return result


def change_consent(vote: Vote, voter: User, ballot: Any, *, reason: str = "") -> None:
    """Change one's public consent ballot: moving away from "object" withdraws one's
    objection; objecting (again) needs a reason and reopens it."""
    if vote.method != "consent":
        votes.change_ballot(vote, voter, ballot)
        return
    mine = own_objection(vote, voter.id)
    if _position(ballot) == "object":
        text = _reason(reason) if (reason or "").strip() or mine is None else mine.reason
        votes.change_ballot(vote, voter, ballot)
        if mine is None:
            db.session.add(Objection(vote_id=vote.id, author_id=voter.id, reason=text))
        else:
            mine.reason, mine.status = text, "open"
            mine.resolved_by_id = mine.resolved_at = None
    else:
        votes.change_ballot(vote, voter, ballot)
        if mine is not None and mine.status != "withdrawn":
            mine.status = "withdrawn"
            mine.response = ""
            mine.resolved_by_id = voter.id
            mine.resolved_at = utcnow()
    db.session.flush()


def own_objection(vote: Vote, user_id: int) -> Objection | None:
    return db.session.scalar(
        select(Objection).where(Objection.vote_id == vote.id, Objection.author_id == user_id)
    )


def of_vote(vote: Vote) -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection).where(Objection.vote_id == vote.id).order_by(Objection.id)
        )
    )


def get_objection(objection_id: int) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(_("Objection introuvable."), field="objection")
    return objection


def resolve(objection: Objection, status: str, actor: User, *, response: str = "") -> None:
    """Facilitation records what became of an objection, while the vote is open."""
    if status not in RESOLUTIONS:
        raise ValidationFailed(_("État inconnu : répondue, retirée ou maintenue."), field="status")
    vote = votes.get_vote(objection.vote_id)
    if vote.status != "open":
        raise Conflict(_("Le vote est clos : son résultat est acquis."), field="vote")
    objection.status = status
    objection.response = (response or "").strip()[:5000]
    objection.resolved_by_id = actor.id
    objection.resolved_at = utcnow()
    db.session.flush()
    record(
        "vote.objection",
        payload={
            "vote": vote.id,
            "objection": objection.id,
            "status": status,
            "reason": objection.reason,
            "response": objection.response,
        },
        commune_id=vote.commune_id,
        actor=actor.display_name,
    )


def blocking(vote: Vote) -> int:
    """How many "object" ballots still block: every one in a secret vote; in a public vote
    those whose objection is not answered or withdrawn (a ballot without a recorded
    objection — cast before objections existed — blocks too)."""
    if vote.secret:
        return 0  # counted from the tally (see apply_to_tally)
    contents = dict(
        db.session.execute(
            select(VoteParticipation.voter_id, VoteParticipation.content).where(
                VoteParticipation.vote_id == vote.id
            )
        ).all()
    )
    settled = set(
        db.session.scalars(
            select(Objection.author_id).where(
                Objection.vote_id == vote.id, Objection.status.in_(SETTLED)
            )
        )
    )
    return sum(
        1
        for voter_id, content in contents.items()
        if content and json.loads(content).get("position") == "object" and voter_id not in settled
    )


def apply_to_tally(vote: Vote, result: TallyResult) -> None:
    """The consent outcome follows the objections' final states (called when counting)."""
    counts = result.details.get("counts", {})
    blocked = counts.get("object", 0) if vote.secret else blocking(vote)
    states = dict.fromkeys(OBJECTION_STATES, 0)
    for objection in of_vote(vote):
        states[objection.status] = states.get(objection.status, 0) + 1
    result.details["objections_blocking"] = blocked
    result.details["objection_states"] = states
    result.adopted = blocked == 0 and result.ballots > 0
