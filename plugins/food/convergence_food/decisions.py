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
from federation.governance import proposals as gov_proposals
from federation.governance import votes as gov_votes
from federation.governance.models import Body, Proposal
from federation.identity.services import has_permission
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


def _describe(payload: dict[str, Any]) -> str:
    if "contract_id" in payload:
        contract = contracts.get_contract(payload["contract_id"])
        lines = contracts.lines_of(contract)
        products = contracts.products_of(contract)
        prices = "; ".join(
            _(
                "%(p)s : %(a)s (solidaire %(s)s)",
                p=products[line.id].name,
                a=formatting.money(line.price),
                s=formatting.money(line.solidarity_price),
            )
            for line in lines
        )
        return _(
            "Ouvrir le contrat « %(t)s » (%(season)s), %(n)d livraisons, aux prix : %(prices)s. "
            "Paniers solidaires : %(q)s.",
            t=contract.title,
            season=contract.season,
            n=len(contracts.deliveries_of(contract)),
            prices=prices,
            q=contract.solidarity_quota or _("autant que le pot le permet"),
        )
    if "match_id" in payload:
        match = land.get_match(payload["match_id"])
        plot = land.get_plot(match.plot_id)
        return _(
            "Installer une personne candidate (n° %(c)d) sur la parcelle « %(p)s » "
            "(%(s)s ha, %(o)s). %(h)s",
            c=match.candidate_id,
            p=plot.name,
            s=formatting.number(plot.surface_ha),
            o=plot.owner,
            h=match.help_to_settle,
        )
    return _(
        "Le prix solidaire est ouvert : %(v)s.",
        v=_("à tout membre")
        if payload["policy"].get("aid_open_to") == "members"
        else _("aux demandes accordées par le cercle"),
    )


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
    deliberation; a person who facilitates may open the vote at once (majority, public)."""
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
    sentence = _describe(payload)
    proposal = gov_proposals.create_proposal(
        body, author, sentence[:200], (text.strip() + "\n\n" + sentence).strip()
    )
    gov_proposals.transition(proposal, "deliberation", author)
    proposal.extra = {**(proposal.extra or {}), "food": payload}
    if kind == "contract":
        contract.status, contract.proposal_id = "in_vote", proposal.id
    elif kind == "match":
        match.proposal_id = proposal.id
    db.session.flush()
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
