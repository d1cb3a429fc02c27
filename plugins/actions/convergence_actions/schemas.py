"""Marshmallow schemas: the API's input and output, and the per-commune settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate

from federation.api.fields import Integer


class _In(Schema):
    class Meta:
        unknown = RAISE


class ActMandateSchema(_In):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    goal = fields.String(required=True, validate=validate.Length(1, 5000))
    demands = fields.String(load_default="", validate=validate.Length(max=5000))
    means = fields.String(load_default="", validate=validate.Length(max=5000))
    budget_line = fields.String(load_default="", validate=validate.Length(max=60))
    deadline = fields.Date(load_default=None, allow_none=True)
    sensitive = fields.Boolean(load_default=False)
    body_id = Integer(load_default=None, allow_none=True)
    concern_ids = fields.List(Integer(), load_default=list)


class ActCampaignInSchema(ActMandateSchema):
    decision_id = Integer(required=True)
    federation_campaign_id = Integer(load_default=None, allow_none=True)


class ActCampaignSchema(Schema):
    id = Integer()
    title = fields.String()
    goal = fields.String()
    demands = fields.String()
    means = fields.String()
    budget_line = fields.String()
    deadline = fields.Date(allow_none=True)
    decision_id = Integer(allow_none=True)
    body_id = Integer(allow_none=True)
    sensitive = fields.Boolean()
    status = fields.String()
    report = fields.String()
    reported_at = fields.DateTime(allow_none=True)
    report_meeting_id = Integer(allow_none=True)
    federation_campaign_id = Integer(allow_none=True)
    supporters = Integer()
    figures = fields.Dict()


class ActSupportSchema(_In):
    public = fields.Boolean(load_default=False)


class ActPledgeSchema(_In):
    kind = fields.String(required=True, validate=validate.OneOf(["money", "material"]))
    amount = fields.String(load_default=None, allow_none=True)
    item = fields.String(load_default="", validate=validate.Length(max=200))


class ActReportSchema(_In):
    report = fields.String(required=True, validate=validate.Length(1, 20000))
    meeting_id = Integer(load_default=None, allow_none=True)


class ActEventInSchema(_In):
    campaign_id = Integer(load_default=None, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    place_id = Integer(load_default=None, allow_none=True)
    location = fields.String(load_default="", validate=validate.Length(max=300))
    accessibility = fields.String(load_default="", validate=validate.Length(max=2000))
    capacity = Integer(load_default=0, validate=validate.Range(0, 100000))
    waiting_list = fields.Boolean(load_default=True)
    approval = fields.Boolean(load_default=False)
    open_to_email = fields.Boolean(load_default=False)
    private_list = fields.Boolean(load_default=False)


class ActEventSchema(Schema):
    id = Integer()
    campaign_id = Integer(allow_none=True)
    title = fields.String()
    description = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place_id = Integer(allow_none=True)
    location = fields.String()
    accessibility = fields.String()
    capacity = Integer()
    waiting_list = fields.Boolean()
    approval = fields.Boolean()
    open_to_email = fields.Boolean()
    private_list = fields.Boolean()
    status = fields.String()
    shift_id = Integer(allow_none=True)
    confirmed = Integer()
    waiting = Integer()
    names = fields.List(fields.String())


class ActRegisterSchema(_In):
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=254))
    public_name = fields.String(load_default="", validate=validate.Length(max=120))


class ActRegistrationSchema(Schema):
    id = Integer()
    event_id = Integer()
    status = fields.String()
    code = fields.String()
    public_name = fields.String()
    attended = fields.Boolean()


class ActParticipantSchema(ActRegistrationSchema):
    user_id = Integer(allow_none=True)
    email = fields.String()


class ActCodeSchema(_In):
    code = fields.String(required=True, validate=validate.Length(1, 16))


class ActDecideSchema(_In):
    approve = fields.Boolean(required=True)


class ActRolesSchema(_In):
    roles = fields.String(required=True, validate=validate.Length(1, 500))


class ActPlaceInSchema(_In):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    accessibility = fields.String(load_default="", validate=validate.Length(max=2000))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    opening_hours = fields.Raw(load_default=None, allow_none=True)


class ActRoomSchema(Schema):
    id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 120))
    capacity = Integer(load_default=0)
    max_hours = Integer(load_default=4)
    min_notice_hours = Integer(load_default=0)
    members_only = fields.Boolean(load_default=True)

    class Meta:
        unknown = RAISE


class ActPlaceSchema(Schema):
    id = Integer()
    name = fields.String()
    address = fields.String()
    accessibility = fields.String()
    description = fields.String()
    opening_hours = fields.Dict()
    rooms = fields.List(fields.Nested(ActRoomSchema))


class ActBookingInSchema(_In):
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    purpose = fields.String(load_default="", validate=validate.Length(max=200))
    event_id = Integer(load_default=None, allow_none=True)


class ActBookingSchema(Schema):
    id = Integer()
    room_id = Integer()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()


class ActProjectInSchema(_In):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(["cooperative", "association"]))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    place_id = Integer(load_default=None, allow_none=True)
    body_id = Integer(load_default=None, allow_none=True)
    steps = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)


class ActStepSchema(Schema):
    id = Integer()
    position = Integer()
    title = fields.String()
    done_on = fields.Date(allow_none=True)
    decision_id = Integer(allow_none=True)


class ActProjectSchema(Schema):
    id = Integer()
    name = fields.String()
    kind = fields.String()
    description = fields.String()
    status = fields.String()
    steps = fields.List(fields.Nested(ActStepSchema))


class ActStepDoneSchema(_In):
    decision_id = Integer(load_default=None, allow_none=True)


class ActFederationCampaignInSchema(_In):
    federation_id = Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    goal = fields.String(load_default="", validate=validate.Length(max=5000))


class ActFederationCampaignSchema(Schema):
    id = Integer()
    federation_id = Integer()
    title = fields.String()
    goal = fields.String()
    events = fields.List(fields.Dict())
    per_commune = fields.Dict()
    total = Integer()


class ActionsSettings(Schema):
    """What each commune may set when it switches the plugin on."""

    class Meta:
        unknown = RAISE

    intro = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"label": _l("Texte d'introduction de la page")},
    )
