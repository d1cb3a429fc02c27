"""REST endpoints of the roster, under ``/api/v1/communes/<commune>/roster/…``. Thin: the
services decide; these check permissions, load input, commit."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from federation.api.auth import require_user
from federation.api.errors import service_errors
from federation.db import db, utcnow
from federation.identity.decorators import check_permission
from federation.roster import duty as duties
from federation.roster import services
from federation.roster.schemas import (
    RosterAttendanceSchema,
    RosterCancelSchema,
    RosterDutySchema,
    RosterEntrySchema,
    RosterExemptionSchema,
    RosterSeriesSchema,
    RosterSettingsSchema,
    RosterShiftSchema,
    RosterSignupCreateSchema,
    RosterSignupSchema,
    RosterStatusSchema,
)

blp = Blueprint(
    "api_roster",
    __name__,
    url_prefix="/api/v1/communes/<commune>/roster",
    description="Tours de rôle : créneaux, inscriptions, présences, tour de rôle et compteur",
)


def _body(slug: str | None) -> Any:
    if not slug:
        return None
    from federation.governance.bodies import get_body

    return get_body(slug)


def _shift_dump(shift, taken: dict[int, int]) -> dict[str, Any]:
    data = RosterShiftSchema().dump(shift)
    for role, row in zip(data["roles"], shift.roles, strict=True):
        role["taken"] = taken.get(row.id, 0)
    return data


def _status_dump(status: duties.DutyStatus) -> dict[str, Any]:
    s = status.status
    return {
        "duty_id": status.duty_id,
        "body_id": status.body_id,
        "user_id": status.user_id,
        "code": s.code,
        "balance": s.balance,
        "owed": s.owed,
        "late": s.late,
        "cycle_starts": s.cycle_starts,
        "cycle_ends": s.cycle_ends,
    }


@blp.route("/shifts")
class Shifts(MethodView):
    @blp.response(200)
    def get(self):
        """Upcoming shifts of the commune (``source_kind``/``source_ref``: a plugin object's),
        each role with the places taken."""
        kind = request.args.get("source_kind", "")[:40]
        if kind:
            found = services.shifts_for(kind, request.args.get("source_ref") or None)
        else:
            found = services.shifts(after=utcnow())
        taken = services.filled(found)
        return [_shift_dump(s, taken) for s in found]

    @blp.arguments(RosterShiftSchema)
    @blp.response(201)
    def post(self, data):
        """Open a shift (permission ``roster.manage``)."""
        actor = check_permission("roster.manage")
        with service_errors():
            shift = services.create_shift(
                data["title"],
                data["starts_at"],
                data["ends_at"],
                data["roles"],
                place=data["place"],
                tasks=data["tasks"],
                body=_body(data["body"]),
                source_kind=data["source_kind"],
                source_ref=data["source_ref"],
                signup_deadline=data["signup_deadline"],
                cancel_deadline=data["cancel_deadline"],
                actor=actor,
            )
        db.session.commit()
        return _shift_dump(shift, {})


@blp.route("/shifts/<int:shift_id>")
@blp.response(200)
def shift_detail(shift_id: int):
    """A shift, its roles and the places taken."""
    with service_errors():
        shift = services.get_shift(shift_id)
    return _shift_dump(shift, services.filled([shift]))


@blp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
@blp.response(204)
def cancel_shift(shift_id: int):
    """Cancel a whole shift; its people are told (``roster.manage``)."""
    actor = check_permission("roster.manage")
    with service_errors():
        services.cancel_shift(services.get_shift(shift_id), actor)
    db.session.commit()


@blp.route("/shifts/<int:shift_id>/signups")
class ShiftSignups(MethodView):
    @blp.response(200, RosterSignupSchema(many=True))
    def get(self, shift_id: int):
        """Who signed up (``roster.manage``)."""
        check_permission("roster.manage")
        with service_errors():
            shift = services.get_shift(shift_id)
        return services.signups(shift)

    @blp.arguments(RosterSignupCreateSchema)
    @blp.response(201, RosterSignupSchema)
    def post(self, data, shift_id: int):
        """Sign yourself up for a role (``credit_commune_id``: from another commune of a
        federation; ``gift_to``: a solidarity shift given to that member)."""
        user = require_user()
        with service_errors():
            shift = services.get_shift(shift_id)
            signup = services.sign_up(
                shift,
                data["role_id"],
                user,
                credit_commune_id=data["credit_commune_id"],
                gift_to=data["gift_to"],
            )
        db.session.commit()
        return signup


@blp.route("/signups/<int:signup_id>/cancel", methods=["POST"])
@blp.arguments(RosterCancelSchema, required=False)
@blp.response(204)
def cancel_signup(data, signup_id: int):
    """Withdraw your sign-up before the deadline (``force`` after it: ``roster.manage``)."""
    user = require_user()
    force = bool((data or {}).get("force"))
    with service_errors():
        signup = services.get_signup(signup_id)
        if signup.user_id != user.id or force:
            check_permission("roster.manage")
        services.cancel(signup, by=user, force=force)
    db.session.commit()


@blp.route("/shifts/<int:shift_id>/attendance", methods=["POST"])
@blp.arguments(RosterAttendanceSchema)
@blp.response(200)
def attendance(data, shift_id: int):
    """Record attendance (``roster.manage``): attended shifts credit the duty ledger."""
    actor = check_permission("roster.manage")
    with service_errors():
        counts = services.record_attendance(
            services.get_shift(shift_id),
            {m["signup_id"]: m["attendance"] for m in data["marks"]},
            actor,
        )
    db.session.commit()
    return counts


@blp.route("/series", methods=["POST"])
@blp.arguments(RosterSeriesSchema)
@blp.response(201)
def create_series(data):
    """Open a recurring series; its shifts are created ``weeks_ahead`` weeks ahead."""
    actor = check_permission("roster.manage")
    with service_errors():
        series = services.create_series(
            data["title"],
            data["first_starts_at"],
            data["duration_minutes"],
            data["roles"],
            rule=data["rule"],
            weeks_ahead=data["weeks_ahead"],
            until=data["until"],
            place=data["place"],
            tasks=data["tasks"],
            body=_body(data["body"]),
            source_kind=data["source_kind"],
            source_ref=data["source_ref"],
            signup_hours_before=data["signup_hours_before"],
            cancel_hours_before=data["cancel_hours_before"],
            actor=actor,
        )
        created = len(services.shifts_of_series(series))
    db.session.commit()
    result = RosterSeriesSchema().dump(series)
    result["shifts_created"] = created
    return result


@blp.route("/me/shifts")
@blp.response(200)
def my_shifts():
    """Your upcoming sign-ups in this commune."""
    user = require_user()
    return [
        {**RosterSignupSchema().dump(signup), "shift": RosterShiftSchema().dump(shift)}
        for signup, shift in services.my_signups(user.id, after=utcnow())
    ]


@blp.route("/me/duty")
@blp.response(200, RosterStatusSchema(many=True))
def my_duty():
    """Your status for each duty of this commune (derived from your ledger)."""
    user = require_user()
    return [_status_dump(s) for s in duties.duty_status(user.id)]


@blp.route("/me/duty/<int:duty_id>/ledger")
@blp.response(200, RosterEntrySchema(many=True))
def my_ledger(duty_id: int):
    """The entries of your ledger for a duty."""
    user = require_user()
    with service_errors():
        duty = duties.get_duty(duty_id)
    return duties.entries(duty, user.id)


@blp.route("/duties")
class Duties(MethodView):
    @blp.response(200, RosterDutySchema(many=True))
    def get(self):
        """The commune's active duties."""
        return duties.active_duties()

    @blp.arguments(RosterDutySchema)
    @blp.response(201, RosterDutySchema)
    def post(self, data):
        """Set the commune's duty (or a circle's, ``body``): it replaces the active one."""
        actor = check_permission("roster.duty")
        with service_errors():
            duty = duties.set_duty(
                body=_body(data["body"]),
                shifts_per_cycle=data["shifts_per_cycle"],
                cycle_weeks=data["cycle_weeks"],
                starts_on=data["starts_on"],
                alert_after=data["alert_after"],
                suspend_after=data["suspend_after"],
                actor=actor,
            )
        db.session.commit()
        return duty


@blp.route("/duties/<int:duty_id>/statuses")
@blp.response(200, RosterStatusSchema(many=True))
def duty_statuses(duty_id: int):
    """Every member's derived status for a duty (``roster.duty``)."""
    check_permission("roster.duty")
    with service_errors():
        duty = duties.get_duty(duty_id)
    return [_status_dump(s) for s in duties.statuses(duty).values()]


@blp.route("/duties/<int:duty_id>/exemptions", methods=["POST"])
@blp.arguments(RosterExemptionSchema)
@blp.response(201, RosterExemptionSchema)
def exemption(data, duty_id: int):
    """Grant an exemption or a leave (``roster.duty``)."""
    actor = check_permission("roster.duty")
    with service_errors():
        row = duties.grant_exemption(
            duties.get_duty(duty_id),
            data["user_id"],
            data["kind"],
            data["starts_on"],
            data["ends_on"],
            reason=data["reason"],
            actor=actor,
        )
    db.session.commit()
    return row


@blp.route("/settings", methods=["GET", "PATCH"])
@blp.arguments(RosterSettingsSchema, required=False)
@blp.response(200, RosterSettingsSchema)
def roster_settings(data):
    """The commune's roster settings; PATCH needs ``roster.duty``."""
    if request.method == "GET":
        return services.settings()
    actor = check_permission("roster.duty")
    with service_errors():
        row = services.update_settings(**(data or {}), actor=actor)
    db.session.commit()
    return row
