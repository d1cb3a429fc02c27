"""The food circle decides through the core's proposals and votes.

A proposal carries, under ``Proposal.extra["food"]``, one of::

    {"contract_id": 4}                 # open a contract at its prices and quota
    {"match_id": 2}                    # settle a candidate on a plot
    {"policy": {"aid_open_to": "members"}}  # who may ask for the solidarity price

When the core adopts it (event ``governance.decision_adopted``, after the vote's
transaction), the plugin carries it out; a rejection sends the contract back to draft or
rejects the match. Nothing here writes a decision: the governance services do.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_food import contracts, land
from convergence_food.constants import PLUGIN
from convergence_food.models import Contract, Match
from convergence_food.services import commune_id, food_bodies, journal, settings
from federation import formatting
from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.governance.models import Body, Proposal
from federation.governance.submissions import Generated, propose_to_body
from federation.plugins.services import update_settings
from federation.tenancy.models import Commune

log = logging.getLogger(__name__)
POLICY_KEYS = {"aid_open_to": ("granted", "members")}


def deciding_bodies() -> list[Body]:
    """Where food decisions are taken: the food circles, and the assembly above them."""
    assembly = db.session.scalar(select(Body).where(Body.kind == "assembly"))
    return [*food_bodies(), *([assembly] if assembly is not None else [])]


def _body(body_id: Any) -> Body:
    bodies = {b.id: b for b in deciding_bodies()}
    try:
        body = bodies.get(int(body_id)) if body_id not in (None, "") else None
    except (TypeError, ValueError):
        body = None
    if body is None:
        circles = food_bodies()
        if body_id not in (None, "") or not circles:
            raise ValidationFailed(
                _("Créez d'abord un cercle alimentation (thème « alimentation »)."),
                field="body_id",
            )
        body = circles[0]
    return body


def _clean_policy(values: dict[str, Any]) -> dict[str, Any]:
    clean = {}
    for key, value in values.items():
        if key not in POLICY_KEYS or value not in POLICY_KEYS[key]:
            raise ValidationFailed(_("Règle inconnue : %(v)s", v=str(key)[:40]), field="policy")
        clean[key] = value
    if not clean:
        raise ValidationFailed(_("Indiquez une règle."), field="policy")
    return clean


def _title(payload: dict[str, Any]) -> Generated:
    """What the proposal says, as data (``texts.PROPOSALS`` renders it for the reader):
    ids, names people gave, amounts as text with their currency, codes."""
    if "contract_id" in payload:
        contract = contracts.get_contract(payload["contract_id"])
        products = contracts.products_of(contract)
        params: dict[str, Any] = {
            "contract": contract.id,
            "title": contract.title,
            "season": contract.season,
            "deliveries": len(contracts.deliveries_of(contract)),
            "prices": [
                {
                    "product": products[line.id].name,
                    "price": str(line.price),
                    "solidarity": str(line.solidarity_price),
                }
                for line in contracts.lines_of(contract)
            ],
            "quota": contract.solidarity_quota or None,
            "currency": formatting.DEFAULT_CURRENCY,
        }
        return Generated("food.proposal.contract", params, "food.proposal.contract.text")
    if "match_id" in payload:
        match = land.get_match(payload["match_id"])
        plot = land.get_plot(match.plot_id)
        params = {
            "candidate": match.candidate_id,
            "plot": plot.name,
            "surface_ha": str(plot.surface_ha),
            "owner": plot.owner,
            "help": match.help_to_settle,
        }
        return Generated("food.proposal.match", params, "food.proposal.match.text")
    params = {"aid_open_to": payload["policy"].get("aid_open_to")}
    return Generated("food.proposal.policy", params, "food.proposal.policy.text")


def propose(
    kind: str,
    data: dict[str, Any],
    author: Any,
    *,
    body_id: Any = None,
    text: str = "",
    open_vote: bool = False,
) -> Proposal:
    """Put a contract's prices, a match or a rule to the food circle's vote: a proposal in
    deliberation; a person who facilitates may open the vote at once (majority, public).
    The core's one path (``propose_to_body``); the title and the generated text are data."""
    body = _body(body_id)
    if kind == "contract":
        contract = contracts.get_contract(data.get("contract_id"))
        if contract.status != "draft":
            raise Conflict(_("Seul un contrat en préparation va au vote."), field="contract_id")
        if not contracts.lines_of(contract) or not contracts.deliveries_of(contract):
            raise ValidationFailed(
                _("Ajoutez au moins un produit et une date de livraison."), field="contract_id"
            )
        payload: dict[str, Any] = {"contract_id": contract.id}
    elif kind == "match":
        match = land.new_match(
            land.get_plot(data.get("plot_id")),
            land.get_candidate(data.get("candidate_id")),
            data.get("help_to_settle", ""),
        )
        payload = {"match_id": match.id}
    elif kind == "policy":
        payload = {"policy": _clean_policy(data.get("policy") or {})}
    else:
        raise ValidationFailed(_("Valeur inconnue : %(v)s", v=str(kind)[:20]), field="kind")
    if kind == "contract":  # in the vote from now on, before its vote may open
        contract.status = "in_vote"
    proposal = propose_to_body(
        body, author, _title(payload), text.strip(), {"food": payload}, open_vote=open_vote
    )
    if kind == "contract":
        contract.proposal_id = proposal.id
    elif kind == "match":
        match.proposal_id = proposal.id
    db.session.flush()
    return proposal


def on_decision_adopted(payload: dict[str, Any]) -> None:
    food = (payload.get("extra") or {}).get("food")
    if not isinstance(food, dict):
        return
    if payload.get("body_id") not in {b.id for b in deciding_bodies()}:
        log.warning("food data on a proposal outside the food circle: ignored")
        return
    decision_id = payload.get("decision_id")
    if food.get("contract_id"):
        contract = db.session.get(Contract, int(food["contract_id"]))
        if contract is None or contract.proposal_id != payload.get("proposal_id"):
            return
        if contract.status == "in_vote":
            contract.status, contract.decision_id = "open", decision_id
            journal(
                "contract_opened",
                {"contract": contract.id, "decision": decision_id, "title": contract.title},
            )
    elif food.get("match_id"):
        match = db.session.get(Match, int(food["match_id"]))
        if match is not None and not (
            match.status == "adopted" and match.decision_id == decision_id
        ):
            land.apply_match(match, decision_id)
    elif food.get("policy"):
        commune = db.session.get(Commune, commune_id())
        update_settings(commune, PLUGIN, {**settings(), **_clean_policy(food["policy"])})
        journal("policy", {"policy": food["policy"]})


def on_proposal_rejected(payload: dict[str, Any]) -> None:
    food = (payload.get("extra") or {}).get("food")
    if not isinstance(food, dict):
        return
    if food.get("contract_id"):
        contract = db.session.get(Contract, int(food["contract_id"]))
        if (
            contract is not None
            and contract.proposal_id == payload.get("proposal_id")
            and contract.status == "in_vote"
        ):
            contract.status, contract.proposal_id = "draft", None
    elif food.get("match_id"):
        match = db.session.get(Match, int(food["match_id"]))
        if match is not None and match.proposal_id == payload.get("proposal_id"):
            land.reject_match(match)
