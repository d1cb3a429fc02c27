"""The water circle decides: a proposal carries a level change or an allocation under
``Proposal.extra["water"]``; when the proposal is adopted (the core's domain event
``governance.decision_adopted``), the level is declared or the allocation applied.

``extra["water"]`` is one of::

    {"level": "alerte", "resource_id": 3}      # one resource
    {"level": "alerte", "basin": 2}            # the commune's part of a basin (federation)
    {"level": "alerte"}                        # the whole commune
    {"allocation_id": 17}                      # put a computed allocation in force
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_water.constants import LEVEL_LABELS
from convergence_water.models import AllocationRun
from convergence_water.services import (
    commune_id,
    declare_level,
    get_resource,
    get_run,
    target_label,
    validate_level_target,
    water_bodies,
)
from convergence_water.units import fmt_m3
from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.governance import proposals as gov_proposals
from federation.governance import votes as gov_votes
from federation.governance.models import Body, Proposal
from federation.identity.services import has_permission

log = logging.getLogger(__name__)
OPEN_STATES = ("draft", "deliberation")


def deciding_bodies() -> list[Body]:
    """Where water decisions are taken: the water circles, and the assembly above them."""
    assembly = db.session.scalar(select(Body).where(Body.kind == "assembly"))
    return [*water_bodies(), *([assembly] if assembly is not None else [])]


def open_proposals() -> list[Proposal]:
    ids = [b.id for b in deciding_bodies()]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.body_id.in_(ids), Proposal.status.in_(OPEN_STATES))
            .order_by(Proposal.id.desc())
        )
    )


def _check_proposal(proposal: Proposal) -> None:
    if proposal.body_id not in {b.id for b in deciding_bodies()}:
        raise ValidationFailed(
            _("La proposition doit être portée par le cercle de l'eau ou l'assemblée."),
            field="proposal_id",
        )
    if proposal.status not in OPEN_STATES:
        raise Conflict(
            _("On ne modifie plus une proposition au vote ou décidée."), field="proposal_id"
        )


def clean_payload(data: dict[str, Any]) -> dict[str, Any]:
    """Validate what a proposal will carry: a level change or an allocation."""
    if data.get("allocation_id") not in (None, "", 0, "0"):
        run = get_run(data["allocation_id"])
        if run.status not in ("proposed", "in_vote"):
            raise Conflict(
                _("Seule une allocation proposée peut être mise au vote."), field="allocation_id"
            )
        return {"allocation_id": run.id}
    if data.get("level") in (None, ""):
        raise ValidationFailed(
            _("Indiquez un niveau de sécheresse ou une allocation."), field="level"
        )
    return validate_level_target(data)


def attach(proposal: Proposal, data: dict[str, Any]) -> dict[str, Any]:
    """Attach a level change or an allocation to an open proposal of the water circle."""
    _check_proposal(proposal)
    payload = clean_payload(data)
    run = get_run(payload["allocation_id"]) if "allocation_id" in payload else None
    if run is not None and run.proposal_id not in (None, proposal.id):
        raise Conflict(
            _("Cette allocation est déjà soumise à une autre proposition."),
            field="allocation_id",
        )
    previous = (proposal.extra or {}).get("water") or {}
    if previous.get("allocation_id") and previous.get("allocation_id") != payload.get(
        "allocation_id"
    ):
        _release(previous["allocation_id"], proposal.id)
    proposal.extra = {**(proposal.extra or {}), "water": payload}
    if run is not None:
        from convergence_water.services import freeze

        run.status, run.proposal_id = "in_vote", proposal.id
        freeze(run)
    db.session.flush()
    return payload


def _release(run_id: int, proposal_id: int) -> None:
    run = db.session.get(AllocationRun, run_id)
    if run is not None and run.proposal_id == proposal_id and run.status == "in_vote":
        run.status, run.proposal_id = "proposed", None


def describe(payload: dict[str, Any]) -> str:
    """A sentence for the proposal text and the pages."""
    if "allocation_id" in payload:
        run = db.session.get(AllocationRun, payload["allocation_id"])
        if run is None:
            return _("Allocation supprimée.")
        resource = get_resource(run.resource_id)
        return _(
            "Mettre en vigueur l'allocation n° %(id)d de %(r)s : %(a)s m³ par jour partagés "
            "entre %(n)d usager·es au niveau « %(l)s » (volume disponible : %(v)s m³ par jour).",
            id=run.id,
            r=resource.name,
            a=fmt_m3(run.allocated),
            n=run.users_count,
            l=LEVEL_LABELS.get(run.level, run.level),
            v=fmt_m3(run.available),
        )
    return _(
        "Déclarer le niveau de sécheresse « %(l)s » pour %(t)s.",
        l=LEVEL_LABELS.get(payload.get("level"), payload.get("level")),
        t=target_label(payload.get("resource_id"), payload.get("basin")),
    )


def propose(
    data: dict[str, Any],
    author: Any,
    *,
    body_id: Any = None,
    title: str = "",
    text: str = "",
    open_vote: bool = False,
) -> Proposal:
    """Create a proposal of the water circle carrying ``data``, in deliberation; a person
    who facilitates may open the circle's vote on it at once (majority, public)."""
    bodies = {b.id: b for b in deciding_bodies()}
    try:
        body = bodies.get(int(body_id)) if body_id not in (None, "") else None
    except (TypeError, ValueError):
        body = None
    if body is None:
        circles = water_bodies()
        if body_id not in (None, "") or not circles:
            raise ValidationFailed(
                _("Créez d'abord un cercle de l'eau (thème « eau »)."), field="body_id"
            )
        body = circles[0]
    payload = clean_payload(data)
    sentence = describe(payload)
    proposal = gov_proposals.create_proposal(
        body,
        author,
        title.strip() or sentence[:200],
        (text.strip() + "\n\n" + sentence).strip(),
    )
    gov_proposals.transition(proposal, "deliberation", author)
    attach(proposal, payload)
    if open_vote:
        if not has_permission(author, "gov.facilitate", commune_id()):
            raise Conflict(_("Seule la facilitation ouvre un vote."), field="open_vote")
        vote = gov_votes.create_vote(
            body,
            proposal.title,
            "majority",
            proposal=proposal,
            results_hidden=False,
            settings={"threshold": "1/2"},
        )
        gov_votes.open_vote(vote, author)
    return proposal


