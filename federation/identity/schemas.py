"""Marshmallow schemas of accounts, memberships and tokens."""

from __future__ import annotations

from marshmallow import fields, validate

from federation.api.fields import DateTime, Integer
from federation.identity.permissions import COMMUNE_ROLES
from federation.tenancy.schemas import StrictSchema


class UserSchema(StrictSchema):
    id = Integer(dump_only=True)
    email = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    locale = fields.String(dump_only=True, allow_none=True)
    is_platform_admin = fields.Boolean(dump_only=True)


class PublicUserSchema(StrictSchema):
    id = Integer(dump_only=True)
    display_name = fields.String(dump_only=True)


class MembershipSchema(StrictSchema):
    id = Integer(dump_only=True)
    commune = fields.Function(lambda m: m.commune.slug, dump_only=True)
    user = fields.Nested(PublicUserSchema, dump_only=True)
    status = fields.String(dump_only=True)
    roles = fields.Function(
        lambda m: sorted(m.role_names() | ({"member"} if m.is_active else set())), dump_only=True
    )
    created_at = DateTime(dump_only=True)


class JoinRequestSchema(StrictSchema):
    message = fields.String(load_default="", validate=validate.Length(max=2000))
    verification_value = fields.String(load_default="", validate=validate.Length(max=200))


class RoleSchema(StrictSchema):
    role = fields.String(required=True, validate=validate.OneOf(tuple(COMMUNE_ROLES)))


class TokenCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 80))


class TokenSchema(StrictSchema):
    id = Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = DateTime(dump_only=True)
    last_used_at = DateTime(dump_only=True, allow_none=True)
    revoked_at = DateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(dump_only=True)
