"""REST endpoints of the water plugin, under ``/api/v1/communes/<commune>/water/``.

Thin: validation by the schemas, logic in the services, errors as 4xx JSON naming the
field. Households' personal data only reach the water circle and the person concerned.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from convergence_water import balance as balance_service
from convergence_water import decisions, readings, services
from convergence_water.explain import explain, summary
from convergence_water.schemas import (
    WaterAlertSchema,
    WaterAttachSchema,
    WaterBalanceSchema,
    WaterComputeSchema,
    WaterCsvImportSchema,
    WaterImportReportSchema,
    WaterLevelSchema,
    WaterMeterReadingSchema,
    WaterPolicySchema,
    WaterProposalLinkSchema,
    WaterProposeSchema,
    WaterReadingBatchSchema,
    WaterResourceReadingSchema,
    WaterResourceSchema,
    WaterResourceUpdateSchema,
    WaterRuleSchema,
    WaterRunDetailSchema,
    WaterRunSchema,
    WaterUserAllocationSchema,
    WaterUserSchema,
    WaterUserUpdateSchema,
)
from federation import csvio
from federation.api import api_error
from federation.api.errors import service_errors
from federation.db import db
from federation.errors import Conflict, NotFound
from federation.governance.proposals import get_proposal
from federation.identity.decorators import check_permission

blp = Blueprint(
    "water_api",
    __name__,
    description="Eau : ressources, usager·es, niveaux de sécheresse, allocations, relevés",
)


RUN_FIELDS = (
    "id",
    "resource_id",
    "status",
    "level",
    "season",
    "available",
    "available_source",
    "vital_litres",
    "priority",
    "rules",
    "tiers",
    "users_count",
    "need_total",
    "allocated",
    "proposal_id",
    "decision_id",
    "created_at",
    "applied_at",
)


def _user() -> Any:
    return current_user if current_user.is_authenticated else None


def _steer() -> Any:
    """The water circle or ``water.manage``; 401/403 JSON otherwise."""
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    if not services.can_steer(user):
        check_permission("water.manage")
    return user


def _private() -> bool:
    return services.can_see_private(_user())


def _resource_dump(resource, levels=None, volumes=None) -> dict[str, Any]:
    levels = levels or services.levels_in_force([resource])
    volumes = volumes or services.available_volumes([resource])
    available, _source = volumes[resource.id]
    data = {
        k: getattr(resource, k)
        for k in ("id", "code", "name", "kind", "status", "federation_id", "description")
    }
    for season in ("winter", "spring", "summer", "autumn"):
        data[f"yield_{season}_m3"] = resource.yield_for(season) / 1000
    data["level"] = levels[resource.id][0]
    data["available_m3"] = available / 1000
    return data


def _user_dump(row, line=None, private: bool = True) -> dict[str, Any]:
    hidden = row.kind == "household" and not private
    data = {
        "id": row.id,
        "kind": row.kind,
        "name": "" if hidden else row.name,
        "address": "" if hidden else row.address,
        "people": row.people,
        "crops": row.crops,
        "livestock": row.livestock,
        "activity": row.activity,
        "resource_id": row.resource_id,
        "meter_code": None if hidden else row.meter_code,
        "active": row.active,
        "needs": dict(
            zip(
                ("drinking", "livestock", "irrigation", "economic", "leisure"),
                row.needs(),
                strict=True,
            )
        ),
        "linked": row.account_id is not None,
        "allocation_l": line.total if line is not None else None,
    }
    return data


def _may_see_user(row, details: bool = False) -> bool:
    """Households (and anyone's meter readings): the person concerned or the circle."""
    user = _user()
    if row.kind != "household" and not details:
        return True
    return user is not None and (row.account_id == user.id or services.can_see_private(user))


def _get_user(user_id: int, details: bool = False):
    try:
        row = services.get_water_user(user_id)
    except NotFound:
        abort(404)
    if not _may_see_user(row, details):
        abort(404)
    return row


def _allocation_of(row) -> dict[str, Any]:
    found = services.current_lines([row.id]).get(row.id)
    if found is None:
        return {
            "water_user_id": row.id,
            "run_id": None,
            "level": None,
            "total_l": None,
            "summary": None,
            "explanation": [],
        }
    run, line = found
    resource = services.get_resource(run.resource_id)
    return {
        "water_user_id": row.id,
        "run_id": run.id,
        "level": run.level,
        "total_l": line.total,
        "summary": summary(run, line, resource.name),
        "explanation": explain(run, line),
    }


# --- resources ----------------------------------------------------------------------------


@blp.route("/resources")
class Resources(MethodView):
    @blp.response(200, WaterResourceSchema(many=True))
    def get(self):
        """The commune's water resources, with the level in force and the volume available."""
        rows = services.resources()
        levels = services.levels_in_force(rows)
        volumes = services.available_volumes(rows)
        return [_resource_dump(r, levels, volumes) for r in rows]

    @blp.arguments(WaterResourceSchema)
    @blp.response(201, WaterResourceSchema)
    def post(self, data):
        """Add a resource (spring, well, borehole, reservoir, river intake, network)."""
        user = check_permission("water.manage")
        with service_errors():
            resource = services.create_resource(data, actor=user)
        db.session.commit()
        return _resource_dump(resource)


@blp.route("/resources/<int:resource_id>")
class ResourceItem(MethodView):
    @blp.response(200, WaterResourceSchema)
    def get(self, resource_id):
        """One resource."""
        with service_errors():
            return _resource_dump(services.get_resource(resource_id))

    @blp.arguments(WaterResourceUpdateSchema)
    @blp.response(200, WaterResourceSchema)
    def patch(self, data, resource_id):
        """Change a resource; a new yield or status recomputes its allocation."""
        user = check_permission("water.manage")
        with service_errors():
            resource = services.get_resource(resource_id)
            services.update_resource(resource, data, actor=user)
        db.session.commit()
        return _resource_dump(resource)


@blp.route("/resources/<int:resource_id>/readings")
class ResourceReadings(MethodView):
    @blp.response(200, WaterResourceReadingSchema(many=True))
    def get(self, resource_id):
        """Measured flows (m³ per day) and levels (cm) of a resource, oldest first."""
        with service_errors():
            resource = services.get_resource(resource_id)
        return [
            {
                "id": r.id,
                "measured_on": r.measured_on,
                "flow_m3": None if r.flow is None else r.flow / 1000,
                "level_cm": r.level_cm,
                "note": r.note,
            }
            for r in services.resource_readings(resource, limit=500)
        ]

    @blp.arguments(WaterResourceReadingSchema)
    @blp.response(201, WaterResourceReadingSchema)
    def post(self, data, resource_id):
        """Record a measured flow or level (a low fresh flow recomputes the allocation)."""
        user = check_permission("water.readings")
        with service_errors():
            resource = services.get_resource(resource_id)
            reading = services.add_resource_reading(resource, **data, actor=user)
        db.session.commit()
        return {
            "id": reading.id,
            "measured_on": reading.measured_on,
            "flow_m3": None if reading.flow is None else reading.flow / 1000,
            "level_cm": reading.level_cm,
            "note": reading.note,
        }


# --- users and needs ----------------------------------------------------------------------


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, WaterUserSchema(many=True))
    def get(self):
        """Users of the water: households only for the water circle (personal data)."""
        private = _private()
        rows = services.water_users(households=private)
        lines = services.current_lines([r.id for r in rows])
        return [_user_dump(r, (lines.get(r.id) or (None, None))[1], private) for r in rows]

    @blp.arguments(WaterUserSchema)
    @blp.response(201, WaterUserSchema)
    def post(self, data):
        """Register a household, farm, business or public service, its meter and needs."""
        user = check_permission("water.manage")
        with service_errors():
            row = services.create_water_user(data, actor=user)
        db.session.commit()
        return _user_dump(row)


