"""Demonstration data: a small village with vacant houses at several follow-up stages
(imported from a LOVAC-like file, one reported by an inhabitant and confirmed), owners
contacted by a letter campaign, a points grid voted by the assembly, seven requests (one
also open to the other communes of the commune's federations, which share requests in the
demo) and an allocation voted by the housing circle, a collective purchase that reached its target,
and a rents observatory.

Kept small on purpose: the tenant-isolation walk seeds it into two communes.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from convergence_housing import allocation as alloc
from convergence_housing import collective, decisions, owners, rents, services, sharing
from convergence_housing.models import Dwelling
from federation.db import db
from federation.errors import ServiceError
from federation.governance import bodies, votes
from federation.governance.models import Decision
from federation.identity.models import Membership, User
from federation.identity.services import has_permission
from federation.plugins.services import update_settings
from federation.tenancy.models import Commune

HEADER = (
    "invariant;adresse;type;nb_pieces;surface;annee_construction;debut_vacance;dpe;"
    "proprietaire;adresse_proprietaire;categorie_proprietaire;millesime"
)
ROWS = [
    "0001;4 rue du Lavoir;MAISON;4;85;1890;2019;F;Indivision Lachaud;"
    "12 avenue de la Gare, Limoges;Personne physique;2025",
    "0002;Le Mas, lieu-dit Bellevue;MAISON;3;70;1925;2021;E;Marcelle Vergnaud;"
    "Le Mas, Bellevue;Personne physique;2025",
    "0003;2 place de l'Église;APPARTEMENT;2;48;1950;2022;D;Commune;Mairie;Commune;2025",
    "0004;Route du Lac;MAISON;5;110;1870;2015;G;Succession Peyrat;"
    "Notaire, Eymoutiers;Personne physique;2025",
    "0005;8 rue des Écoles;MAISON;3;72;1962;2020;C;SCI Les Tilleuls;3 quai de Paris, Lyon;SCI;2025",
]


def vacancy_file(prefix: str) -> str:
    return "\n".join([HEADER, *(prefix + row for row in ROWS)]) + "\n"


def _people(commune: Any, users: dict[str, User]) -> list[User]:
    ids = set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.commune_id == commune.id, Membership.status == "active"
            )
        )
    )
    return [u for u in dict.fromkeys(users.values()) if u.id in ids]


def _circle(people: list[User]) -> Any:
    circles = services.housing_bodies()
    circle = (
        circles[0]
        if circles
        else bodies.create_body(
            "thematic_circle",
            "Cercle logement",
            theme="logement",
            purpose="Recenser les logements vacants, examiner les demandes, "
            "préparer les attributions.",
        )
    )
    members = {m.id for m in bodies.members(circle)}
    for person in people:
        if person.id not in members:
            with suppress(ServiceError):
                bodies.join(circle, person)
    return circle


def _vote_yes(proposal: Any, voters: list[User], facilitator: User) -> None:
    """Everyone votes yes, the vote closes; the adopted decision is carried out now (the
    handler is idempotent, so the event delivered after the commit changes nothing)."""
    vote = votes.votes(proposal=proposal)[0]
    for person in voters:
        with suppress(ServiceError):
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
    if db.session.scalar(select(Dwelling.id).limit(1)) is not None:
        return
    people = _people(commune, users)
    # the demo communes share their housing requests with their federations' communes
    update_settings(commune, "housing", {**services.settings(), sharing.SETTING: True})
    prefix = (commune.insee_code or commune.slug[:5]).upper()
    services.import_vacancies(vacancy_file(prefix), year=2025)
    if not people:
        return  # nobody of the demo lives here: the file waits for a housing circle
    cid = services.commune_id()
    facilitator = next((p for p in people if has_permission(p, "gov.facilitate", cid)), None)
    circle = _circle(people)
    members = list(bodies.members(circle))
    steer = facilitator or people[0]
    if not services.can_steer(steer):
        return
    rows = {d.ref[-4:]: d for d in services.dwellings()}

    # an inhabitant reports a vacant house; the circle confirms it
    reported = services.report_dwelling(
        {
            "address": "Ancienne boulangerie, Grand'Rue",
            "kind": "house",
            "note": "Volets fermés depuis trois hivers, toiture saine.",
        },
        people[-1],
    )
    services.confirm_dwelling(reported, steer)

    # owners contacted by letter; one answers
    campaign, _skipped = owners.create_campaign(
        {"title": "Campagne logements vacants — printemps"},
        [rows["0001"].id, rows["0002"].id, rows["0005"].id],
        steer,
    )
    owners.set_sent(campaign, today - timedelta(days=12), steer, today=today)
    letter = next(item for item, _o, d in owners.letters(campaign) if d.id == rows["0002"].id)
    owners.record_reply(
        letter,
        "Je voudrais louer la maison après travaux ; quelles aides ?",
        today - timedelta(days=3),
        steer,
    )
    services.set_status(rows["0002"], "in_progress", "works", actor=steer)
    services.update_dwelling(rows["0002"], {"levers": "works_aid,intermediated_letting"}, steer)
    services.set_status(rows["0004"], "blocked", "succession", actor=steer)
    services.update_dwelling(rows["0004"], {"blocking": "succession,indivision"}, steer)
    # the commune's flat is back in use and waits for an allocation
    flat = rows["0003"]
    services.set_status(flat, "first_contact", actor=steer)
    services.set_status(flat, "done", "back_in_use", actor=steer)
    services.update_dwelling(flat, {"accessible": "1"}, steer)

    # rents observatory
    for index in range(7):
        rents.declare(
            {"area": "Bourg", "rooms": 3, "surface": 60 + index * 5, "rent": str(380 + index * 25)},
            people[index % len(people)],
        )
    rents.declare({"area": "Hameaux", "rooms": 4, "surface": 90, "rent": "520"}, people[0])

    # a collective purchase that reached its target
    project = collective.create_project(
        {
            "name": "L'ancienne école du Mas",
            "address": "Le Mas",
            "description": "Quatre logements et une salle commune, en coopérative d'habitant·es.",
            "price": "95000",
            "works": "60000",
            "legal_form": "cooperative",
        },
        steer,
    )
    collective.pledge(project, people[0], "share", "40000", "Coopérative Le Mas Solidaire")
    collective.pledge(project, people[0], "loan", "70000", "Foncière Terre de Liens")
    for index, person in enumerate(people):
        collective.pledge(project, person, "gift" if index % 2 else "share", "9000")
    if project.pledged < project.target:
        collective.pledge(
            project,
            people[0],
            "loan",
            str(project.target - project.pledged),
            "Caisse solidaire du plateau",
        )

    if facilitator is None:
        return
    # the assembly votes the grid
    _grid, proposal = decisions.propose_grid({}, facilitator, open_vote=True)
    _vote_yes(proposal, people, facilitator)

    # three requests; the circle examines them for the flat and puts its order to the vote
    # (four more households, so that the federation page shows the demand: counts of
    # people under five are left out there)
    households = [
        ("Foyer Chazal", 1, 2, 3, True, 14),
        ("Famille Bordas", 3, 3, 1, False, 8),
        ("Famille Peyrat", 4, 3, 2, False, 20),
        ("Foyer Mazeau", 2, 2, 0, False, 5),
        ("Famille Tixier", 5, 4, 1, False, 11),
        ("Foyer Lagrange", 1, 1, 2, False, 3),
        ("Famille Roux", 2, 3, 0, False, 2),
    ]
    # one household also wishes the communes of its federations that share requests: their
    # circles see it, rank it, and need this commune's consent to allocate it a dwelling
    neighbours = db.session.scalars(
        select(Commune.slug).where(Commune.id.in_(sharing.federation_neighbours(commune.id)))
    ).all()
    for index, (name, size, rooms, urgency, access, months) in enumerate(households):
        alloc.create_request(
            {
                "household": name,
                "people": size,
                "rooms_needed": rooms,
                "urgency": str(urgency),
                "accessibility": "1" if access else "",
                "communes": ",".join([commune.slug, *(neighbours if index == 2 else [])]),
                "needs": "Rez-de-chaussée souhaité." if access else "",
            },
            people[index % len(people)],
            today=today - timedelta(days=30 * months),
        )
    if not alloc.grid_in_force():
        return
    examination = alloc.start_examination(flat, steer, today=today)
    # the grid's order, without other communes' requests that await their commune's consent
    waiting = sharing.without_consent(examination)
    order = [entry["request"] for entry in examination.ranking if entry["request"] not in waiting]
    proposal = decisions.propose_allocation(
        examination, order, "Classement de la grille retenu tel quel.", facilitator, open_vote=True
    )
    _vote_yes(proposal, members or people, facilitator)

    # a second house back in use, under examination: a request another commune shares with
    # this one is ranked there, awaiting its commune's consent
    house = rows["0005"]
    services.set_status(house, "first_contact", actor=steer)
    services.set_status(house, "done", "back_in_use", actor=steer)
    alloc.start_examination(house, steer, today=today)
