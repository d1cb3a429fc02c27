"""Marshmallow schemas of the food API: ``unknown=RAISE`` on every input, identifiers and
computed amounts ``dump_only``. Amounts travel as strings (exact decimals)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from convergence_food.constants import FAMILIES, PRODUCER_KINDS, UNITS
from federation.api.fields import AwareDateTime, DateTime, Integer


class _In(Schema):
    class Meta:
        unknown = RAISE


class ProducerSchema(_In):
    id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(load_default="farm", validate=validate.OneOf(list(PRODUCER_KINDS)))
    description = fields.String(load_default="")
    organic = fields.Boolean(load_default=False)
    surface_ha = fields.Decimal(load_default="0", as_string=True)
    how_to_buy = fields.String(load_default="")
    organisation_id = Integer(load_default=None, allow_none=True)
    installed_on = fields.Date(dump_only=True, allow_none=True)
    shared = fields.Boolean(dump_only=True)


class ProductSchema(_In):
    id = Integer(dump_only=True)
    producer_id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    family = fields.String(required=True, validate=validate.OneOf(list(FAMILIES)))
    unit = fields.String(load_default="kg", validate=validate.OneOf(list(UNITS)))
    season_start = Integer(load_default=1, validate=validate.Range(1, 12))
    season_end = Integer(load_default=12, validate=validate.Range(1, 12))
    yearly_quantity = fields.Decimal(load_default="0", as_string=True)


class ContractSchema(_In):
    id = Integer(dump_only=True)
    producer_id = Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    season = fields.String(required=True, validate=validate.Length(1, 60))
    max_skips = Integer(load_default=2, validate=validate.Range(0, 52))
    solidarity_quota = Integer(load_default=0, validate=validate.Range(0, 10000))
    status = fields.String(dump_only=True)
    proposal_id = Integer(dump_only=True, allow_none=True)
    decision_id = Integer(dump_only=True, allow_none=True)


class LineSchema(_In):
    id = Integer(dump_only=True)
    product_id = Integer(required=True)
    price = fields.String(required=True)
    solidarity_price = fields.String(required=True)


class DeliverySchema(_In):
    id = Integer(dump_only=True)
    delivery_on = fields.Date(required=True)
    distribution_id = Integer(dump_only=True, allow_none=True)
    lines = fields.List(Integer(), dump_only=True)


class ContractDetailSchema(ContractSchema):
    lines = fields.List(fields.Dict(), dump_only=True)
    deliveries = fields.Nested(DeliverySchema, many=True, dump_only=True)
    subscribers = Integer(dump_only=True)


class ProposeSchema(_In):
    body_id = Integer(load_default=None, allow_none=True)
    text = fields.String(load_default="")
    open_vote = fields.Boolean(load_default=False)


class ProposalLinkSchema(Schema):
    proposal_id = Integer()


class SubscribeSchema(_In):
    quantities = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    tier = fields.String(
        load_default="standard", validate=validate.OneOf(["standard", "support", "solidarity"])
    )
    support = fields.String(load_default=None, allow_none=True)


class SubscriptionSchema(Schema):
    id = Integer()
    contract_id = Integer()
    tier = fields.String()
    status = fields.String()
    total = fields.Decimal(as_string=True)
    reduction = fields.Decimal(as_string=True)
    support = fields.Decimal(as_string=True)
    quantities = fields.Dict(keys=fields.String(), values=fields.String())
    changes = fields.Dict(keys=fields.String(), values=fields.String())


class ChangeSchema(_In):
    delivery_id = Integer(required=True)
    action = fields.String(required=True, validate=validate.OneOf(["skip", "give", "pot", "gift"]))
    recipient_id = Integer(load_default=None, allow_none=True)


class DistributionSchema(_In):
    id = Integer(dump_only=True)
    day = fields.Date(required=True)
    starts_at = fields.String(load_default="17:00")
    ends_at = fields.String(load_default="19:00")
    place = fields.String(required=True, validate=validate.Length(1, 200))
    note = fields.String(load_default="")
    rota = fields.Boolean(dump_only=True)


class PickupSchema(Schema):
    distribution = fields.Nested(DistributionSchema)
    producers = fields.List(fields.Dict())
    people = fields.List(fields.Dict())
    given_baskets = Integer()
    shifts = fields.List(fields.Dict())


class GiftSchema(_In):
    amount = fields.String(required=True)


class PotShareSchema(_In):
    federation_id = Integer(required=True, allow_none=True)


class PotSchema(Schema):
    shared_federation_id = Integer(allow_none=True)
    balance = fields.Decimal(as_string=True)
    received = fields.Decimal(as_string=True)
    spent = fields.Decimal(as_string=True)
    requests = fields.Dict(keys=fields.String(), values=Integer())
    movements = fields.List(fields.Dict())


class AidRequestSchema(_In):
    id = Integer(dump_only=True)
    household_size = Integer(load_default=1, validate=validate.Range(1, 30))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    status = fields.String(dump_only=True)


class AidDecisionSchema(_In):
    granted = fields.Boolean(required=True)


class PlotSchema(_In):
    id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    owner = fields.String(required=True, validate=validate.Length(1, 200))
    communal = fields.Boolean(load_default=False)
    surface_ha = fields.String(required=True)
    soil = fields.String(load_default="")
    water_access = fields.String(load_default="")
    water_resource_code = fields.String(load_default="")
    lease_terms = fields.String(load_default="")
    status = fields.String(dump_only=True)


class CandidateSchema(_In):
    id = Integer(dump_only=True)
    project = fields.String(required=True, validate=validate.Length(1, 5000))
    surface_wanted_ha = fields.String(load_default="0")
    need_equipment = fields.String(load_default="", load_only=True)
    need_housing = fields.String(load_default="", load_only=True)
    need_training = fields.String(load_default="", load_only=True)
    need_water = fields.String(load_default="", load_only=True)
    status = fields.String(dump_only=True)


class MatchProposeSchema(ProposeSchema):
    plot_id = Integer(required=True)
    candidate_id = Integer(required=True)
    help_to_settle = fields.String(load_default="")


class NeedsSchema(_In):
    needs = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(FAMILIES))),
        values=fields.String(),
        required=True,
    )


class ShareSchema(_In):
    commune = fields.String(required=True, validate=validate.Length(1, 64))
    producer_id = Integer(required=True)


class HarvestSchema(_In):
    """Open harvest-help shifts: one, or a series repeated weekly or monthly."""

    starts_at = DateTime(required=True)
    duration_minutes = Integer(load_default=180, validate=validate.Range(30, 12 * 60))
    needed = Integer(load_default=4, validate=validate.Range(1, 100))
    place = fields.String(load_default="", validate=validate.Length(max=300))
    tasks = fields.String(load_default="", validate=validate.Length(max=2000))
    repeat = fields.String(load_default="", validate=validate.OneOf(["", "weekly", "monthly"]))
    interval = Integer(load_default=1, validate=validate.Range(1, 12))
    weeks_ahead = Integer(load_default=4, validate=validate.Range(1, 26))


class HarvestShiftSchema(Schema):
    id = Integer()
    title = fields.String()
    starts_at = AwareDateTime()
    ends_at = AwareDateTime()
    place = fields.String()
    needed = Integer()
    taken = Integer()
    roles = fields.List(fields.Dict())