@blp.route("/users/<int:user_id>")
class UserItem(MethodView):
    @blp.response(200, WaterUserSchema)
    def get(self, user_id):
        """One user (a household: the water circle or the person concerned only)."""
        row = _get_user(user_id)
        line = services.current_lines([row.id]).get(row.id)
        return _user_dump(row, line[1] if line else None, True)

    @blp.arguments(WaterUserUpdateSchema)
    @blp.response(200, WaterUserSchema)
    def patch(self, data, user_id):
        """Change a user or its needs; the allocation concerned is recomputed."""
        user = check_permission("water.manage")
        with service_errors():
            row = services.get_water_user(user_id)
            services.update_water_user(row, data, actor=user)
        db.session.commit()
        return _user_dump(row)


@blp.route("/users/<int:user_id>/allocation")
@blp.response(200, WaterUserAllocationSchema)
def user_allocation(user_id):
    """The allocation in force of a user, explained tier by tier."""
    return _allocation_of(_get_user(user_id))


@blp.route("/users/<int:user_id>/readings")
class UserReadings(MethodView):
    @blp.response(200, WaterMeterReadingSchema(many=True))
    def get(self, user_id):
        """Meter readings of a user, oldest first (indexes in m³)."""
        row = _get_user(user_id, details=True)
        return [
            {
                "id": r.id,
                "read_on": r.read_on,
                "index_m3": f"{r.index_l / 1000:.3f}",
                "source": r.source,
            }
            for r in readings.readings_of(row, limit=1000)
        ]

    @blp.arguments(WaterMeterReadingSchema)
    @blp.response(201, WaterMeterReadingSchema)
    def post(self, data, user_id):
        """Record a reading: the person concerned, or ``water.readings`` for any meter."""
        user = _user()
        if user is None:
            api_error(401, message="authentication required")
        with service_errors():
            row = services.get_water_user(user_id)
        if row.account_id != user.id:
            check_permission("water.readings")
        with service_errors():
            reading = readings.add_reading(row, data["read_on"], data["index_m3"], source="api")
        db.session.commit()
        return {
            "id": reading.id,
            "read_on": reading.read_on,
            "index_m3": f"{reading.index_l / 1000:.3f}",
            "source": reading.source,
        }


