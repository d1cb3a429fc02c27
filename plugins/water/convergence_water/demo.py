"""Demonstration data: the communes of the upper Vienne share their springs and boreholes
in the basin « Vienne amont »; a dry summer that lasts into the autumn has brought the
prefecture's « vigilance » order; each commune's water is allocated and explained.

Kept small on purpose (a dozen rows per table and commune): the tenant-isolation walk
seeds it into two communes and requests every route with every id.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from convergence_water import readings, services
from convergence_water.models import AllocationRun, WaterResource
from federation.db import db
from federation.identity.models import Membership, User

#: commune slug → (spring, borehole or intake) names, for the demo federation
PLACES = {
    "faux-la-montagne": ("Captage de la Feuillade", "Forage du Villard"),
    "gentioux-pigerolles": ("Source de Pigerolles", "Forage du Mont Pigerolles"),
    "peyrelevade": ("Sources de la Vienne", "Prise d'eau du Rat"),
    "tarnac": ("Source du bourg de Tarnac", "Forage des Plaines"),
    "royere-de-vassiviere": ("Source de Masgrangeas", "Prise d'eau du lac de Vassivière"),
    "nedde": ("Captage du Puy de Nedde", "Prise d'eau sur la Vienne"),
}
HOUSEHOLDS = [
    ("Famille Martin", "Le bourg", 4, 440, 150, 60),
    ("Famille Dupuy", "Lieu-dit La Feuillade", 2, 220, 300, 0),
    ("Foyer Chazal", "Route du lac", 1, 110, 40, 0),
    ("Famille Peyrat", "Le Villard", 5, 550, 400, 200),
    ("Foyer Bordas", "Le bourg", 3, 330, 0, 100),
    ("Famille Vergne", "Les Plaines", 3, 330, 120, 80),
]


def _first_member(commune_id: int) -> User | None:
    """The commune's first verified member (the demo's inhabitant): her household is hers."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.commune_id == commune_id,
            Membership.status == "active",
            User.is_platform_admin.is_(False),
        )
        .order_by(Membership.id)
        .limit(1)
    )


def _basin() -> int | None:
    for federation in services.federations_here():
        if federation.kind == "basin":
            return federation.id
    return None


