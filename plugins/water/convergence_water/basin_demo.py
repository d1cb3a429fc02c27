"""Demonstration: the Vienne amont basin shares the « Sources de la Vienne » (Peyrelevade)
with the other communes of the basin, each through its own interconnection; the basin's
water circle proposes the allocation, every assembly ratifies it, and each household sees
its explained allocation once the federation has decided (after the demo's commit, through
the decisions' events). Runs when the last member commune of the basin gets its data."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from convergence_water import basin, services
from convergence_water.basin_models import BasinRun
from convergence_water.models import WaterResource
from federation.db import db
from federation.tenancy.context import commune_scope, federation_scope
from federation.tenancy.models import Commune, Federation
from federation.tenancy.services import member_commune_ids

HOLDER = "peyrelevade"
#: commune slug → households drawing on the shared spring (name, people, drinking, garden)
DRAWERS = {
    "tarnac": [("Foyer Lachaud", 5, 300, 150), ("Foyer Meunier", 1, 40, 0)],
    "nedde": [("Famille Roux", 4, 150, 200), ("Foyer Besse", 2, 120, 0)],
    "faux-la-montagne": [("Famille Aubert", 6, 360, 300), ("Foyer Lagrange", 2, 100, 80)],
}


def load(federation_id: int | None, today: date | None = None) -> int | None:
    """Link, propose and ratify once every member commune with water has its resources;
    returns the basin run's id (or None when it is not yet time, or already done)."""
    if federation_id is None:
        return None
    federation = db.session.get(Federation, federation_id)
    # every member commune, not only those where water is on yet (the demo switches the
    # plugins on commune by commune): the basin waits for the last one
    ids = member_commune_ids(federation.id)
    with federation_scope(ids):
        equipped = set(db.session.scalars(select(WaterResource.commune_id).distinct()))
        done = db.session.scalar(
            select(BasinRun.id).where(BasinRun.federation_id == federation.id).limit(1)
        )
        communes = {
            c.slug: c for c in db.session.scalars(select(Commune).where(Commune.id.in_(ids)))
        }
    if set(ids) - equipped or HOLDER not in communes or done:
        return None
    holder = communes[HOLDER]
    shared = next(
        (
            r
            for r in basin.shared_resources(federation)
            if r.commune_id == holder.id and r.kind == "spring"
        ),
        None,
    )
    if shared is None:
        return None
    shared_id, shared_name = shared.id, shared.name
    for slug, households in DRAWERS.items():
        commune = communes.get(slug)
        if commune is None:
            continue
        with commune_scope(commune.id):
            _draw(commune, federation.id, shared_id, shared_name, households)
    proposer = _circle_member(holder)
    if proposer is None:
        return None
    run = basin.propose(federation.id, shared_id, proposer, today=today)
    proposal_id = run.federation_proposal_id
    from federation.demo import _assembly_ratifies

    for commune in communes.values():
        with commune_scope(commune.id):
            _assembly_ratifies(commune, proposal_id)
    return run.id


def _draw(commune: Commune, federation_id: int, shared_id: int, shared_name: str, rows) -> None:
    prefix = (commune.insee_code or commune.slug[:5]).upper()
    local = services.create_resource(
        {
            "code": f"{prefix}-INTER",
            "name": f"Interconnexion — {shared_name}"[:200],
            "kind": "network",
            "federation_id": federation_id,
            "description": "Conduite qui amène l'eau de la source partagée du bassin.",
        }
    )
    basin.link(local.id, federation_id, shared_id)
    for index, (name, people, drinking, garden) in enumerate(rows, start=1):
        services.create_water_user(
            {
                "kind": "household",
                "name": name,
                "address": "Hameau raccordé à l'interconnexion",
                "people": people,
                "resource_id": local.id,
                "meter_code": f"{prefix}-I{index:02d}",
                "needs": {"drinking": drinking, "irrigation": garden, "leisure": 50},
            }
        )


def _circle_member(commune: Commune) -> Any:
    """A member of the holder's water circle (the basin's circle proposes)."""
    from federation.governance import bodies

    with commune_scope(commune.id):
        circles = services.water_bodies()
        members = bodies.members(circles[0]) if circles else []
    return members[0] if members else None
