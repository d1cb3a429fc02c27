"""Intercommunal proposals: sent to every member commune's assembly, which votes with its own
method; adopted or rejected when the federation's ratification rule is decided.

The rule (majority of communes, a qualified share, or unanimity; optionally weighted by
population; with an optional deadline) is evaluated after every answer: a proposal is
decided as soon as the remaining answers can no longer change the outcome.

Answers are serialised by a lock on the federation proposal (``FOR UPDATE`` on PostgreSQL,
the database write lock on SQLite), the deadline is checked when an answer arrives, an answer
after the outcome changes nothing, and when the federation decides the local proposals still
open in member assemblies are closed through the governance services. A member commune with
nobody able to vote when the proposal is sent is marked ``unable`` (nobody answers in its
name) and counts by the proposal's ``unable_rule``: an abstention (default), a refusal, or
out of the base.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.identity.models import Membership, User
from federation.intercommunal.models import (
    RULES,
    UNABLE_RULES,
    FederationProposal,
    Ratification,
)
from federation.journal.services import record
from federation.plugins.events import emit
from federation.tenancy.context import commune_scope
from federation.tenancy.models import Commune, Federation
from federation.tenancy.services import member_communes

ADOPTED_EVENT = "intercommunal.proposal_adopted"
REJECTED_EVENT = "intercommunal.proposal_rejected"


def _fraction(value: str, field: str = "threshold") -> Fraction:
    try:
        fraction = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValidationFailed(_("Fraction invalide (ex. 2/3)."), field=field) from None
    if not Fraction(1, 2) <= fraction <= 1:
        raise ValidationFailed(_("Une part entre 1/2 et 1 (ex. 2/3)."), field=field)
    return fraction


def create(
    federation: Federation,
    author: User,
    title: str,
    text: str = "",
    *,
    rule: str = "majority",
    threshold: str = "1/2",
    weighted: bool = False,
    deadline: date | None = None,
    unable_rule: str = "abstain",
) -> FederationProposal:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            _("Le titre est obligatoire (200 caractères au plus)."), field="title"
        )
    if rule not in RULES:
        raise ValidationFailed(_("Règle de ratification inconnue."), field="rule")
    if rule == "qualified":
        _fraction(threshold)
    if unable_rule not in UNABLE_RULES:
        raise ValidationFailed(
            _("Règle inconnue pour les communes qui ne peuvent pas répondre."),
            field="unable_rule",
        )
    if deadline is not None and deadline < date.today():
        raise ValidationFailed(_("L'échéance est passée."), field="deadline")
    proposal = FederationProposal(
        federation_id=federation.id,
        title=title,
        text=(text or "")[:50000],
        rule=rule,
        threshold=str(threshold).strip() or "1/2",
        weighted=bool(weighted),
        deadline=deadline,
        unable_rule=unable_rule,
        created_by_id=author.id,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def get(federation: Federation, proposal_id: int) -> FederationProposal:
    proposal = db.session.get(FederationProposal, proposal_id)
    if proposal is None or proposal.federation_id != federation.id:
        raise NotFound(_("Proposition intercommunale introuvable."), field="proposal")
    return proposal


def proposals_of(federation: Federation) -> list[FederationProposal]:
    return list(
        db.session.scalars(
            select(FederationProposal)
            .where(FederationProposal.federation_id == federation.id)
            .order_by(FederationProposal.created_at.desc())
        )
    )


def send(proposal: FederationProposal, actor: User) -> None:
    """Put the proposal before every member commune's popular assembly."""
    from federation.governance.bodies import assembly
    from federation.governance.proposals import create_proposal, transition

    if proposal.status != "draft":
        raise Conflict(_("Cette proposition a déjà été envoyée aux communes."), field="status")
    federation = db.session.get(Federation, proposal.federation_id)
    communes = member_communes(federation.id)
    if not communes:
        raise Conflict(_("La fédération n'a aucune commune membre."), field="federation")
    proposal.status = "ratifying"
    proposal.sent_at = utcnow()
    unable = []
    for commune in communes:
        with commune_scope(commune.id):
            if not _can_answer(commune.id):
                unable.append(commune.slug)
                db.session.add(
                    Ratification(
                        proposal_id=proposal.id,
                        commune_id=commune.id,
                        status="unable",
                        population=commune.population or 0,
                        decided_at=utcnow(),
                    )
                )
                record(
                    "intercommunal.unable",
                    payload={
                        "federation": federation.slug,
                        "federation_name": federation.name,
                        "title": proposal.title,
                        "federation_proposal": proposal.id,
                        "unable_rule": proposal.unable_rule,
                    },
                    commune_id=commune.id,
                    actor=federation.name,
                )
                continue
            local = create_proposal(
                assembly(commune),
                actor,
                _("[%(f)s] %(t)s", f=federation.name, t=proposal.title),
                proposal.given_text,
                extra={
                    "intercommunal": {
                        "federation_proposal_id": proposal.id,
                        "federation": federation.slug,
                    }
                },
            )
            # a generated text (a pooled project's figures) stays data: each reader's language
            local.text_kind, local.title_params = proposal.text_kind, proposal.title_params
            transition(local, "deliberation", actor)
            db.session.add(
                Ratification(
                    proposal_id=proposal.id,
                    commune_id=commune.id,
                    commune_proposal_id=local.id,
                    population=commune.population or 0,
                )
            )
            record(
                "intercommunal.received",
                payload={
                    "federation": federation.slug,
                    "federation_name": federation.name,
                    "title": proposal.title,
                    "federation_proposal": proposal.id,
                    "rule": proposal.rule,
                    "deadline": str(proposal.deadline or ""),
                },
                commune_id=commune.id,
                actor=federation.name,
            )
    record(
        "intercommunal.sent",
        payload={
            "federation_proposal": proposal.id,
            "title": proposal.title,
            "rule": proposal.rule,
            "threshold": proposal.threshold,
            "weighted": proposal.weighted,
            "deadline": str(proposal.deadline or ""),
            "unable_rule": proposal.unable_rule,
            "communes": [c.slug for c in communes],
            "unable": unable,
        },
        federation_id=federation.id,
        actor=actor.display_name,
    )
    db.session.flush()
    from federation.governance.notices import ratification_requested

    asked = select(Ratification.commune_id, Ratification.commune_proposal_id).where(
        Ratification.proposal_id == proposal.id, Ratification.commune_proposal_id.is_not(None)
    )
    ratification_requested(  # each assembly's delegates and facilitators are told
        federation,
        proposal,
        dict(db.session.execute(asked).all()),  # type: ignore[arg-type]
        {c.id: c.slug for c in communes},
    )
    db.session.expire(proposal, ["ratifications"])
    evaluate(proposal)  # communes that cannot answer may already settle it (refusal, none left)


