"""Marshmallow schemas of the housing API: unknown fields raise, identifiers dump-only.
Validation of values is the services' (one path); the schemas fix the shape."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from convergence_housing.constants import (
    BLOCKING_POINTS,
    CRITERIA,
    LEVERS,
    PLEDGE_KINDS,
    STATUSES,
)
from federation.api.fields import DateTime, Integer

S = fields.String
LIMIT = validate.Length(max=20000)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class HousingDwellingInSchema(StrictSchema):
    ref = S(load_default="", validate=validate.Length(max=60))
    address = S(required=True, validate=validate.Length(1, 300))
    kind = S(load_default="house")
    rooms = Integer(load_default=None, allow_none=True)
    surface = Integer(load_default=None, allow_none=True)
    year_built = Integer(load_default=None, allow_none=True)
    comfort = S(load_default="average")
    energy_class = S(load_default="")
    accessible = fields.Boolean(load_default=False)
    owner_kind = S(load_default="unknown")
    vacant_since = Integer(load_default=None, allow_none=True)
    occupancy = S(load_default="vacant")


class HousingDwellingSchema(StrictSchema):
    id = Integer(dump_only=True)
    ref = S(dump_only=True)
    address = S(dump_only=True)
    kind = S(dump_only=True)
    rooms = Integer(dump_only=True)
    surface = Integer(dump_only=True)
    year_built = Integer(dump_only=True, allow_none=True)
    energy_class = S(dump_only=True)
    accessible = fields.Boolean(dump_only=True)
    owner_kind = S(dump_only=True)
    owner_id = Integer(dump_only=True, allow_none=True)
    occupancy = S(dump_only=True)
    vacant_since = Integer(dump_only=True, allow_none=True)
    status = S(dump_only=True)
    substatus = S(dump_only=True)
    levers = fields.List(S(), dump_only=True)
    blocking = fields.List(S(), dump_only=True)
    source = S(dump_only=True)
    confirmed = fields.Boolean(dump_only=True)
    lovac_year = Integer(dump_only=True, allow_none=True)


class HousingEventSchema(StrictSchema):
    field = S(dump_only=True)
    old = S(dump_only=True)
    new = S(dump_only=True)
    source = S(dump_only=True)
    at = DateTime(dump_only=True)


class HousingDwellingDetailSchema(HousingDwellingSchema):
    events = fields.List(fields.Nested(HousingEventSchema), dump_only=True)


class HousingStatusSchema(StrictSchema):
    status = S(required=True, validate=validate.OneOf(list(STATUSES)))
    substatus = S(load_default="")


class HousingTagsSchema(StrictSchema):
    levers = fields.List(S(validate=validate.OneOf(list(LEVERS))), load_default=None)
    blocking = fields.List(S(validate=validate.OneOf(list(BLOCKING_POINTS))), load_default=None)
    occupancy = S(load_default=None)


class HousingReportSchema(StrictSchema):
    address = S(required=True, validate=validate.Length(1, 300))
    kind = S(load_default="house")
    note = S(load_default="", validate=validate.Length(max=2000))


class HousingImportSchema(StrictSchema):
    csv = S(required=True, validate=validate.Length(max=50 * 1024 * 1024))
    year = Integer(load_default=None, allow_none=True)
    dry_run = fields.Boolean(load_default=False)


class HousingImportReportSchema(StrictSchema):
    created = Integer(dump_only=True)
    updated = Integer(dump_only=True)
    unchanged = Integer(dump_only=True)
    errors = fields.List(S(), dump_only=True)


class HousingOwnerSchema(StrictSchema):
    id = Integer(dump_only=True)
    name = S(required=True, validate=validate.Length(1, 200))
    address = S(load_default="")
    email = S(load_default="")
    phone = S(load_default="")
    kind = S(load_default="private")
    contact_rank = S(load_default="1")
    dwelling_ids = fields.List(Integer(), load_default=list, load_only=True)


class HousingCampaignInSchema(StrictSchema):
    title = S(required=True, validate=validate.Length(1, 200))
    template = S(load_default="", validate=LIMIT)
    dwelling_ids = fields.List(Integer(), required=True)


class HousingCampaignSchema(StrictSchema):
    id = Integer(dump_only=True)
    title = S(dump_only=True)
    sent_on = fields.Date(dump_only=True, allow_none=True)
    applied = fields.Boolean(dump_only=True)
    letters = Integer(dump_only=True)
    skipped = Integer(dump_only=True)


class HousingSentSchema(StrictSchema):
    sent_on = S(load_default="")


class HousingReplySchema(StrictSchema):
    reply = S(required=True, validate=validate.Length(1, 5000))
    replied_on = S(load_default="")


class HousingRequestInSchema(StrictSchema):
    household = S(required=True, validate=validate.Length(1, 200))
    people = Integer(required=True)
    rooms_needed = Integer(load_default=None, allow_none=True)
    needs = S(load_default="", validate=validate.Length(max=5000))
    urgency = Integer(load_default=0)
    accessibility = fields.Boolean(load_default=False)
    communes = fields.List(S(), load_default=list)


class HousingRequestSchema(StrictSchema):
    id = Integer(dump_only=True)
    household = S(dump_only=True)
    people = Integer(dump_only=True)
    rooms_needed = Integer(dump_only=True)
    needs = S(dump_only=True)
    urgency = Integer(dump_only=True)
    accessibility = fields.Boolean(dump_only=True)
    communes = fields.List(S(), dump_only=True)
    status = S(dump_only=True)
    submitted_on = fields.Date(dump_only=True)


class HousingSharedRequestSchema(HousingRequestSchema):
    """A request of another commune open to this one (its housing circle only)."""

    commune_slug = S(dump_only=True)
    commune_name = S(dump_only=True)


class HousingConsentSchema(StrictSchema):
    """One of our requests ranked by a partner commune's examination, and our answer."""

    host_slug = S(dump_only=True)
    host_name = S(dump_only=True)
    allocation_id = Integer(dump_only=True)
    allocation_status = S(dump_only=True)
    dwelling_ref = S(dump_only=True)
    request_id = Integer(dump_only=True)
    rank = Integer(dump_only=True)
    points = Integer(dump_only=True)
    answer = S(dump_only=True, allow_none=True)


