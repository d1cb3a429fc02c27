"""Demo data for a commune of the Plateau de Millevaches: this year's budget (M57 lines,
spending, an amendment), spending decided by the assembly, and three participatory
budgets — one with its results (both rules), one open to the vote, one open to projects."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from federation.db import db

from . import participatory as pb
from . import services
from .models import PBProject

#: (section, direction, chapter, nature, function, label, theme, planned, executed share):
#: a budget that validates against the M57 nomenclature, each section balanced (revenue
#: = expenses); executed spending is booked on the voted lines of chapters 011 and 012 only
#: (the default rule for ordinary operating spending), the rest through decisions.
LINES = [
    # fonctionnement — dépenses
    (
        "operation",
        "expense",
        "011",
        "615221",
        "020",
        "Fournitures et entretien des bâtiments communaux",
        "patrimoine",
        62000,
        0.48,
    ),
    (
        "operation",
        "expense",
        "011",
        "615231",
        "845",
        "Déneigement et entretien de la voirie",
        "mobilité",
        38000,
        0.55,
    ),
    (
        "operation",
        "expense",
        "011",
        "60623",
        "281",
        "Cantine scolaire : produits locaux",
        "alimentation",
        21000,
        0.45,
    ),
    (
        "operation",
        "expense",
        "012",
        "64111",
        "021",
        "Personnel communal : rémunérations",
        "services",
        110000,
        0.5,
    ),
    (
        "operation",
        "expense",
        "012",
        "6451",
        "021",
        "Personnel communal : cotisations URSSAF",
        "services",
        38000,
        0.5,
    ),
    (
        "operation",
        "expense",
        "65",
        "65748",
        "024",
        "Subventions aux associations",
        "vie locale",
        14500,
        0.0,
    ),
    (
        "operation",
        "expense",
        "65",
        "657362",
        "428",
        "Centre communal d'action sociale",
        "solidarité",
        9000,
        0.0,
    ),
    (
        "operation",
        "expense",
        "65",
        "65311",
        "031",
        "Indemnités de fonction des élu·es",
        "vie locale",
        18000,
        0.0,
    ),
    (
        "operation",
        "expense",
        "023",
        "",
        "01",
        "Virement à la section d'investissement",
        "équilibre",
        60000,
        0.0,
    ),
    # fonctionnement — recettes
    (
        "operation",
        "revenue",
        "731",
        "73111",
        "01",
        "Impôts locaux (taxes foncières)",
        "fiscalité",
        180000,
        0.0,
    ),
    (
        "operation",
        "revenue",
        "731",
        "73154",
        "01",
        "Droits de place du marché du samedi",
        "vie locale",
        3500,
        0.0,
    ),
    (
        "operation",
        "revenue",
        "73",
        "73211",
        "01",
        "Attribution de compensation de la communauté de communes",
        "intercommunal",
        42000,
        0.0,
    ),
    (
        "operation",
        "revenue",
        "74",
        "",
        "01",
        "Dotation globale de fonctionnement",
        "dotations",
        110000,
        0.0,
    ),
    (
        "operation",
        "revenue",
        "70",
        "7067",
        "281",
        "Produits de la cantine et de la garderie",
        "alimentation",
        25000,
        0.0,
    ),
    (
        "operation",
        "revenue",
        "013",
        "6419",
        "021",
        "Remboursements sur rémunérations du personnel",
        "services",
        10000,
        0.0,
    ),
    # investissement — dépenses
    (
        "investment",
        "expense",
        "21",
        "",
        "732",
        "Réseau d'eau : remplacement des compteurs",
        "eau",
        45000,
        0.0,
    ),
    ("investment", "expense", "21", "", "512", "Éclairage public économe", "énergie", 30000, 0.0),
    (
        "investment",
        "expense",
        "23",
        "",
        "212",
        "Rénovation thermique de l'école",
        "énergie",
        120000,
        0.0,
    ),
    (
        "investment",
        "expense",
        "204",
        "",
        "01",
        "Contributions aux projets intercommunaux",
        "intercommunal",
        25000,
        0.0,
    ),
    (
        "investment",
        "expense",
        "21",
        "",
        "348",
        "Budget participatif",
        "budget participatif",
        20000,
        0.0,
    ),
    # investissement — recettes
    (
        "investment",
        "revenue",
        "021",
        "",
        "01",
        "Virement de la section de fonctionnement",
        "équilibre",
        60000,
        0.0,
    ),
    ("investment", "revenue", "10", "10222", "01", "FCTVA", "dotations", 30000, 0.0),
    (
        "investment",
        "revenue",
        "13",
        "1321",
        "212",
        "Subvention de l'État : rénovation de l'école",
        "énergie",
        60000,
        0.0,
    ),
    (
        "investment",
        "revenue",
        "13",
        "1322",
        "512",
        "Subvention de la région : éclairage public",
        "énergie",
        15000,
        0.0,
    ),
    (
        "investment",
        "revenue",
        "16",
        "",
        "01",
        "Emprunt pour la rénovation de l'école",
        "énergie",
        75000,
        0.0,
    ),
]
PB_PROJECTS = [
    ("Un abri pour le marché du samedi", "Place de l'église", "vie locale", 6800, 9),
    ("Des bancs et une table au bord du lac", "Chemin du lac", "nature", 2400, 8),
    ("Composteurs partagés dans le bourg", "Bourg", "nature", 1900, 7),
    ("Une boîte à livres à l'arrêt du car", "Arrêt du car", "culture", 600, 6),
    ("Vélos électriques en prêt", "Mairie", "mobilité", 7200, 5),
    ("Un four à pain collectif", "Ancienne forge", "alimentation", 8500, 4),
    ("Nichoirs et hôtels à insectes à l'école", "École", "nature", 900, 3),
]
VOTE_PROJECTS = [
    ("Un jardin partagé derrière la salle des fêtes", "Salle des fêtes", "alimentation", 4500),
    ("Une aire de jeux en bois", "Bourg", "enfance", 9000),
    ("Réparer le lavoir", "Lavoir du bas", "patrimoine", 3800),
    ("Un atelier de réparation de vélos", "Ancienne gare", "mobilité", 2500),
]


def _members(commune: Any, users: dict[str, Any]) -> list[Any]:
    from federation.identity.models import Membership, User

    ids = set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.commune_id == commune.id, Membership.status == "active"
            )
        )
    )
    found = [u for u in users.values() if u is not None and u.id in ids]
    if not found and ids:
        found = list(db.session.scalars(select(User).where(User.id.in_(sorted(ids)))))
    unique: dict[int, Any] = {}
    for user in found:
        unique.setdefault(user.id, user)
    return list(unique.values())


def load(commune: Any, users: dict[str, Any]) -> None:
    year = date.today().year
    agent = users.get("agent")
    actor = agent.display_name if agent else "Services municipaux"
    lines = {}
    for section, direction, chapter, nature, function, label, theme, planned, share in LINES:
        line = services.create_line(
            year,
            section,
            chapter,
            function,
            label,
            planned,
            theme,
            direction=direction,
            nature=nature,
            actor=actor,
        )
        lines[label] = line
        executed = (Decimal(planned) * Decimal(str(share))).quantize(Decimal("1"))
        if executed > 0:  # ordinary operating spending: the voted line allows it
            services.book(
                line,
                executed,
                f"Mandats du 1er semestre — {label.lower()}"[:200],
                kind="line",
                actor=actor,
            )
    # décision modificative n° 1, balanced: a new revenue pays for the new expense
    services.amend(
        lines["Subventions aux associations"],
        "1500",
        "Aide exceptionnelle à la fête du plateau (décision modificative n° 1).",
        actor="Conseil municipal",
    )
    services.amend(
        lines["Droits de place du marché du samedi"],
        "1500",
        "Droits de place de la fête du plateau (décision modificative n° 1).",
        actor="Conseil municipal",
    )
    members = _members(commune, users)
    _decided_spending(commune, members, lines["Éclairage public économe"])
    _past_process(commune, year - 1, lines["Budget participatif"], members)
    _vote_process(year, lines["Budget participatif"], members)
    submission = pb.create_process(
        f"Budget participatif jeunesse {year}",
        year,
        "5000",
        actor=actor,
        description="Les moins de 25 ans proposent et votent pour des projets qui les concernent.",
        max_choices=3,
        rule="greedy",
    )
    if members:
        pb.submit_project(
            submission,
            members[0],
            "Un local pour les jeunes du plateau",
            "Aménager l'ancienne salle de classe en lieu de rencontre, avec un baby-foot.",
            "3500",
            place="Ancienne école",
            theme="jeunesse",
        )
    db.session.flush()


def _decided_spending(commune: Any, members: list[Any], line: Any) -> None:
    """A proposal carrying spending, voted by the assembly: booked when it is adopted."""
    if not members:
        return
    from federation.governance import bodies, proposals, votes

    assembly = bodies.assembly(commune)
    proposal = proposals.create_proposal(
        assembly,
        members[0],
        "Passer l'éclairage public en LED avec extinction de 23 h à 5 h",
        "Remplacer les 42 lampadaires du bourg par des LED et couper l'éclairage la nuit : "
        "moins de dépense d'énergie, et le ciel étoilé retrouvé.",
    )
    services.attach_to_proposal(proposal, line.id, "18500", members[0], may_manage=True)
    proposals.transition(proposal, "deliberation", members[0])
    vote = votes.create_vote(
        assembly,
        "Éclairage public en LED",
        "majority",
        proposal=proposal,
        results_hidden=True,
        settings={"threshold": "1/2"},
    )
    votes.open_vote(vote, members[0])
    for person in members:
        votes.cast(vote, person, {"choice": "yes"})
    votes.close_vote(vote, members[0])


def _past_process(commune: Any, year: int, line: Any, members: list[Any]) -> None:
    process = pb.create_process(
        f"Budget participatif {year}",
        year,
        "15000",
        actor="Services municipaux",
        description="Chaque habitant·e choisit jusqu'à trois projets. Règle : parts égales.",
        max_choices=3,
        rule="mes",
        budget_line_id=line.id,
    )
    author = members[0] if members else None
    created = []
    for title, place, theme, cost, _appeal in PB_PROJECTS:
        created.append(
            pb.submit_project(
                process,
                author,
                title,
                f"{title}. Projet proposé en réunion publique, porté par des habitant·es.",
                str(cost),
                place=place,
                theme=theme,
            )
        )
    pb.advance(process, "review", actor="Services municipaux")
    for project, (_t, _p, _th, _c, appeal) in zip(created, PB_PROJECTS, strict=True):
        reason = (
            "Faisable : le terrain est communal et le devis est réaliste."
            if appeal > 3
            else "Faisable avec l'aide du chantier d'insertion."
        )
        pb.review(project, True, reason, reviewer=_Reviewer(), cost=None)
    pb.advance(process, "vote", actor="Services municipaux")
    rng = random.Random(f"budget-demo-{commune.slug}")  # noqa: S311 - repeatable demo
    contents = []  # the paper ballots counted at the town hall, entered afterwards
    for _ in range(24):
        weights = {
            p.external_id: appeal for p, (*_x, appeal) in zip(created, PB_PROJECTS, strict=True)
        }
        chosen = set()
        for _pick in range(rng.randint(1, 3)):
            pid = rng.choices(list(weights), weights=list(weights.values()))[0]
            chosen.add(pid)
        contents.append(pb.canonical(dict.fromkeys(sorted(chosen), 1)))
    process.imported_ballots = pb.store_imported_ballots(process, contents)
    process.eligible_count = max(commune.population or 0, len(contents))
    db.session.flush()
    pb.advance(process, "results", actor="Services municipaux")
    pb.advance(process, "follow_up", actor="Services municipaux")
    winners = [p for p in created if p.selected]
    if winners and members:
        first = winners[0]
        pb.follow_up(first, members[0], 100, "Réalisé par le chantier participatif du printemps.")
        pb.book_project(first, first.cost, actor=_Reviewer())


def _vote_process(year: int, line: Any, members: list[Any]) -> None:
    process = pb.create_process(
        f"Budget participatif {year}",
        year,
        "12000",
        actor="Services municipaux",
        description=(
            "Votez pour deux projets au plus ; leur total ne doit pas dépasser l'enveloppe."
        ),
        max_choices=2,
        rule="mes",
        budget_line_id=line.id,
    )
    author = members[-1] if members else None
    for title, place, theme, cost in VOTE_PROJECTS:
        project = pb.submit_project(
            process,
            author,
            title,
            f"{title} : un projet des habitant·es, pour toutes et tous.",
            str(cost),
            place=place,
            theme=theme,
        )
        pb.review(project, True, "Faisable, devis vérifié par les services.", reviewer=_Reviewer())
    pb.advance(process, "review", actor="Services municipaux")
    pb.advance(process, "vote", actor="Services municipaux")


class _Reviewer:
    """The municipal services as an actor when no agent account is at hand."""

    id = None
    display_name = "Services municipaux"


__all__ = ["PBProject"]
