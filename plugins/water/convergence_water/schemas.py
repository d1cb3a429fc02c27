"""Marshmallow schemas of the water API: unknown fields raise, identifiers are dump-only.

Volumes of resources are given in m³ per day (``*_m3``); needs and allocations of users in
litres per day; meter indexes in m³ (three decimals at most).
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from convergence_water.constants import (
    CATEGORIES,
    LEVELS,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    USER_KINDS,
)
from federation.api.fields import DateTime, Integer

M3 = validate.Range(min=0, max=1e9)
LITRES = validate.Range(min=0, max=10**10)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class WaterResourceSchema(StrictSchema):
    id = Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(1, 40))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(list(RESOURCE_KINDS)))
    status = fields.String(
        load_default="in_service", validate=validate.OneOf(list(RESOURCE_STATUSES))
    )
    federation_id = Integer(allow_none=True, load_default=None)
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    yield_winter_m3 = fields.Float(load_default=0, validate=M3, allow_nan=False)
    yield_spring_m3 = fields.Float(load_default=0, validate=M3, allow_nan=False)
    yield_summer_m3 = fields.Float(load_default=0, validate=M3, allow_nan=False)
    yield_autumn_m3 = fields.Float(load_default=0, validate=M3, allow_nan=False)
    level = fields.String(dump_only=True)
    available_m3 = fields.Float(dump_only=True)


class WaterResourceUpdateSchema(WaterResourceSchema):
    code = fields.String(validate=validate.Length(1, 40))
    name = fields.String(validate=validate.Length(1, 200))
    kind = fields.String(validate=validate.OneOf(list(RESOURCE_KINDS)))
    status = fields.String(validate=validate.OneOf(list(RESOURCE_STATUSES)))
    federation_id = Integer(allow_none=True)
    description = fields.String(validate=validate.Length(max=5000))
    yield_winter_m3 = fields.Float(validate=M3, allow_nan=False)
    yield_spring_m3 = fields.Float(validate=M3, allow_nan=False)
    yield_summer_m3 = fields.Float(validate=M3, allow_nan=False)
    yield_autumn_m3 = fields.Float(validate=M3, allow_nan=False)


class WaterResourceReadingSchema(StrictSchema):
    id = Integer(dump_only=True)
    measured_on = fields.Date(required=True)
    flow_m3 = fields.Float(allow_none=True, load_default=None, validate=M3, allow_nan=False)
    level_cm = Integer(allow_none=True, load_default=None)
    note = fields.String(load_default="", validate=validate.Length(max=300))


class WaterNeedsSchema(StrictSchema):
    drinking = Integer(validate=LITRES)
    livestock = Integer(validate=LITRES)
    irrigation = Integer(validate=LITRES)
    economic = Integer(validate=LITRES)
    leisure = Integer(validate=LITRES)


class WaterUserSchema(StrictSchema):
    id = Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(USER_KINDS)))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    people = Integer(load_default=0, validate=validate.Range(0, 100_000))
    crops = fields.String(load_default="", validate=validate.Length(max=300))
    livestock = Integer(load_default=0, validate=validate.Range(0, 10**6))
    activity = fields.String(load_default="", validate=validate.Length(max=300))
    resource_id = Integer(required=True)
    meter_code = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=40))
    account_email = fields.String(load_only=True, validate=validate.Length(max=254))
    active = fields.Boolean(load_default=True)
    needs = fields.Nested(WaterNeedsSchema, load_default=dict)
    linked = fields.Boolean(dump_only=True)
    allocation_l = Integer(dump_only=True, allow_none=True)


class WaterUserUpdateSchema(WaterUserSchema):
    kind = fields.String(validate=validate.OneOf(list(USER_KINDS)))
    name = fields.String(validate=validate.Length(1, 200))
    address = fields.String(validate=validate.Length(max=300))
    people = Integer(validate=validate.Range(0, 100_000))
    crops = fields.String(validate=validate.Length(max=300))
    livestock = Integer(validate=validate.Range(0, 10**6))
    activity = fields.String(validate=validate.Length(max=300))
    resource_id = Integer()
    meter_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    active = fields.Boolean()
    needs = fields.Nested(WaterNeedsSchema)


class WaterMeterReadingSchema(StrictSchema):
    id = Integer(dump_only=True)
    read_on = fields.Date(required=True)
    index_m3 = fields.String(required=True, validate=validate.Length(1, 20))
    source = fields.String(dump_only=True)


class WaterAutomatedReadingSchema(StrictSchema):
    meter = fields.String(required=True, validate=validate.Length(1, 40))
    date = fields.String(required=True, validate=validate.Length(1, 20))
    index_m3 = fields.String(required=True, validate=validate.Length(1, 20))


class WaterReadingBatchSchema(StrictSchema):
    readings = fields.List(
        fields.Nested(WaterAutomatedReadingSchema),
        required=True,
        validate=validate.Length(1, 100_000),
    )
    partial = fields.Boolean(load_default=False)


class WaterCsvImportSchema(StrictSchema):
    csv = fields.String(required=True, validate=validate.Length(1, 50_000_000))
    partial = fields.Boolean(load_default=False)


class WaterImportReportSchema(Schema):
    read = Integer()
    stored = Integer()
    rejected = Integer()
    alerts = Integer()
    errors = fields.List(fields.Dict())


class WaterLevelSchema(StrictSchema):
    id = Integer(dump_only=True)
    level = fields.String(required=True, validate=validate.OneOf(list(LEVELS)))
    resource_id = Integer(allow_none=True, load_default=None)
    #: the federation (basin) whose part in this commune the level is for
    basin = Integer(allow_none=True, load_default=None, attribute="federation_id")
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    reference = fields.String(load_default="", validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=5000))
    source = fields.String(dump_only=True)
    decision_id = Integer(dump_only=True, allow_none=True)


class WaterRuleSchema(StrictSchema):
    level = fields.String(required=True, validate=validate.OneOf(list(LEVELS)))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    reduction_pct = Integer(required=True, validate=validate.Range(0, 100))
    forbidden = fields.Boolean(load_default=False)
    hours = fields.String(load_default="", validate=validate.Length(max=200))


class WaterPolicySchema(StrictSchema):
    priority = fields.List(
        fields.String(validate=validate.OneOf(list(CATEGORIES))),
        validate=validate.Length(len(CATEGORIES), len(CATEGORIES)),
    )
    vital_litres = Integer(validate=validate.Range(10, 1000))


class WaterComputeSchema(StrictSchema):
    resource_id = Integer(required=True)
    available_m3 = fields.Float(allow_none=True, load_default=None, validate=M3, allow_nan=False)


class WaterRunSchema(Schema):
    id = Integer(dump_only=True)
    resource_id = Integer(dump_only=True)
    status = fields.String(dump_only=True)
    level = fields.String(dump_only=True)
    season = fields.String(dump_only=True)
    available_l = Integer(dump_only=True, attribute="available")
    available_source = fields.String(dump_only=True)
    vital_litres = Integer(dump_only=True)
    priority = fields.List(fields.String(), dump_only=True)
    rules = fields.Dict(dump_only=True)
    tiers = fields.List(fields.Dict(), dump_only=True)
    users_count = Integer(dump_only=True)
    need_total_l = Integer(dump_only=True, attribute="need_total")
    allocated_l = Integer(dump_only=True, attribute="allocated")
    proposal_id = Integer(dump_only=True, allow_none=True)
    decision_id = Integer(dump_only=True, allow_none=True)
    created_at = DateTime(dump_only=True)
    applied_at = DateTime(dump_only=True, allow_none=True)


class WaterExplainedSchema(Schema):
    category = fields.String()
    label = fields.String()
    need = Integer()
    allocated = Integer()
    text = fields.String()


class WaterUserAllocationSchema(Schema):
    water_user_id = Integer()
    run_id = Integer(allow_none=True)
    level = fields.String(allow_none=True)
    total_l = Integer(allow_none=True)
    summary = fields.String(allow_none=True)
    explanation = fields.List(fields.Nested(WaterExplainedSchema))


class WaterRunDetailSchema(WaterRunSchema):
    totals = fields.Dict(dump_only=True)
    lines = fields.List(fields.Nested(WaterUserAllocationSchema), dump_only=True)


class WaterProposeSchema(StrictSchema):
    allocation_id = Integer(allow_none=True, load_default=None)
    level = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(list(LEVELS)))
    resource_id = Integer(allow_none=True, load_default=None)
    basin = Integer(allow_none=True, load_default=None)
    title = fields.String(load_default="", validate=validate.Length(max=200))
    text = fields.String(load_default="", validate=validate.Length(max=20000))
    body_id = Integer(allow_none=True, load_default=None)
    open_vote = fields.Boolean(load_default=False)


class WaterAttachSchema(StrictSchema):
    allocation_id = Integer(allow_none=True, load_default=None)
    level = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(list(LEVELS)))
    resource_id = Integer(allow_none=True, load_default=None)
    basin = Integer(allow_none=True, load_default=None)


class WaterProposalLinkSchema(Schema):
    proposal_id = Integer()
    status = fields.String()
    water = fields.Dict()
    description = fields.String()


class WaterBalanceRowSchema(Schema):
    commune_id = Integer()
    name = fields.String()
    resources = Integer()
    yield_l = Integer()
    users = Integer()
    households = Integer()
    people = Integer(allow_none=True, attribute="people_shown")
    needs = fields.Dict()
    need_total = Integer()
    vital = Integer()
    allocated = fields.Dict()
    allocated_total = Integer()
    coverage_pct = fields.Float(allow_none=True)
    consumption_l = Integer(allow_none=True)
    alerts = Integer(allow_none=True, attribute="alerts_shown")  # under 5: null (R10)
    level = fields.String()


class WaterSharedResourceSchema(Schema):
    id = Integer()
    commune_id = Integer()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    yield_l = Integer()
    level = fields.String()


class WaterBalanceSchema(Schema):
    federation_id = Integer()
    season = fields.String()
    shared_only = fields.Boolean()
    level = fields.String()
    communes = fields.List(fields.Nested(WaterBalanceRowSchema))
    resources = fields.List(fields.Nested(WaterSharedResourceSchema))


class WaterAlertSchema(Schema):
    id = Integer()
    water_user_id = Integer()
    run_id = Integer(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    consumption_l = Integer(attribute="consumption")
    allocation_l = Integer(attribute="allocation")
    resolved = fields.Boolean()
