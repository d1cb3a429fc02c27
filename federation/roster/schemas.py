"""Marshmallow schemas of the roster API (unknown fields raise; ids and counts dump-only)."""

from __future__ import annotations

from marshmallow import fields, validate

from federation.api.fields import AwareDateTime, DateTime, Integer
from federation.roster.models import ATTENDANCE, EXEMPTION_KINDS, EXEMPTION_REASONS
from federation.roster.services import FREQUENCIES, MAX_NEEDED, MAX_ROLES, MAX_WEEKS_AHEAD
from federation.tenancy.schemas import StrictSchema


class RosterRoleSchema(StrictSchema):
    id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 80))
    needed = Integer(required=True, validate=validate.Range(1, MAX_NEEDED))
    skill = fields.String(
        load_default="", attribute="required_skill", validate=validate.Length(max=80)
    )
    role = fields.String(
        load_default="", attribute="required_role", validate=validate.Length(max=40)
    )
    taken = Integer(dump_only=True)


class RosterShiftSchema(StrictSchema):
    id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    #: the title in the reader's language (a stored title kind rendered at read time)
    display_title = fields.String(dump_only=True)
    title_kind = fields.String(dump_only=True)
    title_params = fields.Dict(dump_only=True)
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=300))
    tasks = fields.String(load_default="", validate=validate.Length(max=10000))
    body = fields.String(
        load_only=True, load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )
    body_id = Integer(dump_only=True, allow_none=True)
    source_kind = fields.String(load_default="", validate=validate.Length(max=40))
    source_ref = fields.String(load_default="", validate=validate.Length(max=64))
    series_id = Integer(dump_only=True, allow_none=True)
    signup_deadline = AwareDateTime(load_default=None, allow_none=True)
    cancel_deadline = AwareDateTime(load_default=None, allow_none=True)
    status = fields.String(dump_only=True)
    roles = fields.List(
        fields.Nested(RosterRoleSchema), required=True, validate=validate.Length(1, MAX_ROLES)
    )


class RosterRuleSchema(StrictSchema):
    freq = fields.String(load_default="weekly", validate=validate.OneOf(FREQUENCIES))
    interval = Integer(load_default=1, validate=validate.Range(1, 52))
    byweekday = fields.List(
        Integer(validate=validate.Range(0, 6)),
        load_default=list,
        validate=validate.Length(max=7),
    )


class RosterSeriesSchema(StrictSchema):
    id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    #: the title in the reader's language (a stored title kind rendered at read time)
    display_title = fields.String(dump_only=True)
    title_kind = fields.String(dump_only=True)
    title_params = fields.Dict(dump_only=True)
    first_starts_at = AwareDateTime(required=True)
    duration_minutes = Integer(required=True, validate=validate.Range(1, 7 * 24 * 60))
    rule = fields.Nested(RosterRuleSchema, load_default=lambda: {"freq": "weekly"})
    weeks_ahead = Integer(load_default=4, validate=validate.Range(1, MAX_WEEKS_AHEAD))
    until = fields.Date(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=300))
    tasks = fields.String(load_default="", validate=validate.Length(max=10000))
    body = fields.String(
        load_only=True, load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )
    source_kind = fields.String(load_default="", validate=validate.Length(max=40))
    source_ref = fields.String(load_default="", validate=validate.Length(max=64))
    signup_hours_before = Integer(load_default=0, validate=validate.Range(0, 720))
    cancel_hours_before = Integer(load_default=24, validate=validate.Range(0, 720))
    roles = fields.List(fields.Dict(), required=True, validate=validate.Length(1, MAX_ROLES))
    active = fields.Boolean(dump_only=True)
    shifts_created = Integer(dump_only=True)


class RosterSignupCreateSchema(StrictSchema):
    role_id = Integer(required=True, validate=validate.Range(min=1))
    credit_commune_id = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    gift_to = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class RosterSignupSchema(StrictSchema):
    id = Integer(dump_only=True)
    shift_id = Integer(dump_only=True)
    role_id = Integer(dump_only=True)
    user_id = Integer(dump_only=True)
    status = fields.String(dump_only=True)
    attendance = fields.String(dump_only=True, allow_none=True)
    credit_commune_id = Integer(dump_only=True)
    gift_to_id = Integer(dump_only=True, allow_none=True)
    signed_up_at = DateTime(dump_only=True)


class RosterMarkSchema(StrictSchema):
    signup_id = Integer(required=True, validate=validate.Range(min=1))
    attendance = fields.String(required=True, allow_none=True, validate=validate.OneOf(ATTENDANCE))


class RosterAttendanceSchema(StrictSchema):
    marks = fields.List(
        fields.Nested(RosterMarkSchema), required=True, validate=validate.Length(1, 1000)
    )


class RosterCancelSchema(StrictSchema):
    force = fields.Boolean(load_default=False)


class RosterDutySchema(StrictSchema):
    id = Integer(dump_only=True)
    body = fields.String(
        load_only=True, load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )
    body_id = Integer(dump_only=True, allow_none=True)
    shifts_per_cycle = Integer(load_default=1, validate=validate.Range(1, 20))
    cycle_weeks = Integer(load_default=4, validate=validate.Range(1, 52))
    starts_on = fields.Date(load_default=None, allow_none=True)
    alert_after = Integer(load_default=1, validate=validate.Range(1, 100))
    suspend_after = Integer(load_default=2, validate=validate.Range(1, 100))
    active = fields.Boolean(dump_only=True)


class RosterStatusSchema(StrictSchema):
    duty_id = Integer(dump_only=True)
    body_id = Integer(dump_only=True, allow_none=True)
    user_id = Integer(dump_only=True)
    code = fields.String(dump_only=True)
    balance = Integer(dump_only=True)
    owed = Integer(dump_only=True)
    late = Integer(dump_only=True)
    cycle_starts = fields.Date(dump_only=True)
    cycle_ends = fields.Date(dump_only=True)


class RosterEntrySchema(StrictSchema):
    id = Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    amount = Integer(dump_only=True)
    cycle = Integer(dump_only=True, allow_none=True)
    shift_commune_id = Integer(dump_only=True, allow_none=True)
    recorded_at = DateTime(dump_only=True)


class RosterExemptionSchema(StrictSchema):
    id = Integer(dump_only=True)
    user_id = Integer(required=True, validate=validate.Range(min=1))
    kind = fields.String(required=True, validate=validate.OneOf(EXEMPTION_KINDS))
    reason = fields.String(load_default="other", validate=validate.OneOf(EXEMPTION_REASONS))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None, allow_none=True)


class RosterSettingsSchema(StrictSchema):
    federated_credit = fields.Boolean()
    remind_hours_before = Integer(validate=validate.Range(0, 24 * 14))
