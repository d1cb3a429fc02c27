"""Demonstration data of governance for one commune: circles, concerns and supports, a
proposal in deliberation, an adopted decision with its vote, a meeting and a mandate."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from federation.db import db
from federation.governance import bodies, concerns, mandates, meetings, proposals, votes
from federation.governance.models import Body
from federation.identity.models import Membership, User
from federation.tenancy.models import Commune

CIRCLES = [
    (
        "thematic_circle",
        "Cercle de l'eau",
        "eau",
        "Suivre les ressources en eau, préparer les règles de partage en cas de sécheresse.",
    ),
    (
        "thematic_circle",
        "Cercle logement",
        "logement",
        "Recenser les logements vacants et accompagner les projets d'installation.",
    ),
    (
        "thematic_circle",
        "Cercle alimentation",
        "alimentation",
        "Soutenir les maraîcher·es, organiser les chantiers de récolte et les paniers.",
    ),
    (
        "action_circle",
        "Chantier des jardins partagés",
        "alimentation",
        "Aménager le terrain communal derrière l'école en jardins partagés.",
    ),
]
CONCERNS = [
    (
        "Les sources du bourg baissent chaque été",
        "eau",
        "Le bourg",
        "Depuis trois ans, la source communale faiblit dès juillet.",
        "les foyers du bourg",
    ),
    (
        "Pas de logement pour les jeunes qui veulent s'installer",
        "logement",
        "",
        "Plusieurs maisons sont vides mais rien n'est à louer.",
        "jeunes ménages",
    ),
    (
        "Plus d'épicerie depuis la fermeture du commerce",
        "alimentation",
        "Place de l'église",
        "Il faut faire 20 km pour acheter du pain et des légumes.",
        "personnes âgées",
    ),
    (
        "Aller au marché sans voiture",
        "mobilité",
        "",
        "Aucun transport le jour du marché.",
        "personnes sans voiture",
    ),
]


def _members(commune: Commune, users: dict[str, User]) -> list[User]:
    """The demo users who are verified members of this commune."""
    ids = set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.commune_id == commune.id, Membership.status == "active"
            )
        )
    )
    return [u for u in dict.fromkeys(users.values()) if u.id in ids]


def load(commune: Commune, users: dict[str, User]) -> None:
    assembly = bodies.assembly(commune)
    circles = {}
    for kind, name, theme, purpose in CIRCLES:
        if db.session.scalar(select(Body.id).where(Body.name == name)):
            continue
        circles[theme] = bodies.create_body(kind, name, purpose=purpose, theme=theme)
    people = _members(commune, users)
    if not people:
        return  # nobody of the demo lives here: the circles wait for their members
    created = [
        concerns.raise_concern(
            people[0],
            title,
            description=description,
            theme=theme,
            place=place,
            affected=affected,
        )
        for title, theme, place, description, affected in CONCERNS
    ]
    for index, concern in enumerate(created):
        for person in people[: max(len(people) - index, 0)]:
            concerns.support(concern, person)
    facilitator = users.get("facilitator") if users.get("facilitator") in people else people[0]
    for person in people:
        if "eau" in circles:
            bodies.join(circles["eau"], person)
    mandates.assign(
        assembly,
        facilitator,
        "facilitator",
        date.today() - timedelta(days=30),
        date.today() + timedelta(days=335),
        mandate_text="Anime l'assemblée, prépare les ordres du jour.",
        actor=facilitator,
    )

    draft = proposals.create_proposal(
        circles.get("eau", assembly),
        people[0],
        "Récupérer l'eau de pluie des bâtiments communaux",
        "Installer des cuves de récupération sur la mairie, l'école et la salle des fêtes "
        "pour arroser les jardins partagés sans puiser dans le réseau.",
        cost="4800",
        concern_ids=[created[0].id],
    )
    proposals.transition(draft, "deliberation", people[0])
    proposals.comment(draft, people[-1], "Et si l'on commençait par l'école ? Le toit est grand.")

    adopted = proposals.create_proposal(
        assembly,
        people[0],
        "Ouvrir un marché de producteur·rices le samedi matin",
        "Place de l'église, de 8 h à 12 h, emplacements gratuits pour les producteur·rices "
        "du plateau.",
        concern_ids=[created[2].id],
    )
    proposals.transition(adopted, "deliberation", people[0])
    vote = votes.create_vote(
        assembly,
        "Marché du samedi",
        "majority",
        proposal=adopted,
        results_hidden=True,
        settings={"threshold": "1/2"},
    )
    votes.open_vote(vote, facilitator)
    for person in people:
        votes.cast(vote, person, {"choice": "yes" if person is not people[-1] else "abstain"})
    votes.close_vote(vote, facilitator)

    meeting = meetings.schedule(
        assembly,
        "Assemblée populaire de rentrée",
        datetime.combine(date.today() + timedelta(days=14), datetime.min.time()).replace(hour=19),
        place="Salle des fêtes",
        quorum=max(2, len(people) // 2),
    )
    meetings.agenda_from_concerns(meeting, 3)
    meetings.add_agenda_item(meeting, draft.title, proposal_id=draft.id)
