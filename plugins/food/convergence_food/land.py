"""Land for new farmers: plots, candidates, and matches decided by a vote.

A match (a candidate settled on a plot) is proposed by the food circle and carried by a
governance proposal (:mod:`convergence_food.decisions`). :func:`apply_match` is the only
path that settles a candidate, and it refuses unless the proposal carrying this very match
was adopted by its vote: a :class:`~federation.governance.models.Decision` row for that
proposal, recorded by the core when the vote closed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_food.models import Candidate, Match, Plot, Producer
from convergence_food.services import can_steer, is_member, journal, plugin_on
from federation.db import db
from federation.errors import Conflict, Forbidden, NotFound
from federation.governance.models import Decision, Proposal
from federation.validation import flag, ident, quantity, text_field

HELP_KINDS = ("equipment", "housing", "training", "water")


def plots() -> list[Plot]:
    return list(db.session.scalars(select(Plot).order_by(Plot.name)))


def get_plot(plot_id: Any) -> Plot:
    row = db.session.get(Plot, ident(plot_id, "plot_id"))
    if row is None:
        raise NotFound(_("Parcelle introuvable."), field="plot_id")
    return row


def create_plot(data: dict[str, Any], actor: Any = None) -> Plot:
    name = text_field(data.get("name"), "name", 200, required=True)
    if db.session.scalar(select(Plot.id).where(Plot.name == name)):
        raise Conflict(_("Une parcelle porte déjà ce nom."), field="name")
    row = Plot(
        name=name,
        owner=text_field(data.get("owner"), "owner", 200, required=True),
        communal=flag(data.get("communal")),
        surface_ha=quantity(data.get("surface_ha"), "surface_ha", allow_zero=False),
        soil=text_field(data.get("soil"), "soil", 300),
        water_access=text_field(data.get("water_access"), "water_access", 300),
        water_resource_code=text_field(data.get("water_resource_code"), "water_resource_code", 40),
        lease_terms=text_field(data.get("lease_terms"), "lease_terms", 5000),
    )
    db.session.add(row)
    db.session.flush()
    journal(
        "plot_added",
        {"plot": row.id, "name": row.name, "surface_ha": str(row.surface_ha)},
        actor,
    )
    return row


def water_link(plot: Plot, commune_slug: str) -> str | None:
    """The water plugin's public page of the plot's resource, where water is enabled here
    (public data only: no import of the water plugin)."""
    if not plot.water_resource_code or not plugin_on("water"):
        return None
    return f"/c/{commune_slug}/water/resources"


def candidates() -> list[Candidate]:
    return list(db.session.scalars(select(Candidate).order_by(Candidate.id)))


def get_candidate(candidate_id: Any) -> Candidate:
    row = db.session.get(Candidate, ident(candidate_id, "candidate_id"))
    if row is None:
        raise NotFound(_("Candidature introuvable."), field="candidate_id")
    return row


def create_candidate(data: dict[str, Any], actor: Any) -> Candidate:
    """A member applies to settle (or the circle registers someone)."""
    if not is_member(actor):
        raise Forbidden(_("Réservé aux membres vérifié·es de la commune."), field="account")
    needs = {kind: text_field(data.get(f"need_{kind}"), f"need_{kind}", 300) for kind in HELP_KINDS}
    row = Candidate(
        account_id=None if can_steer(actor) and data.get("name") else actor.id,
        name=text_field(data.get("name") or actor.display_name, "name", 200, required=True),
        project=text_field(data.get("project"), "project", 5000, required=True),
        needs={k: v for k, v in needs.items() if v},
        surface_wanted_ha=quantity(data.get("surface_wanted_ha") or "0", "surface_wanted_ha"),
    )
    db.session.add(row)
    db.session.flush()
    journal("candidate_added", {}, actor)
    return row


def matches() -> list[Match]:
    return list(db.session.scalars(select(Match).order_by(Match.id.desc())))


def get_match(match_id: Any) -> Match:
    row = db.session.get(Match, ident(match_id, "match_id"))
    if row is None:
        raise NotFound(_("Proposition d'installation introuvable."), field="match_id")
    return row


def new_match(plot: Plot, candidate: Candidate, help_to_settle: str = "") -> Match:
    """A match waiting for its vote (created with the proposal that carries it)."""
    if plot.status != "available":
        raise Conflict(_("Cette parcelle est déjà attribuée."), field="plot_id")
    if candidate.status != "seeking":
        raise Conflict(_("Cette personne n'attend plus de terre."), field="candidate_id")
    if db.session.scalar(
        select(Match.id).where(Match.plot_id == plot.id, Match.status == "in_vote")
    ):
        raise Conflict(_("Une proposition pour cette parcelle est déjà au vote."), field="plot_id")
    row = Match(
        plot_id=plot.id,
        candidate_id=candidate.id,
        help_to_settle=text_field(help_to_settle, "help_to_settle", 2000),
    )
    db.session.add(row)
    db.session.flush()
    return row


def adopted_decision(match: Match) -> Decision | None:
    """The decision that adopted the proposal carrying this match, if any."""
    if match.proposal_id is None:
        return None
    proposal = db.session.get(Proposal, match.proposal_id)
    if proposal is None or proposal.status not in ("adopted", "carried_out"):
        return None
    food = (proposal.extra or {}).get("food") or {}
    if food.get("match_id") != match.id:
        return None
    return db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id).limit(1))


def apply_match(match: Match, decision_id: int | None = None) -> Producer:
    """Settle the candidate on the plot: only after the vote adopted this match."""
    decision = adopted_decision(match)
    if decision is None or (decision_id is not None and decision.id != decision_id):
        raise Conflict(
            _("Une installation n'est décidée que par le vote qui l'adopte."), field="match_id"
        )
    if match.status != "in_vote":
        raise Conflict(_("Cette proposition est déjà tranchée."), field="match_id")
    plot, candidate = get_plot(match.plot_id), get_candidate(match.candidate_id)
    if plot.status != "available" or candidate.status != "seeking":
        raise Conflict(_("Parcelle ou personne déjà engagée ailleurs."), field="match_id")
    producer = Producer(
        name=_unique_producer_name(candidate.name),
        kind="market_gardener",
        description=candidate.project[:5000],
        surface_ha=plot.surface_ha,
        account_id=candidate.account_id,
        installed_on=date.today(),
    )
    db.session.add(producer)
    db.session.flush()
    match.status, match.decision_id = "adopted", decision.id
    plot.status = "matched"
    candidate.status, candidate.producer_id = "installed", producer.id
    db.session.flush()
    journal(
        "installed",
        {
            "match": match.id,
            "plot": plot.id,
            "name": plot.name,
            "decision": decision.id,
            "producer": producer.id,
        },
    )
    return producer


def _unique_producer_name(name: str) -> str:
    base, index = name[:190], 1
    candidate = base
    while db.session.scalar(select(Producer.id).where(Producer.name == candidate)):
        index += 1
        candidate = f"{base} ({index})"
    return candidate


def reject_match(match: Match) -> None:
    if match.status == "in_vote":
        match.status = "rejected"
        db.session.flush()


def installations() -> int:
    return sum(1 for m in matches() if m.status == "adopted")


def help_links(commune_slug: str) -> dict[str, str]:
    """Where the help to settle continues: the housing plugin's pages where enabled."""
    links = {}
    if plugin_on("housing"):
        links["housing"] = f"/c/{commune_slug}/housing/"
    if plugin_on("water"):
        links["water"] = f"/c/{commune_slug}/water/"
    return links
