"""A commune with the water plugin on, its water circle, a spring, a borehole and users."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from federation.db import db


@dataclass
class WaterTown:
    commune: Any
    facilitator: Any
    agent: Any
    circle_member: Any
    members: list
    outsider: Any
    circle_id: int = 0
    spring_id: int = 0
    borehole_id: int = 0
    users: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/c/{self.commune.slug}/water"

    @property
    def api(self) -> str:
        return f"/api/v1/communes/{self.commune.slug}/water"


def make_town(factory, in_commune, slug: str = "source-ville", name: str = "Source-Ville"):
    from convergence_water import services

    from federation.governance import bodies
    from federation.identity.models import User

    commune = factory.commune(slug, name)
    factory.enable(commune, "water")
    town = WaterTown(
        commune=commune,
        facilitator=factory.member(commune, "facilitator"),
        agent=factory.member(commune, "agent"),
        circle_member=factory.member(commune),
        members=[factory.member(commune) for _ in range(3)],
        outsider=factory.member(factory.commune(f"{slug}-voisine"), "admin"),
    )
    with in_commune(commune):
        circle = bodies.create_body("thematic_circle", "Cercle de l'eau", theme="eau")
        for ref in (town.facilitator, town.circle_member):
            bodies.join(circle, db.session.get(User, ref.user.id))
        town.circle_id = circle.id
        spring = services.create_resource(
            {
                "code": "SRC",
                "name": "Source du bourg",
                "kind": "spring",
                "yield_winter_m3": "10",
                "yield_spring_m3": "10",
                "yield_summer_m3": "10",
                "yield_autumn_m3": "10",
            }
        )
        borehole = services.create_resource(
            {
                "code": "FOR",
                "name": "Forage des Plaines",
                "kind": "borehole",
                **{f"yield_{s}_m3": "8" for s in ("winter", "spring", "summer", "autumn")},
            }
        )
        town.spring_id, town.borehole_id = spring.id, borehole.id
        rows = {
            "martin": {
                "kind": "household",
                "name": "Famille Martin-Secret",
                "people": 4,
                "address": "3 rue des Sources",
                "meter_code": "M1",
                "account_email": town.members[0].user.email,
                "needs": {"drinking": 600, "leisure": 400, "irrigation": 200},
            },
            "dupuy": {
                "kind": "household",
                "name": "Famille Dupuy-Secret",
                "people": 2,
                "meter_code": "M2",
                "needs": {"drinking": 300, "leisure": 100},
            },
            "school": {
                "kind": "public_service",
                "name": "École du bourg",
                "people": 40,
                "meter_code": "M3",
                "needs": {"drinking": 1200},
            },
            "farm": {
                "kind": "farm",
                "name": "GAEC des Prés",
                "livestock": 50,
                "meter_code": "M4",
                "resource_id": borehole.id,
                "needs": {"drinking": 200, "livestock": 4000},
            },
            "market": {
                "kind": "farm",
                "name": "Maraîchage du Ruisseau",
                "meter_code": "M5",
                "resource_id": borehole.id,
                "needs": {"irrigation": 6000},
            },
        }
        for key, data in rows.items():
            data.setdefault("resource_id", spring.id)
            town.users[key] = services.create_water_user(data).id
    return town


@pytest.fixture
def water_town(factory, in_commune):
    return make_town(factory, in_commune)
