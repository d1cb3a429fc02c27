"""Marshmallow schemas of the governance API (unknown fields raise; ids are dump-only)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from federation.api.fields import AwareDateTime, DateTime, Integer
from federation.governance.models import BODY_KINDS, MANDATE_ROLES, ORGANISATION_KINDS
from federation.governance.proposals import TRANSITIONS
from federation.tenancy.schemas import StrictSchema


def known_method(value: str) -> None:
    """A voting method the platform knows (built-in or a plugin's): a 422 naming the
    field, never a KeyError further down."""
    from flask import current_app

    if value not in current_app.extensions["convergence"].voting_methods:
        raise ValidationError(f"unknown voting method: {value[:32]!r}")


METHOD = (validate.Length(1, 32), known_method)


def _not_the_assembly(value: str) -> None:
    """Every commune has its assembly already: another is never created (answers do show
    ``assembly``, so the document's enum names it)."""
    if value == "assembly":
        raise ValidationError("the assembly exists already: create a circle")


class BodySchema(StrictSchema):
    id = Integer(dump_only=True)
    kind = fields.String(required=True, validate=(validate.OneOf(BODY_KINDS), _not_the_assembly))
    slug = fields.String(validate=validate.Length(1, 64))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    purpose = fields.String(load_default="", validate=validate.Length(max=10000))
    theme = fields.String(load_default="", validate=validate.Length(max=40))
    open_membership = fields.Boolean(load_default=True)
    max_consecutive_terms = Integer(load_default=2, validate=validate.Range(1, 20))


class ConcernSchema(StrictSchema):
    id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    theme = fields.String(load_default="", validate=validate.Length(max=40))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    affected = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(dump_only=True)
    merged_into_id = Integer(dump_only=True, allow_none=True)
    supports = Integer(dump_only=True)
    created_at = DateTime(dump_only=True)


class MergeSchema(StrictSchema):
    into = Integer(required=True, validate=validate.Range(min=1))


class ProposalSchema(StrictSchema):
    id = Integer(dump_only=True)
    body = fields.String(required=True, load_only=True, validate=validate.Length(1, 64))
    body_id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(load_default="", validate=validate.Length(max=50000))
    cost = fields.Decimal(allow_none=True, places=2, as_string=True, validate=validate.Range(min=0))
    concerns = fields.List(
        Integer(validate=validate.Range(min=1)),
        load_only=True,
        load_default=list,
        validate=validate.Length(max=50),
    )
    status = fields.String(dump_only=True)
    author_id = Integer(dump_only=True, allow_none=True)
    extra = fields.Dict(dump_only=True)
    created_at = DateTime(dump_only=True)
    #: a title (and text) the system wrote: kind and parameters; ``title`` and ``text``
    #: read it in the request's language; null for what people typed
    title_kind = fields.String(dump_only=True, allow_none=True)
    title_params = fields.Dict(dump_only=True, allow_none=True)
    text_kind = fields.String(dump_only=True, allow_none=True)


class TransitionSchema(StrictSchema):
    to = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))


class TextSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(1, 20000))


class CommentSchema(StrictSchema):
    id = Integer(dump_only=True)
    text = fields.Method("visible_text", dump_only=True)
    hidden = fields.Boolean(dump_only=True)
    hidden_reason = fields.String(dump_only=True)
    author_id = Integer(dump_only=True, allow_none=True)
    created_at = DateTime(dump_only=True)

    def visible_text(self, row) -> str:
        return "" if row.hidden else row.text


class HideSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class VoteCreateSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(1, 64))
    title = fields.String(required=True, validate=validate.Length(1, 200))
    method = fields.String(required=True, validate=METHOD)
    options = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        load_default=list,
        validate=validate.Length(max=200),
    )
    settings = fields.Dict(keys=fields.String(validate=validate.Length(max=40)), load_default=dict)
    secret = fields.Boolean(load_default=False)
    quorum = fields.String(load_default="0", validate=validate.Length(max=12))
    results_hidden = fields.Boolean(load_default=True)
    electorate = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["commune", "body"])
    )
    allow_proxies = fields.Boolean(load_default=True)
    proposal_id = Integer(load_default=None, allow_none=True)
    #: a vote held in this meeting: the members recorded present (and their proxies) vote
    meeting_id = Integer(load_default=None, allow_none=True)
    #: casting opens at this time (if later than the opening), and ends at ``closes_at``
    opens_at = AwareDateTime(load_default=None, allow_none=True)
    closes_at = AwareDateTime(load_default=None, allow_none=True)


class VoteRulesSchema(StrictSchema):
    settings = fields.Dict(keys=fields.String(validate=validate.Length(max=40)))
    secret = fields.Boolean()
    quorum = fields.String(validate=validate.Length(max=12))
    results_hidden = fields.Boolean()
    method = fields.String(validate=METHOD)
    opens_at = AwareDateTime(allow_none=True)
    closes_at = AwareDateTime(allow_none=True)


class OptionSchema(StrictSchema):
    id = Integer(dump_only=True)
    label = fields.String(dump_only=True)


