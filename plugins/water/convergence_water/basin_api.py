"""API of the basin allocation, on the water plugin's commune API
(``/api/v1/communes/<commune>/water/…``): the person's own basin allocations, explained;
a basin's allocations (aggregates per commune, small counts hidden); the basin circle's
proposal. Thin: logic in :mod:`convergence_water.basin`."""

from __future__ import annotations

from typing import Any

from flask import abort
from marshmallow import Schema, fields, validate

from convergence_water import basin, services
from convergence_water.api import _user, blp
from convergence_water.explain import explain, summary
from convergence_water.schemas import StrictSchema, WaterExplainedSchema
from federation.api import api_error
from federation.api.errors import service_errors
from federation.api.fields import Integer
from federation.db import db


class BasinCommuneSchema(Schema):
    commune_id = Integer()
    name = fields.String()
    users = Integer()
    households = Integer()
    people = Integer(allow_none=True, metadata={"description": "null: fewer than 5"})
    need_l = Integer()
    allocated_l = Integer()
    ratification = fields.String(allow_none=True)


class BasinRunSchema(Schema):
    id = Integer()
    federation_id = Integer()
    resource_id = Integer()
    status = fields.String()
    trigger = fields.String()
    season = fields.String()
    level = fields.String()
    available_l = Integer()
    allocated_l = Integer()
    vital_litres = Integer()
    users = Integer()
    federation_proposal_id = Integer(allow_none=True)
    tiers = fields.List(fields.Dict())
    communes = fields.List(fields.Nested(BasinCommuneSchema))


class MyBasinSchema(Schema):
    water_user_id = Integer()
    status = fields.String()
    total_l = Integer()
    vital_l = Integer()
    people = Integer()
    summary = fields.String()
    explanation = fields.List(fields.Nested(WaterExplainedSchema))
    basin_run = fields.Nested(BasinRunSchema, allow_none=True)


class BasinProposeSchema(StrictSchema):
    resource_id = Integer(required=True)
    vital_litres = Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(basin.MIN_VITAL, basin.MAX_VITAL),
    )


def _run_dump(run: Any, with_communes: bool = True) -> dict[str, Any]:
    return {
        "id": run.id,
        "federation_id": run.federation_id,
        "resource_id": run.resource_id,
        "status": run.status,
        "trigger": run.trigger,
        "season": run.season,
        "level": run.level,
        "available_l": run.available,
        "allocated_l": run.allocated,
        "vital_litres": run.vital_litres,
        "users": run.users_count,
        "federation_proposal_id": run.federation_proposal_id,
        "tiers": run.tiers,
        "communes": [
            {
                "commune_id": row.commune_id,
                "name": row.name,
                "users": row.users,
                "households": row.households,
                "people": row.people,
                "need_l": row.need,
                "allocated_l": row.allocated,
                "ratification": row.ratification,
            }
            for row in basin.commune_rows(run)
        ]
        if with_communes
        else [],
    }


def _basin_here(federation_id: int) -> Any:
    federation = next((f for f in services.federations_here() if f.id == federation_id), None)
    if federation is None:
        abort(404)
    return federation


@blp.route("/me/basin", methods=["GET"])
@blp.response(200, MyBasinSchema(many=True))
def my_basin_allocations():
    """The signed-in person's basin allocations in this commune, explained, with the basin's
    aggregates and each assembly's answer (their own lines only)."""
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    return [
        {
            "water_user_id": item.water_user.id,
            "status": item.part.status,
            "total_l": item.line.total,
            "vital_l": item.line.vital,
            "people": item.line.people,
            "summary": summary(item.part, item.line, item.water_user.name),
            "explanation": [
                {
                    "category": e.category,
                    "label": e.label,
                    "need": e.need,
                    "allocated": e.allocated,
                    "text": e.text,
                }
                for e in explain(item.part, item.line)
            ],
            "basin_run": _run_dump(item.basin_run) if item.basin_run is not None else None,
        }
        for item in basin.mine(user.id)
    ]


@blp.route("/basins/<int:federation_id>/allocations", methods=["GET"])
@blp.response(200, BasinRunSchema(many=True))
def basin_allocations(federation_id: int):
    """A basin's allocations (a federation this commune belongs to): aggregates per commune,
    counts of people under 5 hidden; no household crosses communes."""
    federation = _basin_here(federation_id)
    return [_run_dump(run) for run in basin.basin_runs(federation)]


@blp.route("/basins/<int:federation_id>/allocations", methods=["POST"])
@blp.arguments(BasinProposeSchema)
@blp.response(201, BasinRunSchema)
def propose_basin_allocation(data: dict[str, Any], federation_id: int):
    """The basin's water circle proposes the allocation of a shared resource to every
    member assembly (unanimity)."""
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    federation = _basin_here(federation_id)
    with service_errors():
        run = basin.propose(
            federation.id, data["resource_id"], user, vital_litres=data.get("vital_litres")
        )
        dumped = _run_dump(run)
        db.session.commit()
    return dumped
