"""A commune with the food plugin on, its food circle, a market gardener, a contract whose
prices the circle adopted by a vote, and members; an outsider of another commune."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from federation.db import db


@dataclass
class FoodTown:
    commune: Any
    facilitator: Any
    circle_member: Any
    members: list
    outsider: Any
    admin: Any = None
    circle_id: int = 0
    producer_id: int = 0
    contract_id: int = 0
    lines: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"/c/{self.commune.slug}/food"

    @property
    def api(self) -> str:
        return f"/api/v1/communes/{self.commune.slug}/food"


def user(ref) -> Any:
    from federation.identity.models import User

    return db.session.get(User, ref.user.id)


def adopt(proposal_id: int, voters: list, closer) -> None:
    """Cast yes for every voter and close the proposal's vote (in the commune's scope)."""
    from federation.governance import votes
    from federation.governance.models import Vote

    vote = db.session.scalar(select(Vote).where(Vote.proposal_id == proposal_id))
    for voter in voters:
        votes.cast(vote, user(voter), {"choice": "yes"})
    votes.close_vote(vote, user(closer))


def make_town(factory, in_commune, slug: str = "potagers", open_contract: bool = True) -> FoodTown:
    from datetime import date, timedelta

    from convergence_food import contracts, decisions, services

    from federation.governance import bodies

    commune = factory.commune(slug, slug.capitalize())
    factory.enable(commune, "food")
    other = factory.commune(f"{slug}-voisine")
    factory.enable(other, "food")
    town = FoodTown(
        commune=commune,
        facilitator=factory.member(commune, "facilitator"),
        circle_member=factory.member(commune),
        members=[factory.member(commune) for _ in range(3)],
        outsider=factory.member(other, "admin"),
        admin=factory.member(commune, "admin"),
    )
    with in_commune(commune):
        circle = bodies.create_body("thematic_circle", "Cercle alimentation", theme="alimentation")
        for ref in (town.facilitator, town.circle_member):
            bodies.join(circle, user(ref))
        town.circle_id = circle.id
        garden = services.create_producer(
            {
                "name": "Jardins de la Source",
                "kind": "market_gardener",
                "organic": "on",
                "surface_ha": "1.5",
            }
        )
        town.producer_id = garden.id
        tomatoes = services.add_product(
            garden,
            {"name": "Tomates", "family": "vegetables", "unit": "kg", "yearly_quantity": "800"},
        )
        salads = services.add_product(
            garden,
            {"name": "Salades", "family": "vegetables", "unit": "piece", "yearly_quantity": "1000"},
        )
        contract = contracts.create_contract(
            {"producer_id": garden.id, "title": "Paniers d'été", "season": "Été", "max_skips": 1}
        )
        town.contract_id = contract.id
        town.lines = [
            contracts.add_line(
                contract, {"product_id": tomatoes.id, "price": "4.20", "solidarity_price": "2.80"}
            ).id,
            contracts.add_line(
                contract, {"product_id": salads.id, "price": "1.15", "solidarity_price": "0.75"}
            ).id,
        ]
        start = date.today() + timedelta(days=7)
        town.deliveries = [
            contracts.add_delivery(contract, {"delivery_on": (start + timedelta(weeks=n))}).id
            for n in range(3)
        ]
        if open_contract:
            proposal = decisions.propose(
                "contract",
                {"contract_id": contract.id},
                user(town.facilitator),
                body_id=circle.id,
                open_vote=True,
            )
            proposal_id = proposal.id
    if open_contract:
        with in_commune(commune):
            adopt(proposal_id, [town.facilitator, town.circle_member], town.facilitator)
        with in_commune(commune):
            assert contracts.get_contract(town.contract_id).status == "open"
    return town


@pytest.fixture
def food_town(factory, in_commune):
    return make_town(factory, in_commune)
