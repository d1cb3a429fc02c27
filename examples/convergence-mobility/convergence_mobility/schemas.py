"""Marshmallow schemas: the API's input and output, and the per-commune settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, fields, validate


class ItemSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    author_id = fields.Integer(dump_only=True, allow_none=True)


class MobilitySettings(Schema):
    """What each commune may set when it switches the plugin on."""

    class Meta:
        unknown = RAISE

    intro = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={"label": _l("Texte d'introduction de la page")},
    )
