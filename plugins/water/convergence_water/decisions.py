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

from convergence_water.models import AllocationRun, WaterResource
from convergence_water.services import (
    declare_level,
    get_resource,
    get_run,
    validate_level_target,
    water_bodies,
)
from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.governance.models import Body, Proposal
from federation.governance.submissions import Generated, propose_to_body
from federation.texts import render

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


def generated(payload: dict[str, Any], title: str = "") -> Generated:
    """What a proposal carrying ``payload`` says, as data (``texts.PROPOSALS`` renders it
    for the reader): ids, codes, names people gave, volumes in litres."""
    if "allocation_id" in payload:
        run = db.session.get(AllocationRun, payload["allocation_id"])
        if run is None:
            return Generated("water.proposal.deleted", {}, "water.proposal.deleted", title)
        params: dict[str, Any] = {
            "allocation": run.id,
            "resource_name": get_resource(run.resource_id).name,
            "allocated_l": run.allocated,
            "users": run.users_count,
            "level": run.level,
            "available_l": run.available,
        }
        return Generated(
            "water.proposal.allocation", params, "water.proposal.allocation.text", title
        )
    params = {
        "level": payload.get("level"),
        "resource": payload.get("resource_id"),
        "basin": payload.get("basin"),
        "target_name": target_name(payload.get("resource_id"), payload.get("basin")),
    }
    # the generated title says it all; under a title people typed, the text says it
    return Generated(
        "water.proposal.level", params, "water.proposal.level" if title else None, title
    )


def target_name(resource_id: int | None, basin: int | None) -> str | None:
    """The name people gave to the resource or to the basin's federation (kept as given)."""
    from federation.tenancy.models import Federation

    if resource_id is not None:
        resource = db.session.get(WaterResource, resource_id)
        return resource.name if resource is not None else None
    if basin is not None:
        federation = db.session.get(Federation, basin)
        return federation.name if federation is not None else None
    return None


def describe(payload: dict[str, Any]) -> str:
    """The sentence of a proposal carrying ``payload``, in the reader's language."""
    about = generated(payload)
    return render(about.text_kind or about.kind, about.params)


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
    who facilitates may open the circle's vote on it at once (majority, public). The core's
    one path (``propose_to_body``); a title people typed stays as given, otherwise the title
    and the generated text are data."""
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
    return propose_to_body(
        body,
        author,
        generated(payload, title.strip()),
        text.strip(),
        {"water": payload},
        open_vote=open_vote,
        prepare=lambda proposal: attach(proposal, payload),
    )


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