@blp.route("/readings", methods=["POST"])
@blp.arguments(WaterReadingBatchSchema)
@blp.response(201, WaterImportReportSchema)
def automated_readings(data):
    """Readings sent by automated meters: ``{"readings": [{"meter", "date", "index_m3"}]}``.

    Any bad reading refuses the whole batch (422, each error with its position) unless
    ``partial`` is true: then the good ones are stored and the bad ones reported.
    """
    check_permission("water.readings")
    records = (
        (number, item["meter"], item["date"], item["index_m3"])
        for number, item in enumerate(data["readings"], start=1)
    )
    with service_errors():
        report = readings.import_records(records, source="api", partial=data["partial"])
    db.session.commit()
    return report.as_dict()


@blp.route("/readings/csv", methods=["POST"])
@blp.arguments(WaterCsvImportSchema)
@blp.response(201, WaterImportReportSchema)
def csv_readings(data):
    """Import a CSV of readings (``compteur;date;index``, line 1 is the header)."""
    check_permission("water.readings")
    with service_errors():
        text = csvio.read_source(data["csv"], field_name="csv")  # size, not text: 422
        report = readings.import_text(text, partial=data["partial"])
    db.session.commit()
    return report.as_dict()


# --- levels, rules and policy ------------------------------------------------------------


@blp.route("/levels")
class Levels(MethodView):
    @blp.response(200, WaterLevelSchema(many=True))
    def get(self):
        """Drought levels declared in the commune, newest first."""
        return services.level_history(limit=200)

    @blp.arguments(WaterLevelSchema)
    @blp.response(201, WaterLevelSchema)
    def post(self, data):
        """Declare a level directly (e.g. transcribe a prefectoral order); to have the
        water circle decide, use ``/proposals`` instead."""
        user = check_permission("water.manage")
        with service_errors():
            row = services.declare_level(data, source="manual", actor=user)
        db.session.commit()
        return row


@blp.route("/rules")
class Rules(MethodView):
    @blp.response(200)
    def get(self):
        """The restriction rules in force (level → category → rule), priority and vital volume."""
        table = services.effective_rules()
        return {
            "rules": {
                level: {
                    c: {
                        "reduction_pct": r.reduction_pct,
                        "forbidden": r.forbidden,
                        "hours": r.hours,
                    }
                    for c, r in rules.items()
                }
                for level, rules in table.items()
            },
            "priority": services.priority_order(),
            "vital_litres": int(services.settings().get("vital_litres", 50)),
        }

    @blp.arguments(WaterRuleSchema)
    @blp.response(200, WaterRuleSchema)
    def put(self, data):
        """Edit the rule of a category at a level (the water circle)."""
        user = _steer()
        with service_errors():
            row = services.set_rule(
                data["level"],
                data["category"],
                reduction_pct=data["reduction_pct"],
                forbidden=data["forbidden"],
                hours=data["hours"],
                actor=user,
            )
        db.session.commit()
        return row


@blp.route("/policy", methods=["PUT"])
@blp.arguments(WaterPolicySchema)
@blp.response(200)
def policy(data):
    """Set the priority order of the use categories and the vital volume per person."""
    user = _steer()
    with service_errors():
        values = services.set_policy(
            priority=data.get("priority"), vital_litres=data.get("vital_litres"), actor=user
        )
    db.session.commit()
    return values


# --- allocations --------------------------------------------------------------------------


@blp.route("/allocations")
class Allocations(MethodView):
    @blp.response(200, WaterRunSchema(many=True))
    def get(self):
        """Allocation runs, newest first (aggregates only)."""
        return services.runs(limit=200)

    @blp.arguments(WaterComputeSchema)
    @blp.response(201, WaterRunSchema)
    def post(self, data):
        """Compute a proposed allocation of a resource (it applies after a vote)."""
        user = _steer()
        with service_errors():
            resource = services.get_resource(data["resource_id"])
            run = services.compute_run(
                resource, trigger="manual", actor=user, available_m3=data.get("available_m3")
            )
        db.session.commit()
        return run