def load(commune: Any, users: dict[str, User], today: date | None = None) -> None:
    today = today or date.today()
    if db.session.scalar(select(WaterResource.id).limit(1)):
        return
    spring_name, second_name = PLACES.get(
        commune.slug, (f"Source du bourg de {commune.name}", f"Forage de {commune.name}")
    )
    basin = _basin()
    prefix = (commune.insee_code or commune.slug[:5]).upper()
    # Bigger communes have bigger springs: the scarcity differs from one commune to another.
    scale = min(max((commune.population or 450) / 450, 0.7), 1.8)

    def m3(value: float) -> str:
        return f"{value * scale:.1f}"

    spring = services.create_resource(
        {
            "code": f"{prefix}-SRC",
            "name": spring_name,
            "kind": "spring",
            "federation_id": basin,
            "description": "Source captée qui alimente le bourg ; débit suivi chaque mois.",
            "yield_winter_m3": m3(9),
            "yield_spring_m3": m3(7.5),
            "yield_summer_m3": m3(3),
            "yield_autumn_m3": m3(4),
        }
    )
    second = services.create_resource(
        {
            "code": f"{prefix}-FOR",
            "name": second_name,
            "kind": "river_intake" if "Prise" in second_name else "borehole",
            "federation_id": basin,
            "description": "Ressource des fermes et de l'activité, partagée dans le bassin.",
            "yield_winter_m3": m3(30),
            "yield_spring_m3": m3(25),
            "yield_summer_m3": m3(11),
            "yield_autumn_m3": m3(14),
        }
    )
    account = _first_member(commune.id)

    created = []
    meter = 0

    def add(data: dict[str, Any]) -> Any:
        nonlocal meter
        meter += 1
        row = services.create_water_user({"meter_code": f"{prefix}-C{meter:03d}", **data})
        created.append(row)
        return row

    if account is not None:
        add(
            {
                "kind": "household",
                "name": f"Foyer de {account.display_name.split(',')[0]}",
                "address": "Le bourg",
                "people": 2,
                "resource_id": spring.id,
                "needs": {"drinking": 240, "leisure": 150, "irrigation": 120},
                "account_email": account.email,  # her household is hers
            }
        )
    for name, address, count, drinking, leisure, garden in HOUSEHOLDS:
        add(
            {
                "kind": "household",
                "name": name,
                "address": address,
                "people": count,
                "resource_id": spring.id,
                "needs": {"drinking": drinking, "leisure": leisure, "irrigation": garden},
            }
        )
    add(
        {
            "kind": "public_service",
            "name": "École communale",
            "activity": "Cantine et sanitaires, 38 élèves",
            "people": 38,
            "resource_id": spring.id,
            "needs": {"drinking": 900, "leisure": 200},
        }
    )
    add(
        {
            "kind": "farm",
            "name": "GAEC des Bruyères",
            "crops": "prairies, foin",
            "livestock": 60,
            "people": 3,
            "resource_id": second.id,
            "needs": {"drinking": 350, "livestock": 4800},
        }
    )
    add(
        {
            "kind": "farm",
            "name": "Les Jardins de la Vienne (maraîchage)",
            "crops": "légumes de plein champ, serres",
            "people": 2,
            "resource_id": second.id,
            "needs": {"drinking": 220, "irrigation": 7000},
        }
    )
    add(
        {
            "kind": "business",
            "name": "Scierie coopérative du plateau",
            "activity": "sciage, arrosage des grumes",
            "resource_id": second.id,
            "needs": {"drinking": 150, "economic": 2500, "leisure": 0},
        }
    )
    db.session.flush()

    # A dry summer lasting into the autumn: the spring's flow has been falling each month.
    for resource, days_ago, flow, level_cm, note in (
        (spring, 120, 6000, 120, "Relevé mensuel du débit à la source"),
        (spring, 90, 4800, 95, "Relevé mensuel du débit à la source"),
        (spring, 60, 4200, 72, "Relevé mensuel du débit à la source"),
        (spring, 30, 3900, 60, "Relevé mensuel du débit à la source"),
        (spring, 3, 3600, 48, "Plus bas débit mesuré depuis 2019"),
        (second, 65, None, 640, "Niveau de la nappe (profondeur mesurée)"),
        (second, 35, None, 590, "Niveau de la nappe (profondeur mesurée)"),
        (second, 3, 12_000, 575, "Niveau de la nappe (profondeur mesurée)"),
    ):
        services.add_resource_reading(
            resource,
            measured_on=(today - timedelta(days=days_ago)).isoformat(),
            flow_m3=None if flow is None else f"{int(flow * scale) / 1000:.3f}",
            level_cm=level_cm,
            note=note,
            today=today,
        )
    # the circle's own rule for the « alerte » level (stricter than the default)
    services.set_rule(
        "alerte",
        "leisure",
        reduction_pct=60,
        forbidden=False,
        hours="arrosage interdit de 8 h à 20 h, piscines non remplies",
    )

    data: dict[str, Any] = {
        "level": "vigilance",
        "starts_on": (today - timedelta(days=40)).isoformat(),
        "reference": "Arrêté préfectoral cadre sécheresse — zone Vienne amont",
        "note": "Sécheresse estivale prolongée : appel à la sobriété.",
    }
    if basin is not None:
        data["basin"] = basin
    services.declare_level(data, source="import", today=today)
    for resource in (spring, second):
        proposed = services.runs(resource_id=resource.id, limit=1)
        run = proposed[0] if proposed else services.compute_run(resource, today=today)
        _put_to_the_circle(run)

    # Meter readings: two months of the summer for four users; one goes over its share.
    rows = []
    for row, start, per_day in (
        (created[0], 182_340, 520),
        (created[1], 96_015, 700),
        (created[-3], 1_204_880, 5_000),
        (created[-2], 860_100, 7_400),
    ):
        if row.meter_code is None:
            continue
        for days_ago in (58, 30, 2):
            index = start + int(per_day * scale) * (58 - days_ago)
            day = today - timedelta(days=days_ago)
            rows.append((None, row.meter_code, day, f"{index / 1000:.3f}"))
    readings.import_records(rows, source="csv", today=today)
    # the basin shares Peyrelevade's spring once its last commune has its data
    from convergence_water import basin_demo

    basin_demo.load(basin, today=today)


def _put_to_the_circle(run: AllocationRun) -> None:
    """The allocation goes to the water circle's vote, as the rules want: a facilitator
    proposes it and opens the vote, the circle's members vote, the vote is closed; the
    adopted decision puts it in force (``governance.decision_adopted``, after the commit).
    Where the demo has nobody in the circle, the allocation stays proposed."""
    from convergence_water import decisions
    from federation.governance import bodies, votes
    from federation.identity.services import has_permission

    circles = services.water_bodies()
    if not circles:
        return
    members = bodies.members(circles[0])
    cid = services.commune_id()
    facilitator = next((m for m in members if has_permission(m, "gov.facilitate", cid)), None)
    if facilitator is None:
        return
    proposal = decisions.propose(
        {"allocation_id": run.id},
        facilitator,
        body_id=circles[0].id,
        text="Le débit des sources baisse : partageons l'eau en garantissant d'abord "
        "les usages vitaux.",
        open_vote=True,
    )
    vote = votes.votes(proposal=proposal)[0]
    for person in members:
        votes.cast(vote, person, {"choice": "yes"})
    votes.close_vote(vote, facilitator)