def _can_answer(commune_id: int) -> bool:
    """Whether a commune has anybody able to vote in its assembly (its active members: the
    assembly's electorate, :func:`federation.governance.bodies.electorate_ids`)."""
    count = db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.commune_id == commune_id, Membership.status == "active"
        )
    )
    return bool(count)


@dataclass(frozen=True)
class Progress:
    yes: Fraction
    no: Fraction
    pending: Fraction
    total: Fraction
    abstain: Fraction = Fraction(0)


def progress(proposal: FederationProposal) -> Progress:
    """Weights of the answers. ``left`` communes are out of the base; ``unable`` ones count
    by the proposal's ``unable_rule``; ``unanswered`` (closed by the decision) as pending."""
    rule = proposal.unable_rule or "abstain"
    counted = [
        r
        for r in proposal.ratifications
        if r.status != "left" and not (r.status == "unable" and rule == "exclude")
    ]

    def weight(r: Ratification) -> Fraction:
        return Fraction(max(r.population, 1)) if proposal.weighted else Fraction(1)

    def total_of(*statuses: str) -> Fraction:
        return sum((weight(r) for r in counted if r.status in statuses), Fraction(0))

    yes = total_of("ratified")
    no = total_of("rejected", *(("unable",) if rule == "refuse" else ()))
    abstain = total_of("unable") if rule == "abstain" else Fraction(0)
    total = total_of(*{r.status for r in counted})
    return Progress(yes, no, total - yes - no - abstain, total, abstain)


def outcome(rule: str, threshold: Fraction, p: Progress, final: bool) -> str | None:
    """'adopted', 'rejected', or None while the remaining answers could change it.

    Abstentions stay in the base (they are not a yes) except under unanimity, where an
    abstaining commune does not block: adopted when every other commune ratified."""
    if p.total == 0:
        return "rejected" if final else None
    if rule == "unanimity":
        if p.no > 0:
            return "rejected"
        if p.yes > 0 and p.yes == p.total - p.abstain:
            return "adopted"
        return "rejected" if final or p.pending == 0 else None
    if rule == "majority":
        if p.yes * 2 > p.total:
            return "adopted"
        if (p.yes + p.pending) * 2 <= p.total or final:
            return "rejected"
        return None
    if p.yes >= threshold * p.total:
        return "adopted"
    if p.yes + p.pending < threshold * p.total or final:
        return "rejected"
    return None


def evaluate(proposal: FederationProposal, *, final: bool = False) -> str | None:
    if proposal.status != "ratifying":
        return None
    threshold = _fraction(proposal.threshold) if proposal.rule == "qualified" else Fraction(1, 2)
    p = progress(proposal)
    every_answer = p.pending == 0
    result = outcome(proposal.rule, threshold, p, final or every_answer)
    if result is not None:
        _decide(proposal, result, p)
    return result


def _lock_proposal(proposal_id: int | Any) -> None:
    """Serialise the answers to one proposal: a row lock on PostgreSQL (``FOR UPDATE``), the
    database write lock on SQLite (a no-op write). Taken before anything is read: on SQLite a
    transaction that read first cannot take the write lock once another one committed.
    ``proposal_id`` may be a scalar subquery."""
    lock_row(FederationProposal, proposal_id)