@blp.route("/allocations/<int:run_id>")
@blp.response(200, WaterRunDetailSchema)
def allocation(run_id):
    """One run: totals per category; each user's explained share for the water circle
    (households), or for everyone (farms, businesses, public services)."""
    with service_errors():
        run = services.get_run(run_id)
    private = _private()
    users = {u.id: u for u in services.water_users(resource_id=run.resource_id)}
    resource = services.get_resource(run.resource_id)
    lines = []
    for line in services.lines_of(run):
        person = users.get(line.water_user_id)
        if person is None or (person.kind == "household" and not private):
            continue
        lines.append(
            {
                "water_user_id": line.water_user_id,
                "run_id": run.id,
                "level": run.level,
                "total_l": line.total,
                "summary": summary(run, line, resource.name),
                "explanation": explain(run, line),
            }
        )
    data = {name: getattr(run, name) for name in RUN_FIELDS}
    data["totals"] = services.run_category_totals(run)
    data["lines"] = lines
    return data


@blp.route("/allocations/<int:run_id>/apply", methods=["POST"])
@blp.response(200, WaterRunSchema)
def apply_allocation(run_id):
    """Apply a proposed allocation without a vote (only where the commune allows it)."""
    user = check_permission("water.manage")
    with service_errors():
        run = services.get_run(run_id)
        if not services.settings().get("apply_without_vote"):
            raise Conflict(
                _("Cette commune met les allocations au vote du cercle de l'eau."),
                field="run_id",
            )
        services.apply_run(run, actor=user)
    db.session.commit()
    return run


# --- the water circle's proposals ---------------------------------------------------------


@blp.route("/proposals", methods=["POST"])
@blp.arguments(WaterProposeSchema)
@blp.response(201, WaterProposalLinkSchema)
def propose(data):
    """Put a level change or an allocation to the water circle: a proposal in deliberation
    (and, for a facilitator, its vote opened at once)."""
    user = _steer()
    check_permission("core.participate")
    payload = {k: data.get(k) for k in ("allocation_id", "level", "resource_id", "basin")}
    with service_errors():
        proposal = decisions.propose(
            payload,
            user,
            body_id=data.get("body_id"),
            title=data.get("title", ""),
            text=data.get("text", ""),
            open_vote=data.get("open_vote", False),
        )
    db.session.commit()
    water = proposal.extra.get("water", {})
    return {
        "proposal_id": proposal.id,
        "status": proposal.status,
        "water": water,
        "description": decisions.describe(water),
    }


@blp.route("/proposals/<int:proposal_id>")
class ProposalLink(MethodView):
    @blp.response(200, WaterProposalLinkSchema)
    def get(self, proposal_id):
        """What a proposal carries for the water plugin."""
        with service_errors():
            proposal = get_proposal(proposal_id)
        water = (proposal.extra or {}).get("water") or {}
        return {
            "proposal_id": proposal.id,
            "status": proposal.status,
            "water": water,
            "description": decisions.describe(water) if water else "",
        }

    @blp.arguments(WaterAttachSchema)
    @blp.response(200, WaterProposalLinkSchema)
    def put(self, data, proposal_id):
        """Attach a level change or an allocation to an open proposal of the water circle."""
        user = _steer()
        with service_errors():
            proposal = get_proposal(proposal_id)
            if proposal.author_id != user.id:
                check_permission("gov.facilitate")
            water = decisions.attach(proposal, data)
        db.session.commit()
        return {
            "proposal_id": proposal.id,
            "status": proposal.status,
            "water": water,
            "description": decisions.describe(water),
        }


# --- the person's own water, alerts, basin balance ----------------------------------------


@blp.route("/me", methods=["GET"])
@blp.response(200, WaterUserAllocationSchema(many=True))
def my_water():
    """The signed-in person's meters and their explained allocations."""
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    return [_allocation_of(row) for row in services.users_of_account(user.id)]


@blp.route("/alerts", methods=["GET"])
@blp.response(200, WaterAlertSchema(many=True))
def alert_list():
    """Over-use alerts (the water circle)."""
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    if not services.can_see_private(user):
        check_permission("water.households")
    return readings.alerts()


@blp.route("/basins/<int:federation_id>/balance", methods=["GET"])
@blp.response(200, WaterBalanceSchema)
def basin(federation_id):
    """The balance of a basin (a federation this commune belongs to): aggregates per
    commune of the shared resources; no household data crosses communes."""
    if federation_id not in {f.id for f in services.federations_here()}:
        abort(404)
    federation = next(f for f in services.federations_here() if f.id == federation_id)
    result = balance_service.basin_balance(
        federation, balance_service.communes_with_water(federation_id)
    )
    return {
        "federation_id": federation_id,
        "season": result.season,
        "shared_only": result.shared_only,
        "level": result.level,
        "communes": result.communes,
        "resources": result.resources,
    }
