"""A basin of three communes: Amont holds a shared spring; Milieu and Aval draw on it through
their own interconnections. Each has its water circle, households and an assembly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from federation.db import db

SECRET_NAMES = ("Foyer Secret-Milieu", "Foyer Secret-Aval", "Foyer Secret-Amont")


@dataclass
class Basin:
    federation: Any
    towns: dict[str, Any]
    circle: dict[str, Any]
    members: dict[str, list]
    spring_id: int = 0
    local: dict[str, int] = field(default_factory=dict)
    users: dict[str, dict[str, int]] = field(default_factory=dict)


def make_basin(factory, in_commune) -> Basin:
    from convergence_water import basin, services

    from federation.governance import bodies
    from federation.identity.models import User

    towns = {k: factory.commune(f"bv-{k}", f"BV {k.title()}") for k in ("amont", "milieu", "aval")}
    fed = factory.federation("bv-bassin", list(towns.values()), name="Bassin de test", kind="basin")
    result = Basin(fed, towns, {}, {})
    for key, town in towns.items():
        factory.enable(town, "water")
        circle_member = factory.member(town, "facilitator")
        result.circle[key] = circle_member
        result.members[key] = [factory.member(town) for _ in range(2)]
        with in_commune(town):
            circle = bodies.create_body("thematic_circle", "Cercle de l'eau", theme="eau")
            bodies.join(circle, db.session.get(User, circle_member.user.id))
    with in_commune(towns["amont"]):
        spring = services.create_resource(
            {
                "code": "SRC",
                "name": "Source partagée",
                "kind": "spring",
                "federation_id": fed.id,
                # summer and autumn scarce, winter and spring plenty
                "yield_winter_m3": "40",
                "yield_spring_m3": "40",
                "yield_summer_m3": "1.2",
                "yield_autumn_m3": "1.2",
            }
        )
        result.spring_id = spring.id
        result.users["amont"] = {
            "secret": services.create_water_user(
                {
                    "kind": "household",
                    "name": "Foyer Secret-Amont",
                    "people": 3,
                    "resource_id": spring.id,
                    "account_email": result.members["amont"][0].user.email,
                    "needs": {"drinking": 300, "leisure": 300},
                }
            ).id
        }
    for key, people, drinking in (("milieu", 6, 100), ("aval", 2, 200)):
        with in_commune(towns[key]):
            local = services.create_resource(
                {"code": "INTER", "name": f"Interconnexion {key}", "kind": "network"}
            )
            basin.link(local.id, fed.id, result.spring_id)
            result.local[key] = local.id
            result.users[key] = {
                "secret": services.create_water_user(
                    {
                        "kind": "household",
                        "name": f"Foyer Secret-{key.title()}",
                        "people": people,
                        "resource_id": local.id,
                        "account_email": result.members[key][0].user.email,
                        # Milieu declares less drinking water than its six people need
                        "needs": {"drinking": drinking, "irrigation": 500},
                    }
                ).id
            }
    return result


def ratify_everywhere(app, basin_case: Basin, proposal_id: int, towns=None) -> None:
    """Each assembly votes yes on its copy (events reach the federation after each commit)."""
    from federation.demo import _assembly_ratifies
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune

    for key in towns or basin_case.towns:
        with app.app_context(), commune_scope(basin_case.towns[key].id):
            _assembly_ratifies(db.session.get(Commune, basin_case.towns[key].id), proposal_id)
            db.session.commit()
