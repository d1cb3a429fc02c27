"""Intercommunal proposals: sent to every member commune's assembly, which votes with its own
method; adopted or rejected when the federation's ratification rule is decided.

The rule (majority of communes, a qualified share, or unanimity; optionally weighted by
population; with an optional deadline) is evaluated after every answer: a proposal is
decided as soon as the remaining answers can no longer change the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from federation.db import db, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.identity.models import User
from federation.intercommunal.models import RULES, FederationProposal, Ratification
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
    for commune in communes:
        with commune_scope(commune.id):
            local = create_proposal(
                assembly(commune),
                actor,
                _("[%(f)s] %(t)s", f=federation.name, t=proposal.title),
                proposal.text,
                extra={
                    "intercommunal": {
                        "federation_proposal_id": proposal.id,
                        "federation": federation.slug,
                    }
                },
            )
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
                _(
                    "Proposition de %(f)s soumise à l'assemblée : %(t)s",
                    f=federation.name,
                    t=proposal.title,
                ),
                {
                    "federation": federation.slug,
                    "federation_proposal": proposal.id,
                    "rule": proposal.rule,
                    "deadline": str(proposal.deadline or ""),
                },
                commune_id=commune.id,
                actor=actor.display_name,
            )
    record(
        "intercommunal.sent",
        _("Proposition envoyée aux %(n)d communes : %(t)s", n=len(communes), t=proposal.title),
        {
            "federation_proposal": proposal.id,
            "rule": proposal.rule,
            "threshold": proposal.threshold,
            "weighted": proposal.weighted,
            "deadline": str(proposal.deadline or ""),
            "communes": [c.slug for c in communes],
        },
        federation_id=federation.id,
        actor=actor.display_name,
    )
    db.session.flush()


@dataclass(frozen=True)
class Progress:
    yes: Fraction
    no: Fraction
    pending: Fraction
    total: Fraction


def progress(proposal: FederationProposal) -> Progress:
    counted = [r for r in proposal.ratifications if r.status != "left"]

    def weight(r: Ratification) -> Fraction:
        return Fraction(max(r.population, 1)) if proposal.weighted else Fraction(1)

    yes = sum((weight(r) for r in counted if r.status == "ratified"), Fraction(0))
    no = sum((weight(r) for r in counted if r.status == "rejected"), Fraction(0))
    total = sum((weight(r) for r in counted), Fraction(0))
    return Progress(yes, no, total - yes - no, total)


def outcome(rule: str, threshold: Fraction, p: Progress, final: bool) -> str | None:
    """'adopted', 'rejected', or None while the remaining answers could change it."""
    if p.total == 0:
        return "rejected" if final else None
    if rule == "unanimity":
        if p.no > 0:
            return "rejected"
        return "adopted" if p.yes == p.total else ("rejected" if final else None)
    if rule == "majority":
        if p.yes * 2 > p.total:
            return "adopted"
        if p.no * 2 >= p.total or final:
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


def answer(commune_id: int, commune_proposal_id: int, ratified: bool) -> None:
    """A member assembly decided (called from the governance events)."""
    ratification = db.session.scalar(
        select(Ratification).where(
            Ratification.commune_id == commune_id,
            Ratification.commune_proposal_id == commune_proposal_id,
        )
    )
    if ratification is None or ratification.status != "pending":
        return
    ratification.status = "ratified" if ratified else "rejected"
    ratification.decided_at = utcnow()
    db.session.flush()
    evaluate(ratification.proposal)


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
    for ratification in pending:
        ratification.status = "left"
        db.session.flush()
        evaluate(ratification.proposal)


def close_due(today: date | None = None) -> list[int]:
    """Decide every proposal whose deadline has passed (pending answers count as not
    ratified)."""
    today = today or date.today()
    decided = []
    for proposal in db.session.scalars(
        select(FederationProposal).where(
            FederationProposal.status == "ratifying", FederationProposal.deadline < today
        )
    ):
        evaluate(proposal, final=True)
        decided.append(proposal.id)
    return decided


def _decide(proposal: FederationProposal, result: str, p: Progress) -> None:
    proposal.status = result
    proposal.decided_at = utcnow()
    federation = db.session.get(Federation, proposal.federation_id)
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
    summary = (
        _("Ratifiée par les communes : %(t)s", t=proposal.title)
        if result == "adopted"
        else _("Non ratifiée par les communes : %(t)s", t=proposal.title)
    )
    record(
        f"intercommunal.{result}",
        summary,
        {"federation_proposal": proposal.id, **tally},
        federation_id=federation.id,
        actor=federation.name,
    )
    for ratification in proposal.ratifications:
        record(
            f"intercommunal.{result}",
            summary,
            {
                "federation": federation.slug,
                "federation_proposal": proposal.id,
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
