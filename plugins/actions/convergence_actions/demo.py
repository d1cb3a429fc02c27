"""Demonstration data, through the same services as the pages.

In every commune with members and a facilitator: the popular assembly votes the mandate of
a bike parade (« vélorution ») carried by an action circle; the campaign's parade took place
last week — registrations with a capacity, a waiting list and its promotion when someone
withdrew, roster roles (marshals, mechanic), check-ins with the registration codes — and the
circle reported back to the assembly (minutes of its meeting, public journal). A community
place with a room and a booking, a cooperative project with its steps.

Across communes: the communes of a federation opt in to its campaigns; the first one opens a
federation-wide campaign (« Tournons les panneaux »), and each commune's assembly mandates
its local campaign with an event, whose registrations the federation page counts per
commune.

Kept small (a few rows per table): the tenant-isolation walk seeds it into two communes and
requests every route with every id.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from convergence_actions import events, federated, places, services
from convergence_actions.models import Campaign
from federation.db import db, utcnow
from federation.governance import bodies, meetings, votes
from federation.governance.models import Body, Decision
from federation.identity.models import Membership, User
from federation.identity.services import has_permission


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


def _circle(name: str, people: list[User]) -> Any:
    body = db.session.scalar(select(Body).where(Body.kind == "action_circle", Body.name == name))
    if body is None:
        body = bodies.create_body("action_circle", name, theme="actions")
    for person in people:
        if not bodies.is_member(body, person.id):
            bodies.join(body, person)
    return body


def _mandate(data: dict[str, Any], people: list[User], facilitator: User) -> Campaign | None:
    """The assembly votes the mandate; its adoption launches the campaign (the handler the
    event runs after the commit, which then finds it done)."""
    proposal = services.propose_mandate(data, people[0])
    assembly = db.session.get(Body, proposal.body_id)
    vote = votes.create_vote(
        assembly,
        proposal.title,
        "majority",
        proposal=proposal,
        results_hidden=False,
        settings={"threshold": "1/2"},
    )
    votes.open_vote(vote, facilitator)
    for person in people:
        votes.cast(vote, person, {"choice": "yes"})
    votes.close_vote(vote, facilitator)
    decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal.id))
    if decision is None:
        return None
    return services.on_decision_adopted(
        {"decision_id": decision.id, "proposal_id": proposal.id, "extra": proposal.extra}
    )


def _at(day: Any, hour: int) -> datetime:
    from federation.roster.services import aware

    return aware(datetime.combine(day, time(hour, 0)))


def load(commune: Any, users: dict[str, User]) -> None:
    if db.session.scalar(select(Campaign.id).limit(1)):
        return
    people = _members()
    facilitator = next(
        (p for p in people if has_permission(p, services.ORGANISE, services.commune_id())), None
    )
    now = utcnow()
    place = None
    if facilitator is not None:
        place = places.create_place(
            {
                "name": "La Maison commune",
                "address": "Place de l'Église",
                "accessibility": "De plain-pied, toilettes accessibles, boucle magnétique.",
                "opening_hours": "1 14:00-19:00\n3 14:00-22:00\n5 09:00-18:00",
                "description": "Lieu ouvert à toutes et tous : réunions, ateliers, repas.",
            },
            facilitator,
        )
        room = places.add_room(
            place, {"name": "Grande salle", "capacity": "60", "max_hours": "6"}, facilitator
        )
        saturday = (now + timedelta(days=(5 - now.weekday()) % 7 + 7)).date()
        places.book(
            room,
            {
                "starts_at": _at(saturday, 10),
                "ends_at": _at(saturday, 12),
                "purpose": "Atelier réparation de vélos",
            },
            facilitator,
        )
        places.start_project(
            {
                "name": f"Coopérative vélo de {commune.name}",
                "kind": "cooperative",
                "description": "Un atelier coopératif de réparation et de prêt de vélos.",
                "steps": "Rédiger les statuts\nAssemblée constitutive\nImmatriculation",
                "place_id": place.id,
            },
            facilitator,
        )
    if facilitator is None or len(people) < 2:
        _federation(commune, people, facilitator, place)
        return
    circle = _circle("Cercle d'action vélo", people[:3])
    campaign = _mandate(
        {
            "title": "Vélorution du plateau",
            "goal": "Obtenir une piste cyclable sûre entre le bourg et l'école.",
            "demands": "Une voie séparée, des arceaux devant l'école, une zone 30 au bourg.",
            "means": "Une vélorution festive, une pétition, une lettre au département.",
            "deadline": (now + timedelta(days=60)).date().isoformat(),
            "body_id": circle.id,
        },
        people,
        facilitator,
    )
    if campaign is not None:
        _parade(campaign, people, facilitator, now)
    _federation(commune, people, facilitator, place)


def _parade(campaign: Campaign, people: list[User], facilitator: User, now: datetime) -> None:
    """Last week's parade: registrations, a waiting list and its promotion, roster roles,
    check-ins, and the report to the assembly."""
    day = (now - timedelta(days=7)).date()
    start = _at(day, 14)
    parade = events.schedule(
        {
            "title": "Vélorution du plateau",
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "location": "Départ place de la mairie",
            "accessibility": "Parcours plat, tricycles et vélos adaptés bienvenus.",
            "capacity": "3",
            "waiting_list": "on",
            "open_to_email": "on",
        },
        facilitator,
        campaign=campaign,
    )
    before = start - timedelta(days=10)
    registered = [
        events.register(
            parade, person, public_name=person.display_name if i == 0 else "", now=before
        )
        for i, person in enumerate(people[:3])
    ]
    late = [events.register(parade, email=f"velo{n}@exemple.org", now=before) for n in range(1, 3)]
    # someone withdrew: the first of the waiting list got the place
    events.cancel_registration(parade, registered[-1], people[min(2, len(people) - 1)])
    try:
        from federation.roster.services import record_attendance, sign_up
    except ImportError:  # a core without the roster
        record_attendance = None
    shift = events.open_roles(parade, "Signaleur·e:2, Mécanicien·ne:1", facilitator)
    if record_attendance is not None:
        signups = [sign_up(shift, shift.roles[0], person, now=before) for person in people[:2]]
        record_attendance(shift, {s.id: "attended" for s in signups}, facilitator, now=start)
    for row in [*registered[:2], late[0]]:
        if row.status == "confirmed":
            events.check_in(parade, row.code, facilitator, now=start)
    assembly = db.session.get(Body, _assembly_id())
    meeting = meetings.schedule(
        assembly,
        "Assemblée populaire de rentrée",
        now + timedelta(days=14),
        place="Salle des fêtes",
    )
    services.report_back(
        campaign,
        "La vélorution a réuni le cortège prévu sous le soleil ; la pétition et la lettre au "
        "département sont parties. Le cercle propose de suivre la réponse du département.",
        facilitator,
        meeting_id=meeting.id,
    )


def _assembly_id() -> int:
    found = bodies.find_assembly()
    assert found is not None
    return found.id


FEDERATION = "plateau-millevaches"


def _federation(commune: Any, people: list[User], facilitator: User | None, place: Any) -> None:
    """The commune joins its federations' campaigns; the first opens « Tournons les
    panneaux », each commune's assembly mandates its local campaign and event."""
    if facilitator is None or not people:
        return
    from federation.tenancy.services import federations_of

    candidates = federations_of(services.commune_id())
    target = next((f for f in candidates if f.slug == FEDERATION), None) or (
        candidates[0] if candidates else None
    )
    if target is None:
        return
    if target.id not in federated.joined():
        federated.join(target.id, facilitator)
    shared = next(
        (r for r in federated.federation_campaigns() if r.federation_id == target.id), None
    )
    if shared is None:
        shared = federated.create_federation_campaign(
            {
                "federation_id": target.id,
                "title": "Tournons les panneaux",
                "goal": "Le même jour dans chaque commune, retourner les panneaux d'entrée "
                "de ville pour dire que la commune appartient à ses habitant·es.",
            },
            facilitator,
        )
    circle = _circle("Cercle d'action des communs", people[:2])
    local = _mandate(
        {
            "title": f"Tournons les panneaux à {commune.name}",
            "goal": "Retourner les panneaux de la commune avec les habitant·es.",
            "body_id": circle.id,
            "federation_campaign_id": shared.id,
        },
        people,
        facilitator,
    )
    if local is None:
        return
    day = (utcnow() + timedelta(days=21)).date()
    event = events.schedule(
        {
            "title": f"Tournons les panneaux — {commune.name}",
            "starts_at": _at(day, 10),
            "ends_at": _at(day, 12),
            "location": "" if place else "Entrée du bourg",
            "place_id": place.id if place else None,
            "capacity": "30",
            "open_to_email": "on",
        },
        facilitator,
        campaign=local,
    )
    for person in people[:3]:
        events.register(event, person)
    events.register(event, email=f"panneaux@{commune.slug}.exemple.org")
