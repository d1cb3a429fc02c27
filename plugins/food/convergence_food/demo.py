"""Demonstration data: a market gardener's season (a contract whose prices the food circle
voted, households subscribed — one at the solidarity price within what the pot holds), a
distribution with its rota and pick-up list, and a new farmer settled on a communal plot
after a vote.

Kept small (a few rows per table and commune): the tenant-isolation walk seeds it into two
communes and requests every route with every id.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from convergence_food import (
    contracts,
    decisions,
    distributions,
    harvest,
    land,
    services,
    solidarity,
)
from convergence_food.models import Producer
from federation.db import db
from federation.governance import bodies, votes
from federation.governance.models import Decision, Proposal
from federation.identity.models import Membership, User
from federation.identity.services import has_permission

GARDENS = {
    "faux-la-montagne": "Les Jardins de la Feuillade",
    "peyrelevade": "Maraîchage des Sources",
    "tarnac": "Les Potagers du Plateau",
}


def _members() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.commune_id == services.commune_id(),
                Membership.status == "active",
                User.is_platform_admin.is_(False),
            )
            .order_by(Membership.id)
        )
    )


def _circle(people: list[User]) -> Any:
    circles = services.food_bodies()
    circle = (
        circles[0]
        if circles
        else bodies.create_body("thematic_circle", "Cercle alimentation", theme="alimentation")
    )
    for person in people:
        if not bodies.is_member(circle, person.id):
            bodies.join(circle, person)
    return circle


def _decide(proposal: Proposal, people: list[User], facilitator: User) -> None:
    """The circle votes and the vote is closed; what the decision carries is done now (the
    same handler the event runs after the commit, which then finds it done)."""
    vote = votes.votes(proposal=proposal)[0]
    for person in people:
        votes.cast(vote, person, {"choice": "yes"})
    votes.close_vote(vote, facilitator)
    decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))
    if decision is not None:
        decisions.on_decision_adopted(
            {
                "decision_id": decision.id,
                "proposal_id": proposal.id,
                "body_id": proposal.body_id,
                "extra": proposal.extra,
            }
        )


def load(commune: Any, users: dict[str, User], today: date | None = None) -> None:
    today = today or date.today()
    if db.session.scalar(select(Producer.id).limit(1)):
        return
    people = _members()
    name = GARDENS.get(commune.slug, f"Maraîchage de {commune.name}")
    garden = services.create_producer(
        {
            "name": name,
            "kind": "market_gardener",
            "organic": "on",
            "surface_ha": "1.8",
            "description": "Légumes de saison cultivés sans pesticides, en traction légère.",
            "how_to_buy": "Paniers au contrat de saison, vente à la ferme le samedi.",
        }
    )
    bakery = services.create_producer(
        {
            "name": f"Fournil de {commune.name}",
            "kind": "baker",
            "surface_ha": "0",
            "how_to_buy": "Pain au levain, sur commande.",
        }
    )
    items = [
        (garden, "Tomates", "vegetables", "kg", 6, 9, "1200"),
        (garden, "Courgettes", "vegetables", "kg", 6, 9, "900"),
        (garden, "Salades", "vegetables", "piece", 4, 10, "3000"),
        (garden, "Pommes de terre", "vegetables", "kg", 7, 11, "2500"),
        (bakery, "Pain de campagne", "bread", "kg", 1, 12, "4000"),
    ]
    made = {
        product: services.add_product(
            producer,
            {
                "name": product,
                "family": family,
                "unit": unit,
                "season_start": start,
                "season_end": end,
                "yearly_quantity": quantity,
            },
        )
        for producer, product, family, unit, start, end, quantity in items
    }
    services.declare_needs(
        {"vegetables": "14000", "bread": "9000", "fruit": "5000", "eggs": "3000"}
    )
    plot = land.create_plot(
        {
            "name": "Terrain communal des Chaumes",
            "owner": "Commune",
            "communal": "on",
            "surface_ha": "2.5",
            "soil": "limono-sableux, drainant",
            "water_access": "source captée à 200 m",
            "water_resource_code": "",
            "lease_terms": "Bail rural environnemental, 9 ans, loyer modéré.",
        }
    )
    land.create_plot(
        {
            "name": "Pré des Gannes",
            "owner": "Propriétaire privé",
            "surface_ha": "4",
            "soil": "prairie naturelle",
            "lease_terms": "Commodat de 5 ans.",
        }
    )
    if not people:
        return  # nobody lives here in the demo: the circle waits for its members
    circle = _circle(people)
    facilitator = next(
        (p for p in people if has_permission(p, "gov.facilitate", services.commune_id())), None
    )
    solidarity.gift("120.00")
    first = today + timedelta(days=(3 - today.weekday()) % 7 + 7)  # a Thursday, next week
    days = [first + timedelta(weeks=n) for n in range(4)]
    for day in days[:2]:
        distributions.create_distribution(
            {
                "day": day.isoformat(),
                "starts_at": "17:30",
                "ends_at": "19:00",
                "place": "Salle des fêtes",
            }
        )
    contract = contracts.create_contract(
        {
            "producer_id": garden.id,
            "title": "Paniers de légumes d'été",
            "season": f"Été {first.year}",
            "max_skips": 1,
            "solidarity_quota": 3,
        }
    )
    for product, price, reduced in (
        ("Tomates", "4.20", "2.80"),
        ("Courgettes", "2.90", "1.90"),
        ("Salades", "1.20", "0.80"),
    ):
        contracts.add_line(
            contract, {"product_id": made[product].id, "price": price, "solidarity_price": reduced}
        )
    for day in days:
        contracts.add_delivery(contract, {"delivery_on": day.isoformat()})
    candidate = land.create_candidate(
        {
            "project": "Maraîchage diversifié sur petite surface, vente en paniers.",
            "surface_wanted_ha": "2",
            "need_equipment": "motoculteur, serre-tunnel",
            "need_housing": "un logement à l'année près du terrain",
        },
        people[-1],
    )
    if facilitator is None:
        return  # without facilitation no vote opens: the contract stays in preparation
    proposal = decisions.propose(
        "contract",
        {"contract_id": contract.id},
        facilitator,
        body_id=circle.id,
        text="Prix discutés avec la maraîchère en réunion du cercle.",
        open_vote=True,
    )
    _decide(proposal, people, facilitator)
    lines = contracts.lines_of(contract)
    if contract.status == "open":
        contracts.subscribe(
            contract, people[0], {lines[0].id: "1.5", lines[2].id: "1"}, "support", "30.00"
        )
        if len(people) > 1:
            solidarity.request_aid(people[1], {"household_size": 3})
            request = solidarity.requests_for_circle(people[0])[0]
            solidarity.decide_request(request.id, True, people[0])
            contracts.subscribe(
                contract, people[1], {lines[0].id: "1", lines[1].id: "1"}, "solidarity"
            )
    _harvest(garden, people, first)
    first_day = distributions.distributions(upcoming_from=today)[0]
    if distributions.roster_api() is not None:
        _staff(distributions.open_rota(first_day, facilitator), people)
    match = decisions.propose(
        "match",
        {
            "plot_id": plot.id,
            "candidate_id": candidate.id,
            "help_to_settle": "Prêt du motoculteur de la CUMA ; piste de logement.",
        },
        facilitator,
        body_id=circle.id,
        open_vote=True,
    )
    _decide(match, people, facilitator)


def _harvest(garden: Any, people: list[User], first: date) -> None:
    """The market gardener opens a harvest-help shift and the demo people fill it."""
    if distributions.roster_api() is None:
        return
    from datetime import datetime, time

    from federation import roster

    crew = people[:3]
    starts = datetime.combine(first - timedelta(days=2), time(7, 0))
    shift = harvest.open_harvest(
        garden,
        {
            "starts_at": starts.isoformat(),
            "duration_minutes": "180",
            "needed": str(len(crew)),
            "place": garden.name,
            "tasks": "Récolte des tomates et des courgettes, tri, mise en cagettes.",
        },
    )[0]
    for person in crew:  # filled to capacity
        roster.sign_up(shift, shift.roles[0], person)


def _staff(shifts: list[Any], people: list[User]) -> None:
    """The demo people take the distribution's rota roles, one role each per shift."""
    from federation import roster

    for shift in shifts:
        seats = [role for role in shift.roles for _seat in range(role.needed)]
        for role, person in zip(seats, people, strict=False):
            roster.sign_up(shift, role, person)