class HousingConsentInSchema(StrictSchema):
    commune = S(required=True, validate=validate.Length(1, 64))
    allocation_id = Integer(required=True)
    request_id = Integer(required=True)
    answer = S(required=True, validate=validate.Length(1, 16))


class HousingGridInSchema(StrictSchema):
    criteria = fields.Dict(
        keys=S(validate=validate.OneOf(list(CRITERIA))), values=Integer(), required=True
    )
    open_vote = fields.Boolean(load_default=False)


class HousingGridSchema(StrictSchema):
    id = Integer(dump_only=True)
    version = Integer(dump_only=True)
    criteria = fields.Dict(dump_only=True)
    status = S(dump_only=True)
    proposal_id = Integer(dump_only=True, allow_none=True)
    tie_rule = fields.List(S(), dump_only=True)


class HousingExamineSchema(StrictSchema):
    dwelling_id = Integer(required=True)


class HousingRankLineSchema(StrictSchema):
    request = Integer(dump_only=True)
    commune = Integer(dump_only=True)
    rank = Integer(dump_only=True)
    points = Integer(dump_only=True)
    lines = fields.List(fields.List(fields.Raw()), dump_only=True)


class HousingAllocationSchema(StrictSchema):
    id = Integer(dump_only=True)
    dwelling_ref = S(dump_only=True)
    status = S(dump_only=True)
    grid_id = Integer(dump_only=True)
    proposal_id = Integer(dump_only=True, allow_none=True)
    decision_id = Integer(dump_only=True, allow_none=True)
    decided_on = fields.Date(dump_only=True, allow_none=True)
    proposed_order = fields.List(Integer(), dump_only=True)
    ranking = fields.List(fields.Nested(HousingRankLineSchema), dump_only=True)


class HousingProposeOrderSchema(StrictSchema):
    order = fields.List(Integer(), required=True)
    reason = S(load_default="", validate=validate.Length(max=5000))
    open_vote = fields.Boolean(load_default=False)


class HousingSecondLookSchema(StrictSchema):
    request_id = Integer(required=True)
    reason = S(required=True, validate=validate.Length(1, 5000))


class HousingProposalRefSchema(StrictSchema):
    proposal_id = Integer(dump_only=True)


class HousingProjectInSchema(StrictSchema):
    name = S(required=True, validate=validate.Length(1, 200))
    address = S(load_default="")
    description = S(load_default="", validate=validate.Length(max=10000))
    price = S(required=True)
    works = S(load_default="0")
    target = S(load_default="")
    legal_form = S(load_default="cooperative")


class HousingProjectSchema(StrictSchema):
    id = Integer(dump_only=True)
    name = S(dump_only=True)
    address = S(dump_only=True)
    legal_form = S(dump_only=True)
    status = S(dump_only=True)
    price = fields.Decimal(dump_only=True, as_string=True)
    works = fields.Decimal(dump_only=True, as_string=True)
    target = fields.Decimal(dump_only=True, as_string=True)
    pledged = fields.Decimal(dump_only=True, as_string=True)
    pledges_count = Integer(dump_only=True)
    proposal_id = Integer(dump_only=True, allow_none=True)


class HousingPledgeInSchema(StrictSchema):
    kind = S(required=True, validate=validate.OneOf(list(PLEDGE_KINDS)))
    amount = S(required=True)
    organisation = S(load_default="", validate=validate.Length(max=200))


class HousingPurchaseSchema(StrictSchema):
    open_vote = fields.Boolean(load_default=False)


class HousingRentInSchema(StrictSchema):
    area = S(required=True, validate=validate.Length(1, 100))
    rooms = Integer(required=True)
    surface = Integer(required=True)
    rent = S(required=True)


class HousingRentCellSchema(StrictSchema):
    area = S(dump_only=True)
    size = S(dump_only=True)
    count = Integer(dump_only=True)
    per_m2 = fields.Decimal(dump_only=True, as_string=True, allow_none=True)


class HousingSupplySchema(StrictSchema):
    statuses = fields.Dict(dump_only=True)
    reported = Integer(dump_only=True)
    confirmed = Integer(dump_only=True)
    back_in_use = Integer(dump_only=True)
    open_requests = Integer(dump_only=True, allow_none=True)
    allocations = Integer(dump_only=True)