def on_decision_adopted(payload: dict[str, Any]) -> None:
    """Carry out what an adopted proposal of the water circle carries."""
    water = (payload.get("extra") or {}).get("water")
    if not isinstance(water, dict):
        return
    if payload.get("body_id") not in {b.id for b in deciding_bodies()}:
        log.warning("water data on a proposal outside the water circle: ignored")
        return
    decision_id = payload.get("decision_id")
    if water.get("allocation_id"):
        from convergence_water.services import apply_run

        run = db.session.get(AllocationRun, int(water["allocation_id"]))
        if run is None:
            log.warning("adopted allocation %s no longer exists", water["allocation_id"])
            return
        apply_run(run, actor=None, decision_id=decision_id)
        return
    if water.get("level"):
        declare_level(
            {
                "level": water["level"],
                "resource_id": water.get("resource_id"),
                "basin": water.get("basin"),
            },
            source="decision",
            decision_id=decision_id,
        )


def on_proposal_rejected(payload: dict[str, Any]) -> None:
    """A rejected allocation stays on record as rejected; the circle may propose another."""
    water = (payload.get("extra") or {}).get("water")
    if not isinstance(water, dict) or not water.get("allocation_id"):
        return
    run = db.session.get(AllocationRun, int(water["allocation_id"]))
    if (
        run is not None
        and run.status == "in_vote"
        and run.proposal_id == payload.get("proposal_id")
    ):
        run.status = "rejected"
