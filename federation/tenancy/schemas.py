"""Marshmallow schemas of communes and federations (unknown fields raise, ids dump-only)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from federation.api.fields import Integer
from federation.tenancy.models import LOCALES

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="lower-case letters, digits, dashes")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class CommuneSchema(StrictSchema):
    id = Integer(dump_only=True)
    slug = fields.String(validate=[validate.Length(1, 64), SLUG])
    name = fields.String(required=True, validate=validate.Length(1, 200))
    insee_code = fields.String(allow_none=True, validate=validate.Regexp(r"^(?:\d{5}|2[AB]\d{3})$"))
    departement = fields.String(allow_none=True, validate=validate.Length(max=3))
    population = Integer(allow_none=True, validate=validate.Range(min=0, max=10**8))
    default_locale = fields.String(load_default="fr", validate=validate.OneOf(LOCALES))
    host = fields.String(allow_none=True, validate=validate.Length(max=255))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    verification_method = fields.String(dump_only=True)


class CommuneUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(1, 200))
    population = Integer(allow_none=True, validate=validate.Range(min=0, max=10**8))
    default_locale = fields.String(validate=validate.OneOf(LOCALES))
    host = fields.String(allow_none=True, validate=validate.Length(max=255))
    description = fields.String(validate=validate.Length(max=20000))
    verification_method = fields.String(validate=validate.Length(1, 40))


class CommuneQuerySchema(StrictSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    limit = Integer(load_default=50, validate=validate.Range(1, 500))
    offset = Integer(load_default=0, validate=validate.Range(0, 10**6))


class FederationSchema(StrictSchema):
    id = Integer(dump_only=True)
    slug = fields.String(validate=[validate.Length(1, 64), SLUG])
    name = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    kind = fields.String(
        load_default="other", validate=validate.OneOf(("basin", "food", "epci", "other"))
    )


class FederationDetailSchema(FederationSchema):
    communes = fields.List(fields.Nested(CommuneSchema), dump_only=True)


class AddCommuneSchema(StrictSchema):
    commune = fields.String(required=True, validate=[validate.Length(1, 64), SLUG])
