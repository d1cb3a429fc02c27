"""A commune with the actions plugin on: its assembly adopted the mandate of a campaign
carried by an action circle (through the core's proposals and votes), a facilitator who
organises, a circle member, members, and a neighbouring commune's admin (the outsider)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from federation.db import db, utcnow


@dataclass
class ActionTown:
    commune: Any
    other: Any
    facilitator: Any
    circle_member: Any
    members: list
    outsider: Any
    circle_id: int = 0
    decision_id: int = 0
    campaign_id: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/c/{self.commune.slug}/actions"

    @property
    def api(self) -> str:
        return f"/api/v1/communes/{self.commune.slug}/actions"


def user(ref) -> Any:
    from federation.identity.models import User

    person = ref.user if hasattr(ref, "user") else ref
    return db.session.get(User, person.id)


def adopted_decision(title: str, voters: list, facilitator, body=None) -> Any:
    """An adopted decision of the assembly (or ``body``): proposal, vote, close."""
    from convergence_actions.services import commune_id

    from federation.governance import bodies, proposals, votes
    from federation.governance.models import Decision
    from federation.tenancy.models import Commune

    body = body or bodies.assembly(db.session.get(Commune, commune_id()))
    proposal = proposals.create_proposal(body, user(facilitator), title, "Mandat.")
    proposals.transition(proposal, "deliberation", user(facilitator))
    vote = votes.create_vote(
        body,
        title,
        "majority",
        proposal=proposal,
        results_hidden=False,
        settings={"threshold": "1/2"},
    )
    votes.open_vote(vote, user(facilitator))
    for voter in voters:
        votes.cast(vote, user(voter), {"choice": "yes"})
    votes.close_vote(vote, user(facilitator))
    return db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))


def make_town(factory, in_commune, slug: str = "velo-ville", *, sensitive: bool = False):
    from convergence_actions import services

    from federation.governance import bodies

    commune = factory.commune(slug, slug.capitalize())
    factory.enable(commune, "actions")
    other = factory.commune(f"{slug}-voisine")
    factory.enable(other, "actions")
    town = ActionTown(
        commune=commune,
        other=other,
        facilitator=factory.member(commune, "facilitator"),
        circle_member=factory.member(commune),
        members=[factory.member(commune) for _ in range(4)],
        outsider=factory.member(other, "admin"),
    )
    with in_commune(commune):
        circle = bodies.create_body("action_circle", "Cercle d'action vélo", theme="actions")
        bodies.join(circle, user(town.circle_member))
        town.circle_id = circle.id
        decision = adopted_decision(
            "Une vélorution pour la piste cyclable",
            [town.facilitator, town.circle_member, *town.members[:2]],
            town.facilitator,
        )
        town.decision_id = decision.id
        campaign = services.launch_campaign(
            {
                "decision_id": decision.id,
                "body_id": circle.id,
                "title": "Vélorution",
                "goal": "Une piste cyclable jusqu'à l'école.",
                "sensitive": sensitive,
            },
            user(town.circle_member),
        )
        town.campaign_id = campaign.id
    return town


@pytest.fixture
def town(factory, in_commune):
    return make_town(factory, in_commune)


def new_event(town, in_commune, *, days: float = 7, **data) -> int:
    """An event of the town's campaign ``days`` from now; returns its id."""
    from convergence_actions import events, services

    start = utcnow() + timedelta(days=days)
    values = {
        "title": data.pop("title", "Vélorution du printemps"),
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "location": "Place de la mairie",
        **data,
    }
    with in_commune(town.commune):
        event = events.schedule(
            values, user(town.facilitator), campaign=services.get_campaign(town.campaign_id)
        )
        return event.id
