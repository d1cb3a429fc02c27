"""Demo data: Nedde (450 inhabitants, 11 seats) goes from its core group to the town hall.

The core group and then the assembly adopt the programme's axes; measures cite decisions
and concerns; fourteen members stand; the members grade them by majority judgment; the
order follows the vote with strict alternation (a parity swap, explained); the assembly
adopts the list of 11 names (9 to 13 allowed); a citizens' jury is drawn by verifiable
sortition; the assembly moves the commune to "in office", where the municipal budget is
offered. Fictional people and addresses. Other communes get no elections data.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Any

from sqlalchemy import select

from convergence_elections import draws, filing, services, treasury
from convergence_elections.models import Axis
from federation.db import db
from federation.errors import ServiceError
from federation.governance import bodies, stages, votes
from federation.governance.models import Decision, Proposal
from federation.identity import services as identity

DEMO_COMMUNE = "nedde"
PASSWORD = "demo-convergence"  # noqa: S105 - the documented demo password
#: name, sex, birth year, hamlet; the grades below make a vote whose order is not alternating
PEOPLE = [
    ("Mathilde Aubrun", "F", 1978, "Bourg"),
    ("Odile Fayaud", "F", 1962, "Le Mas"),
    ("Bernard Lachaud", "M", 1959, "Bourg"),
    ("Agathe Peyrat", "F", 1991, "Bellegarde"),
    ("Karim Benali", "M", 1985, "Le Mas"),
    ("Solène Vergnaud", "F", 1988, "Bourg"),
    ("Thierry Marcoux", "M", 1970, "Bellegarde"),
    ("Jeanne Chabrol", "F", 1955, "Le Mas"),
    ("Loïc Dumont", "M", 1994, "Bourg"),
    ("Élise Ramnoux", "F", 1981, "Bellegarde"),
    ("Paul Gorse", "M", 1966, "Bourg"),
    ("Marius Texier", "M", 1999, "Le Mas"),
    ("Nadia Boussely", "F", 1973, "Bourg"),
    ("Gérard Lavaud", "M", 1952, "Bellegarde"),
]
AXES = [
    ("Habiter et vivre au pays", "Logements vacants remis en usage, services de proximité."),
    ("L'eau et la terre en commun", "Gestion publique de l'eau, installations paysannes."),
    ("Décider ensemble", "Assemblée populaire, budget participatif, tirage au sort."),
]


def _age_band(year: int) -> str:
    age = 2026 - year
    return "18-34" if age < 35 else "35-49" if age < 50 else "50-64" if age < 65 else "65+"


def _people(commune: Any) -> list[Any]:
    people = []
    for n, (name, _sex, _year, _area) in enumerate(PEOPLE, 1):
        email = f"nedde-{n:02d}@demo.convergence.local"
        user = identity.find_user_by_email(email)
        if user is None:
            user = identity.create_user(email, PASSWORD, name, locale="fr")
            member = identity.request_membership(commune.id, user)
            identity.activate_membership(member, by=None, method="demo")
            identity.grant_role(member, "facilitator" if n == 1 else "member")
        people.append(user)
    db.session.flush()
    return people


def _adopt(proposal: Proposal, voters: list[Any], facilitator: Any) -> Decision | None:
    """Everyone votes yes; the vote closes; the decision's handlers run now (they are
    idempotent, so the events delivered after the commit change nothing)."""
    vote = votes.create_vote(
        proposal.body,
        proposal.title[:200],
        "majority",
        proposal=proposal,
        results_hidden=False,
        settings={"threshold": "1/2"},
    )
    if proposal.status == "draft":
        from federation.governance.proposals import transition

        transition(proposal, "deliberation", facilitator)
    votes.open_vote(vote, facilitator)
    for person in voters:
        with suppress(ServiceError):
            votes.cast(vote, person, {"choice": "yes"})
    votes.close_vote(vote, facilitator)
    decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))
    if decision is not None:
        payload = {
            "decision_id": decision.id,
            "proposal_id": proposal.id,
            "body_id": proposal.body_id,
            "extra": proposal.extra,
        }
        services.on_decision_adopted(payload)
        stages.on_decision_adopted(payload, proposal.commune_id)
    return decision


def _move(stage: str, people: list[Any], facilitator: Any) -> None:
    _adopt(stages.propose(stage, facilitator), people, facilitator)


def load(commune: Any, users: dict[str, Any]) -> None:
    if commune.slug != DEMO_COMMUNE or db.session.scalar(select(Axis.id).limit(1)):
        return
    people = _people(commune)
    facilitator = people[0]
    assembly = bodies.assembly(commune)
    _move("core_group", people, facilitator)
    core = bodies.create_body(
        "action_circle",
        "Groupe moteur de la convergence",
        theme="groupe moteur",
        purpose="Former la convergence, proposer les grands axes du programme.",
    )
    for person in people[:6]:
        bodies.join(core, person)

    # the programme's axes: the core group, then the assembly
    for title, text in AXES:
        services.add_axis({"title": title, "text": text}, facilitator)
    core_decision = _adopt(services.propose_axes("core", facilitator), people[:6], facilitator)
    # the movement's treasury (its own money, never public money): dues, then leaflets
    # the core group decided to print
    treasury.record_entry(
        {"kind": "contribution", "amount": "240", "label": "Cotisations des membres"},
        facilitator,
    )
    treasury.record_entry(
        {
            "kind": "expense",
            "amount": "85.50",
            "label": "Impression des tracts du programme",
            "counterpart": "Imprimerie du plateau",
            "decision_id": core_decision.id if core_decision else None,
        },
        facilitator,
    )
    _move("programme", people, facilitator)
    _adopt(services.propose_axes("assembly", facilitator), people, facilitator)
    decisions = list(db.session.scalars(select(Decision).order_by(Decision.id)))
    axes = services.axes()
    services.add_measure(
        {
            "axis_id": axes[0].id,
            "title": "Un inventaire public des logements vacants",
            "text": "Recenser avec les habitant·es, proposer aux propriétaires un bail solidaire.",
            "decision_ids": [decisions[-1].id],
        },
        facilitator,
    )
    services.add_measure(
        {
            "axis_id": axes[2].id,
            "title": "Un jury citoyen tiré au sort pour suivre le mandat",
            "decision_ids": [decisions[-1].id],
        },
        facilitator,
    )

    # the list: 11 seats for 450 inhabitants, fourteen members stand
    _move("list", people, facilitator)
    row = services.create_list(
        {
            "title": "Nedde en commun",
            "population": commune.population or 450,
            "method": "majority_judgment",
        },
        facilitator,
    )
    candidacies = []
    for person, (name, sex, year, area) in zip(people, PEOPLE, strict=True):
        c = services.stand(
            row,
            {
                "sex": sex,
                "statement": f"Habitant·e de {area}, je m'engage pour une commune en commun.",
                "themes": ["logement"] if sex == "F" else ["eau"],
                "declared_adult": True,
                "declared_on_roll": True,
            },
            person,
        )
        candidacies.append(c)
        first, _sep, last = name.partition(" ")
        filing.give(
            c,
            {
                "last_name": last.upper(),
                "first_names": first,
                "birth_date": date(year, 3, 1 + len(candidacies)).isoformat(),
                "birth_place": "Limoges (Haute-Vienne)",
                "nationality": "française",
                "address": f"{len(candidacies)} route de {area}, 87120 Nedde",
            },
            person,
        )
    vote = services.open_ranking(row, facilitator)
    options = votes.options_of(vote)
    # each voter grades everyone; the grades follow PEOPLE's order with some noise, so
    # the vote places two women first: parity moves a man up at place 2 (explained)
    for v, voter in enumerate(people):
        grades = {}
        for n, option in enumerate(options):
            grades[str(option.id)] = max(0, min(5, 5 - n // 3 + (1 if (n + v) % 5 == 0 else 0)))
        votes.cast(vote, voter, {"grades": grades})
    votes.close_vote(vote, facilitator)
    services.compute_order(row, facilitator)
    _adopt(services.propose_list(row, facilitator), people, facilitator)

    # a citizens' jury by verifiable sortition: 6 places, by sex
    jury = draws.create_draw(
        {"title": "Jury citoyen du mandat", "seats": 6, "attributes": ["sex", "age_band"]},
        facilitator,
    )
    for person, (_name, sex, year, _area) in zip(people, PEOPLE, strict=True):
        draws.volunteer(jury, {"sex": sex, "age_band": _age_band(year)}, person)
    draws.commit(jury, {"quotas": None}, facilitator)
    draws.run(jury, facilitator)

    _move("campaign", people, facilitator)
    _move("in_office", people, facilitator)
    db.session.flush()
    del assembly