def _locked(proposal_id: int, *, lock: bool = True) -> FederationProposal:
    """The proposal and its answers as committed, once the lock is held."""
    if lock:
        _lock_proposal(proposal_id)
    proposal = db.session.scalars(
        select(FederationProposal)
        .where(FederationProposal.id == proposal_id)
        .execution_options(populate_existing=True)
    ).one()
    db.session.scalars(
        select(Ratification)
        .where(Ratification.proposal_id == proposal_id)
        .execution_options(populate_existing=True)
    ).all()
    return proposal


def answer(commune_id: int, commune_proposal_id: int, ratified: bool) -> str | None:
    """A member assembly decided (called from the governance events). Refused (nothing
    changes) once the federation decided; after the deadline the proposal is decided on
    arrival and the late answer does not count. Returns the ratification's status."""
    of_answer = select(Ratification.proposal_id).where(
        Ratification.commune_id == commune_id,
        Ratification.commune_proposal_id == commune_proposal_id,
    )
    _lock_proposal(of_answer.scalar_subquery())
    proposal_id = db.session.scalar(of_answer)
    if proposal_id is None:
        return None
    proposal = _locked(proposal_id, lock=False)
    ratification = next(r for r in proposal.ratifications if r.commune_id == commune_id)
    if proposal.status != "ratifying" or ratification.status != "pending":
        return ratification.status
    if proposal.deadline is not None and date.today() > proposal.deadline:
        evaluate(proposal, final=True)
        return ratification.status
    ratification.status = "ratified" if ratified else "rejected"
    ratification.decided_at = utcnow()
    db.session.flush()
    evaluate(proposal)
    return ratification.status


def commune_left(federation: Federation, commune: Commune) -> None:
    """A commune leaving during ratification no longer counts either way."""
    pending = db.session.scalars(
        select(Ratification)
        .join(FederationProposal)
        .where(
            FederationProposal.federation_id == federation.id,
            FederationProposal.status == "ratifying",
            Ratification.commune_id == commune.id,
        )
    )
    for ratification in list(pending):
        proposal = _locked(ratification.proposal_id)
        if proposal.status != "ratifying":
            continue
        ratification.status = "left"
        db.session.flush()
        evaluate(proposal)


def close_due(today: date | None = None) -> list[int]:
    """Decide every proposal whose deadline has passed (pending answers count as not
    ratified)."""
    today = today or date.today()
    decided = []
    due = db.session.scalars(
        select(FederationProposal.id).where(
            FederationProposal.status == "ratifying", FederationProposal.deadline < today
        )
    ).all()
    for proposal_id in due:
        proposal = _locked(proposal_id)
        if evaluate(proposal, final=True) is not None:
            decided.append(proposal.id)
    return decided


def _decide(proposal: FederationProposal, result: str, p: Progress) -> None:
    proposal.status = result
    proposal.decided_at = utcnow()
    federation = db.session.get(Federation, proposal.federation_id)
    for ratification in proposal.ratifications:
        if ratification.status == "pending":
            ratification.status = "unanswered"
        _close_local(federation, proposal, ratification)
    tally = {
        "rule": proposal.rule,
        "threshold": proposal.threshold,
        "weighted": proposal.weighted,
        "yes": str(p.yes),
        "no": str(p.no),
        "pending": str(p.pending),
        "total": str(p.total),
        "communes": {r.commune.slug: r.status for r in proposal.ratifications},
    }
    record(
        f"intercommunal.{result}",
        payload={"federation_proposal": proposal.id, "title": proposal.title, **tally},
        federation_id=federation.id,
        actor=federation.name,
    )
    for ratification in proposal.ratifications:
        record(
            f"intercommunal.{result}",
            payload={
                "federation": federation.slug,
                "federation_proposal": proposal.id,
                "title": proposal.title,
                "this_commune": ratification.status,
                **tally,
            },
            commune_id=ratification.commune_id,
            actor=federation.name,
        )
        if ratification.status != "left":
            emit(
                ADOPTED_EVENT if result == "adopted" else REJECTED_EVENT,
                {"federation_proposal_id": proposal.id, "federation_id": federation.id},
                commune_id=ratification.commune_id,
            )
    from federation.intercommunal.pooled import on_ratified, on_rejected

    (on_ratified if result == "adopted" else on_rejected)(proposal)


def _close_local(
    federation: Federation, proposal: FederationProposal, ratification: Ratification
) -> None:
    """The federation decided: the commune's copy of the proposal, if still open, is
    withdrawn and its votes cancelled (governance services), and its journal says why."""
    from federation.governance.models import Proposal

    if ratification.commune_proposal_id is None:
        return
    from federation.governance.proposals import close_superseded

    with commune_scope(ratification.commune_id):
        local = db.session.get(Proposal, ratification.commune_proposal_id)
        if local is None or not close_superseded(local, federation.name):
            return
        record(
            "intercommunal.local_closed",
            payload={
                "federation": federation.slug,
                "federation_name": federation.name,
                "title": local.title,
                "federation_proposal": proposal.id,
                "proposal": local.id,
                "outcome": proposal.status,
            },
            commune_id=ratification.commune_id,
            actor=federation.name,
        )