class VoteSchema(StrictSchema):
    id = Integer(dump_only=True)
    body_id = Integer(dump_only=True)
    proposal_id = Integer(dump_only=True, allow_none=True)
    meeting_id = Integer(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True)
    #: a title the system wrote: its kind and parameters (``title`` reads it in the request's
    #: language); null for a title people typed
    title_kind = fields.String(dump_only=True, allow_none=True)
    title_params = fields.Dict(dump_only=True, allow_none=True)
    method = fields.String(dump_only=True)
    settings = fields.Dict(dump_only=True)
    secret = fields.Boolean(dump_only=True)
    quorum = fields.String(dump_only=True)
    results_hidden = fields.Boolean(dump_only=True)
    electorate = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    eligible_count = Integer(dump_only=True, allow_none=True)
    opens_at = DateTime(dump_only=True, allow_none=True)
    closes_at = DateTime(dump_only=True, allow_none=True)
    options = fields.List(fields.Nested(OptionSchema), dump_only=True)


class BallotSchema(StrictSchema):
    ballot = fields.Raw(required=True)
    for_user_id = Integer(load_default=None, allow_none=True)
    #: consent votes: the reason of an objection (required with one)
    reason = fields.String(load_default="", validate=validate.Length(max=5000))


class CastSchema(StrictSchema):
    recorded = fields.Boolean(dump_only=True)
    duplicate = fields.Boolean(dump_only=True)
    receipt = fields.String(dump_only=True, allow_none=True)


class ProxySchema(StrictSchema):
    holder_id = Integer(required=True, validate=validate.Range(min=1))


class DecisionSchema(StrictSchema):
    id = Integer(dump_only=True)
    proposal_id = Integer(dump_only=True, allow_none=True)
    vote_id = Integer(dump_only=True, allow_none=True)
    body_id = Integer(dump_only=True)
    title = fields.String(dump_only=True)
    #: a title the system wrote: its kind and parameters (``title`` reads it in the request's
    #: language); null for a title people typed
    title_kind = fields.String(dump_only=True, allow_none=True)
    title_params = fields.Dict(dump_only=True, allow_none=True)
    method = fields.String(dump_only=True)
    tally = fields.Dict(dump_only=True)
    adopted_at = DateTime(dump_only=True)
    journal_seq = Integer(dump_only=True, allow_none=True)


class MeetingSchema(StrictSchema):
    id = Integer(dump_only=True)
    body = fields.String(required=True, load_only=True, validate=validate.Length(1, 64))
    body_id = Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=300))
    video_url = fields.String(load_default="", validate=validate.Length(max=500))
    quorum = Integer(load_default=0, validate=validate.Range(0, 100000))
    status = fields.String(dump_only=True)
    minutes = fields.Method("published_minutes", dump_only=True)

    def published_minutes(self, row) -> str:
        return row.minutes if row.minutes_published_at else ""


class AttendanceSchema(StrictSchema):
    present = fields.List(
        Integer(validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(max=100000),
    )


class MinutesSchema(StrictSchema):
    minutes = fields.String(required=True, validate=validate.Length(max=100000))
    publish = fields.Boolean(load_default=False)


class MandateSchema(StrictSchema):
    id = Integer(dump_only=True)
    body = fields.String(required=True, load_only=True, validate=validate.Length(1, 64))
    body_id = Integer(dump_only=True)
    user_id = Integer(required=True, validate=validate.Range(min=1))
    role = fields.String(required=True, validate=validate.OneOf(MANDATE_ROLES))
    title = fields.String(load_default="", validate=validate.Length(max=200))
    mandate_text = fields.String(load_default="", validate=validate.Length(max=20000))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    #: for a delegate: the federation whose confederal council the mandate is for
    federation = fields.String(
        load_only=True, load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )
    federation_id = Integer(dump_only=True, allow_none=True)
    #: the vote of the body that elected the holder (required for a federation delegate)
    election_vote_id = Integer(load_default=None, allow_none=True)
    recall_vote_id = Integer(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True)
    recall_reason = fields.String(dump_only=True)


class RecallSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 5000))
    vote_id = Integer(load_default=None, allow_none=True)


class OrganisationSchema(StrictSchema):
    id = Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    themes = fields.String(load_default="", validate=validate.Length(max=300))
    website = fields.String(load_default="", validate=validate.Length(max=300))


class JoinSchema(StrictSchema):
    #: join as the representative of this organisation (its slug)
    organisation = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )


class RepresentativeSchema(StrictSchema):
    user_id = Integer(required=True, validate=validate.Range(min=1))
    display_name = fields.String(dump_only=True)


class RecallVoteSchema(StrictSchema):
    method = fields.String(
        load_default="majority", validate=validate.OneOf(["majority", "consent"])
    )
    quorum = fields.String(load_default="0", validate=validate.Length(1, 12))
    secret = fields.Boolean(load_default=False)


class ElectionSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(1, 64))
    title = fields.String(required=True, validate=validate.Length(1, 200))
    candidates = fields.List(
        Integer(validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(1, 200),
    )
    method = fields.String(load_default="approval", validate=METHOD)
    seats = Integer(load_default=1, validate=validate.Range(1, 50))
    federation = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 64))
    secret = fields.Boolean(load_default=True)
    quorum = fields.String(load_default="0", validate=validate.Length(1, 12))


class ObjectionSchema(StrictSchema):
    id = Integer(dump_only=True)
    vote_id = Integer(dump_only=True)
    author = fields.Function(lambda o: o.author.display_name if o.author else None, dump_only=True)
    reason = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    response = fields.String(dump_only=True)


class ResolveSchema(StrictSchema):
    status = fields.String(
        required=True, validate=validate.OneOf(["answered", "withdrawn", "upheld"])
    )
    response = fields.String(load_default="", validate=validate.Length(max=5000))
