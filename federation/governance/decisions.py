"""Decisions: an adopted proposal is written to the public journal with its tally and
method, and the domain event ``governance.decision_adopted`` lets plugins act on it."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from federation.db import db
from federation.errors import NotFound
from federation.governance.models import Decision, Proposal, Vote
from federation.journal.services import record
from federation.plugins.events import emit

DECISION_ADOPTED = "governance.decision_adopted"


def adopt(proposal: Proposal, vote: Vote | None, tally: dict[str, Any], actor: str) -> Decision:
    decision = Decision(
        proposal_id=proposal.id,
        vote_id=vote.id if vote else None,
        body_id=proposal.body_id,
        text=proposal.given_text,
        text_kind=proposal.text_kind,
        method=vote.method if vote else "meeting",
        tally=tally,
    )
    decision.take_title(proposal)  # a generated title stays generated
    db.session.add(decision)
    db.session.flush()
    entry = record(
        "decision.adopted",
        payload={
            "decision": decision.id,
            "proposal": proposal.id,
            **proposal.title_data(),
            "body": proposal.body.name,
            "method": decision.method,
            "meeting": vote.meeting_id if vote else None,
            "tally": tally,
            "cost": str(proposal.cost) if proposal.cost is not None else None,
            "extra": proposal.extra,
        },
        commune_id=proposal.commune_id,
        actor=actor,
    )
    decision.journal_seq = entry.seq
    emit(
        DECISION_ADOPTED,
        {
            "decision_id": decision.id,
            "proposal_id": proposal.id,
            "body_id": proposal.body_id,
            "extra": proposal.extra,
            "cost": str(proposal.cost) if proposal.cost is not None else None,
        },
        commune_id=proposal.commune_id,
    )
    return decision


def decisions(limit: int = 100) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision).order_by(Decision.adopted_at.desc(), Decision.id.desc()).limit(limit)
        )
    )


def get_decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(_("Décision introuvable."), field="decision")
    return decision
