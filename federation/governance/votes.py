"""Votes: creating them, freezing their rules when they open, casting ballots (public, or
secret: who voted and what was voted are stored apart), proxies, tallying in one grouped
query, quorum, and turning the outcome into a decision."""

from __future__ import annotations

import gc
import json
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance import ballot_box, bodies
from federation.governance.models import (
    Body,
    Meeting,
    Proposal,
    Proxy,
    SealedBallot,
    SecretBallot,
    Vote,
    VoteOption,
    VoteParticipation,
)
from federation.governance.voting.base import BallotError, Option, VotingMethod
from federation.identity.models import User
from federation.journal.services import record
from federation.plugins.events import emit
from federation.security import security_event

DECISION_METHODS = ("majority", "consent", "advice")
PROPOSAL_REJECTED = "governance.proposal_rejected"


def methods() -> dict[str, VotingMethod]:
    return current_app.extensions["convergence"].voting_methods


def method_of(vote: Vote) -> VotingMethod:
    return methods()[vote.method]


def canonical(ballot: Any) -> str:
    return json.dumps(ballot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_fraction(value: str, field: str = "quorum") -> Fraction:
    try:
        fraction = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValidationFailed(_("Fraction invalide (ex. 1/2, 2/3, 0)."), field=field) from None
    if not 0 <= fraction <= 1:
        raise ValidationFailed(_("Une part entre 0 et 1 (ex. 1/4)."), field=field)
    return fraction


def options_of(vote: Vote) -> list[Option]:
    rows = db.session.scalars(
        select(VoteOption).where(VoteOption.vote_id == vote.id).order_by(VoteOption.position)
    )
    return [Option(row.id, row.label) for row in rows]


def create_vote(
    body: Body,
    title: str,
    method: str,
    *,
    options: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    secret: bool = False,
    quorum: str = "0",
    results_hidden: bool = True,
    electorate: str | None = None,
    allow_proxies: bool = True,
    proposal: Proposal | None = None,
    meeting: Meeting | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Vote:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            _("Le titre est obligatoire (200 caractères au plus)."), field="title"
        )
    if method not in methods():
        raise ValidationFailed(_("Méthode de vote inconnue : %(m)s", m=method), field="method")
    labels = [label.strip() for label in options or [] if label and label.strip()]
    if method not in DECISION_METHODS and len(labels) < 2:
        raise ValidationFailed(_("Il faut au moins deux options."), field="options")
    if len(labels) > 200 or any(len(label) > 200 for label in labels):
        raise ValidationFailed(_("Trop d'options ou option trop longue."), field="options")
    if len(set(labels)) != len(labels):
        raise ValidationFailed(_("Deux options portent le même nom."), field="options")
    parse_fraction(quorum)
    check_dates(opens_at, closes_at)
    if meeting is not None and (meeting.body_id != body.id or meeting.status == "cancelled"):
        raise ValidationFailed(
            _("La réunion doit être une réunion de cette instance, non annulée."),
            field="meeting_id",
        )
    electorate = electorate or ("commune" if body.is_assembly else "body")
    if electorate not in ("commune", "body"):
        raise ValidationFailed(_("Corps électoral inconnu."), field="electorate")
    vote = Vote(
        body_id=body.id,
        title=title,
        method=method,
        secret=bool(secret),
        quorum=str(quorum).strip(),
        results_hidden=bool(results_hidden),
        electorate=electorate,
        allow_proxies=bool(allow_proxies),
        proposal_id=proposal.id if proposal else None,
        meeting_id=meeting.id if meeting else None,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    if (
        proposal is not None
        and proposal.title_kind
        and title
        in (
            proposal.stored_title,
            proposal.title,
        )
    ):  # the proposal's generated title, unchanged: the vote's reads in each language too
        vote.take_title(proposal)
    db.session.add(vote)
    db.session.flush()
    for position, label in enumerate(labels):
        db.session.add(VoteOption(vote_id=vote.id, position=position, label=label))
    db.session.flush()
    try:
        vote.settings = methods()[method].validate_settings(settings or {}, options_of(vote))
    except BallotError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc
    if meeting is not None and proposal is not None:
        from federation.governance.meetings import put_on_agenda

        put_on_agenda(meeting, proposal)  # proposal, meeting and minutes point to each other
    return vote


def get_vote(vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(_("Vote introuvable."), field="vote")
    return vote


def votes(
    body: Body | None = None, proposal: Proposal | None = None, meeting: Meeting | None = None
) -> list[Vote]:
    query = select(Vote).order_by(Vote.created_at.desc())
    if meeting is not None:
        query = query.where(Vote.meeting_id == meeting.id)
    if body is not None:
        query = query.where(Vote.body_id == body.id)
    if proposal is not None:
        query = query.where(Vote.proposal_id == proposal.id)
    return list(db.session.scalars(query))


def check_dates(opens_at: datetime | None, closes_at: datetime | None) -> None:
    """Planned dates: casting is accepted from ``opens_at`` (if set) until ``closes_at``
    (if set); ``governance close-due`` closes the vote when ``closes_at`` has passed."""
    if closes_at is not None and _aware(closes_at) <= utcnow():
        raise ValidationFailed(_("La clôture doit être dans le futur."), field="closes_at")
    if opens_at is not None and closes_at is not None and _aware(closes_at) <= _aware(opens_at):
        raise ValidationFailed(_("La clôture doit suivre l'ouverture."), field="closes_at")


FROZEN = (
    "method",
    "settings",
    "secret",
    "quorum",
    "results_hidden",
    "electorate",
    "allow_proxies",
    "options",
    "opens_at",
    "closes_at",
)


def change_rules(vote: Vote, **changes: Any) -> None:
    """Rules can change while the vote is a draft only (R13: frozen once voting opens)."""
    if vote.status != "draft":
        raise Conflict(
            _("Les règles du vote sont figées depuis son ouverture."),
            field=next(iter(changes), "vote"),
        )
    for key, value in changes.items():
        if key not in FROZEN or key == "options":
            raise ValidationFailed(_("Champ inconnu."), field=key)
        if key == "quorum":
            parse_fraction(value)
        setattr(vote, key, value)
    if "opens_at" in changes or "closes_at" in changes:
        check_dates(vote.opens_at, vote.closes_at)
    if "settings" in changes or "method" in changes:
        try:
            vote.settings = method_of(vote).validate_settings(vote.settings, options_of(vote))
        except BallotError as exc:
            raise ValidationFailed(exc.message, field=exc.field) from exc


def open_vote(vote: Vote, actor: User) -> None:
    if vote.status != "draft":
        raise Conflict(_("Ce vote est déjà ouvert ou clos."), field="status")
    if vote.meeting_id is not None:
        meeting = db.session.get(Meeting, vote.meeting_id)
        if meeting.status != "held":
            raise Conflict(
                _(
                    "Enregistrez d'abord les présences de la réunion : "
                    "elles font le corps électoral."
                ),
                field="meeting",
            )
    electorate = electorate_ids(vote)
    vote.eligible_count = len(electorate)
    vote.status = "open"
    if vote.opens_at is None or _aware(vote.opens_at) < utcnow():
        vote.opens_at = utcnow()  # a planned later opening is kept: casting waits for it
    if vote.proposal_id:
        from federation.governance.proposals import get_proposal, transition

        proposal = get_proposal(vote.proposal_id)
        if proposal.status == "deliberation":
            transition(proposal, "voting", actor)
        elif proposal.status != "voting":
            raise Conflict(
                _("La proposition doit être en délibération pour être mise au vote."),
                field="proposal",
            )
    from federation.governance.notices import vote_opened

    vote_opened(vote, electorate, actor.id)  # the people who may vote are told
    record(
        "vote.opened",
        payload={
            "vote": vote.id,
            **vote.title_data(),
            "method": vote.method,
            "settings": vote.settings,
            "secret": vote.secret,
            "quorum": vote.quorum,
            "electorate": vote.electorate,
            "eligible": vote.eligible_count,
            "options": [o.label for o in options_of(vote)],
        },
        commune_id=vote.commune_id,
        actor=actor.display_name,
    )


def lock_vote(vote: Vote, *, exclusive: bool) -> None:
    """Serialise casting and closing on one vote, then re-read it.

    PostgreSQL: casts take ``FOR SHARE`` on the vote row (they run side by side), closing
    takes ``FOR UPDATE`` (it waits for the casts in flight, and later casts wait for it,
    then find the vote closed). SQLite has one writer at a time: a no-op UPDATE of the vote
    row takes the database's write lock before anything is checked, so a cast and a close
    run one after the other. Either way a ballot is counted, or refused as arriving after
    the close — never stored uncounted.
    """
    lock_row(Vote, vote.id, exclusive=exclusive)
    db.session.refresh(vote)  # the state as it is now that the lock is held


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _ensure_open(vote: Vote) -> None:
    if vote.status != "open":
        raise Conflict(
            _("Ce vote est clos : votre bulletin n'a pas été enregistré.")
            if vote.status == "closed"
            else _("Ce vote n'est pas ouvert."),
            field="vote",
        )
    now = utcnow()
    if vote.opens_at is not None and _aware(vote.opens_at) > now:
        raise Conflict(_("Ce vote n'est pas encore ouvert."), field="vote")
    if vote.closes_at is not None and _aware(vote.closes_at) <= now:
        raise Conflict(_("Ce vote est clos : votre bulletin n'a pas été enregistré."), field="vote")


def base_electorate(vote: Vote) -> set[int]:
    """Who may take part in the body's decisions (and give or hold a proxy)."""
    body = db.session.get(Body, vote.body_id)
    return set(bodies.electorate_ids(body, vote.electorate))


def electorate_ids(vote: Vote) -> set[int]:
    """Who votes. A vote held in a meeting: the members recorded present, and those whose
    proxy a present member holds; otherwise the whole electorate of the body."""
    base = base_electorate(vote)
    if vote.meeting_id is None:
        return base
    from federation.governance.meetings import present_ids

    present = present_ids(db.session.get(Meeting, vote.meeting_id)) & base
    carried = set(
        db.session.scalars(
            select(Proxy.giver_id).where(
                Proxy.vote_id == vote.id, Proxy.holder_id.in_(present or {0})
            )
        )
    )
    return present | (carried & base)


def _eligible(vote: Vote, user_id: int) -> bool:
    return user_id in electorate_ids(vote)


@dataclass(frozen=True)
class CastResult:
    receipt: str | None
    duplicate: bool


def cast(vote: Vote, voter: User, ballot: Any, *, for_user_id: int | None = None) -> CastResult:
    """Record one ballot. A second ballot of the same person is refused by a UNIQUE
    constraint; it answers as a success that changed nothing (idempotent, R11).

    The vote is locked first (see :func:`lock_vote`): a ballot cast while the vote closes is
    either counted or refused. A secret ballot is sealed (see :mod:`ballot_box`)."""
    lock_vote(vote, exclusive=False)
    _ensure_open(vote)
    voter_id = voter.id
    if for_user_id is not None and for_user_id != voter.id:
        proxy = db.session.scalar(
            select(Proxy).where(
                Proxy.vote_id == vote.id, Proxy.giver_id == for_user_id, Proxy.holder_id == voter.id
            )
        )
        if proxy is None:
            raise Forbidden(_("Vous ne portez pas la procuration de cette personne."))
        voter_id = for_user_id
    if not _eligible(vote, voter_id):
        raise Forbidden(_("Seul·es les membres vérifié·es concerné·es par ce vote votent."))
    try:
        content = canonical(
            method_of(vote).validate_ballot(ballot, options_of(vote), vote.settings)
        )
    except BallotError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc
    receipt = secrets.token_hex(16) if vote.secret else None
    try:
        with db.session.begin_nested():
            db.session.add(
                VoteParticipation(
                    vote_id=vote.id,
                    voter_id=voter_id,
                    cast_by_id=voter.id,
                    cast_on=date.today(),
                    content=None if vote.secret else content,
                )
            )
            db.session.flush()
            if vote.secret:
                _seal(vote, receipt, content)
    except IntegrityError:
        return CastResult(None, duplicate=True)
    security_event("vote_cast", vote=vote.id)  # never the choice
    return CastResult(receipt, duplicate=False)


def _seal(vote: Vote, receipt: str, content: str) -> None:
    """Keep a secret ballot sealed until the vote closes (never in the ballots table now)."""
    ballot_box.put(SealedBallot, SealedBallot.vote_id, ballot_box.VOTE, vote.id, [receipt, content])


def _open_ballot_box(vote: Vote) -> int:
    """At close, in the closing transaction: open every sealed ballot, write them to the
    ballots table in random order, delete the sealed rows. Returns how many."""
    opened = ballot_box.open_all(SealedBallot, SealedBallot.vote_id, ballot_box.VOTE, vote.id)
    for receipt, content in opened:
        db.session.add(SecretBallot(receipt=receipt, vote_id=vote.id, content=content))
    db.session.flush()
    return len(opened)


def change_ballot(vote: Vote, voter: User, ballot: Any) -> None:
    """Public votes only: change one's ballot while the vote is open (an objection
    withdrawn, an advice revised). A secret ballot cannot be found again, by design."""
    _ensure_open(vote)
    if vote.secret:
        raise Conflict(_("Un bulletin secret ne peut pas être modifié."), field="vote")
    lock_vote(vote, exclusive=False)
    _ensure_open(vote)
    row = db.session.scalar(
        select(VoteParticipation).where(
            VoteParticipation.vote_id == vote.id, VoteParticipation.voter_id == voter.id
        )
    )
    if row is None:
        raise NotFound(_("Vous n'avez pas encore voté."), field="vote")
    try:
        row.content = canonical(
            method_of(vote).validate_ballot(ballot, options_of(vote), vote.settings)
        )
    except BallotError as exc:
        raise ValidationFailed(exc.message, field=exc.field) from exc


def has_voted(vote: Vote, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(VoteParticipation.id).where(
                VoteParticipation.vote_id == vote.id, VoteParticipation.voter_id == user_id
            )
        )
        is not None
    )


def give_proxy(vote: Vote, giver: User, holder_id: int) -> Proxy:
    if not vote.allow_proxies:
        raise Conflict(_("Ce vote n'accepte pas de procuration."))
    if vote.status not in ("draft", "open"):
        raise Conflict(_("Ce vote est clos."))
    if holder_id == giver.id:
        raise ValidationFailed(_("On ne se donne pas procuration à soi-même."), field="holder")
    base = base_electorate(vote)
    if not (giver.id in base and holder_id in base):
        raise Forbidden(_("La procuration se donne entre membres qui votent."))
    if has_voted(vote, giver.id):
        raise Conflict(_("Vous avez déjà voté."))
    try:
        with db.session.begin_nested():
            proxy = Proxy(vote_id=vote.id, giver_id=giver.id, holder_id=holder_id)
            db.session.add(proxy)
    except IntegrityError:
        raise Conflict(
            _("Une procuration existe déjà (une par personne, dans chaque sens)."), field="holder"
        ) from None
    return proxy


def proxies_held(vote: Vote, holder_id: int) -> list[Proxy]:
    return list(
        db.session.scalars(
            select(Proxy).where(Proxy.vote_id == vote.id, Proxy.holder_id == holder_id)
        )
    )


# --- counting ------------------------------------------------------------------------------


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing 100,000 ballots allocates 100,000 small acyclic containers: the cyclic
    garbage collector would scan them over and over (4× slower); refcounting frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def grouped_ballots(vote: Vote) -> list[tuple[Any, int]]:
    """Identical ballots grouped: one query, never one per ballot.

    The contents are fetched as one column and counted with a hash table, which is
    cheaper than a database sort when most ballots differ (ranked and graded methods);
    each distinct ballot is then parsed once.
    """
    model = SecretBallot if vote.secret else VoteParticipation
    query = select(model.content).where(model.vote_id == vote.id)
    with _gc_paused():
        if vote.method in DECISION_METHODS:  # a handful of distinct ballots: group in SQL
            rows = db.session.execute(query.add_columns(func.count()).group_by(model.content)).all()
            return [(json.loads(content), count) for content, count in rows]
        counts = Counter(db.session.scalars(query))
        # one parse of all distinct ballots: half the time of one json.loads per ballot
        parsed = json.loads("[" + ",".join(counts) + "]")
        return list(zip(parsed, counts.values(), strict=True))


def participants(vote: Vote) -> int:
    return (
        db.session.scalar(
            select(func.count(VoteParticipation.id)).where(VoteParticipation.vote_id == vote.id)
        )
        or 0
    )


def compute_result(vote: Vote) -> dict[str, Any]:
    method = method_of(vote)
    ballots = grouped_ballots(vote)
    with _gc_paused():
        result = method.tally(ballots, options_of(vote), vote.settings)
    del ballots
    if vote.method == "consent":  # adoption follows the objections' final states (item 7)
        from federation.governance.objections import apply_to_tally

        apply_to_tally(vote, result)
    taking_part = participants(vote)
    eligible = vote.eligible_count or 0
    quorum = parse_fraction(vote.quorum)
    # zero participation never decides anything, whatever the quorum says ("0" included)
    quorum_met = taking_part > 0 and taking_part * quorum.denominator >= quorum.numerator * eligible
    meeting = _meeting_quorum(vote)
    if meeting is not None:  # a vote held in a meeting is valid only if the meeting is
        quorum_met = quorum_met and meeting["quorum_reached"]
    adopted = None
    if result.adopted is not None:
        adopted = bool(result.adopted and quorum_met)
    elif method.binding and vote.proposal_id:
        adopted = bool(quorum_met and result.winners)
    labels = {o.id: o.label for o in options_of(vote)}
    return {
        "method": vote.method,
        "winners": result.winners,
        "winner_labels": [labels.get(w, str(w)) for w in result.winners],
        "ranking": result.ranking,
        "scores": {str(k): v for k, v in result.scores.items()},
        "ballots": result.ballots,
        "participants": taking_part,
        "eligible": eligible,
        "quorum": vote.quorum,
        "quorum_met": quorum_met,
        "adopted": adopted,
        "binding": method.binding,
        "details": result.details,
        **({"meeting": meeting} if meeting is not None else {}),
    }


def _meeting_quorum(vote: Vote) -> dict[str, Any] | None:
    if vote.meeting_id is None:
        return None
    from federation.governance.meetings import present_count, quorum_reached

    meeting = db.session.get(Meeting, vote.meeting_id)
    return {
        "id": meeting.id,
        "present": present_count(meeting),
        "quorum": meeting.quorum,
        "quorum_reached": quorum_reached(meeting),
    }


def results_visible(vote: Vote) -> bool:
    """A secret vote never shows results while open (watching them change after each cast
    would link voters to choices), whatever its ``results_hidden`` says."""
    return vote.status == "closed" or not (vote.results_hidden or vote.secret)


def roll_visible(vote: Vote) -> bool:
    """Who took part: public votes at any time; secret votes only once closed."""
    return vote.status == "closed" or not vote.secret


def current_result(vote: Vote) -> dict[str, Any]:
    """The result, only when the vote says it may be seen (R13: hidden until it closes)."""
    if not results_visible(vote):
        raise Forbidden(_("Les résultats seront publiés à la clôture du vote."))
    return vote.result if vote.status == "closed" and vote.result else compute_result(vote)


def close_vote(vote: Vote, actor: User) -> dict[str, Any]:
    """Close and count, in the caller's one transaction: the vote's state, its result, the
    proposal's state, the Decision, the journal entries and the event (delivered after the
    commit). Nothing here commits."""
    lock_vote(vote, exclusive=True)
    if vote.status != "open":
        raise Conflict(_("Seul un vote ouvert peut être clos."), field="status")
    vote.status = "closed"
    vote.closes_at = utcnow()
    if vote.secret:
        _open_ballot_box(vote)
    if vote.meeting_id is not None:  # late arrivals recorded present during the meeting
        vote.eligible_count = len(electorate_ids(vote))
    result = compute_result(vote)
    vote.result = result
    db.session.flush()
    record(
        "vote.closed",
        payload={
            "vote": vote.id,
            **vote.title_data(),
            "result": {k: v for k, v in result.items() if k != "details"},
        },
        commune_id=vote.commune_id,
        actor=actor.display_name,
    )
    if vote.proposal_id and result["adopted"] is not None:
        from federation.governance.decisions import adopt
        from federation.governance.proposals import get_proposal, transition

        proposal = get_proposal(vote.proposal_id)
        if proposal.status == "voting":
            if result["adopted"]:
                transition(proposal, "adopted", actor)
                adopt(
                    proposal,
                    vote,
                    {k: v for k, v in result.items() if k != "details"},
                    actor.display_name,
                )
            else:
                transition(proposal, "rejected", actor)
                emit(
                    PROPOSAL_REJECTED,
                    {
                        "proposal_id": proposal.id,
                        "body_id": proposal.body_id,
                        "extra": proposal.extra,
                    },
                    commune_id=vote.commune_id,
                )
    return result


def secret_ballots(vote: Vote) -> list[tuple[str, str]]:
    """After closing: every secret ballot with its receipt, so anyone can recount and each
    voter can find theirs. Sorted by receipt (random), so no order reveals anything."""
    if vote.status != "closed":
        raise Forbidden(_("Les bulletins sont publiés à la clôture du vote."))
    return list(
        db.session.execute(
            select(SecretBallot.receipt, SecretBallot.content)
            .where(SecretBallot.vote_id == vote.id)
            .order_by(SecretBallot.receipt)
        ).all()
    )


def roll(vote: Vote) -> list[VoteParticipation]:
    """Who took part (and, for a public vote, how they voted)."""
    return list(
        db.session.scalars(
            select(VoteParticipation)
            .where(VoteParticipation.vote_id == vote.id)
            .order_by(VoteParticipation.id)
        )
    )


def cancel_vote(vote: Vote, by: str, reason: str) -> bool:
    """End a draft or open vote without an outcome: its question was settled elsewhere (a
    federation decided before this assembly answered). Nothing is tallied, no decision is
    made. The vote is locked like a close (a ballot in flight is recorded before, or refused
    after); the sealed ballots of a secret vote are deleted unopened — nobody will ever count
    them — while the roll of who took part stays. Returns whether the vote was cancelled."""
    lock_vote(vote, exclusive=True)
    if vote.status not in ("draft", "open"):
        return False
    vote.status = "cancelled"
    vote.closes_at = utcnow()
    ballot_box.discard(SealedBallot, SealedBallot.vote_id, vote.id)
    db.session.flush()
    record(
        "vote.cancelled",
        payload={"vote": vote.id, **vote.title_data(), "reason": reason},
        commune_id=vote.commune_id,
        actor=by,
    )
    return True
