"""REST endpoints: the plugins of a commune, switching them on and off, and the commune's
profile (its verification methods come from the plugins; tenancy, the ground floor, serves
the public profile)."""

from __future__ import annotations

from flask import g
from flask_smorest import Blueprint
from marshmallow import fields, validate

from federation.api.errors import service_errors
from federation.db import db
from federation.identity.decorators import check_permission
from federation.identity.permissions import ADMIN_PERMISSION
from federation.plugins import services
from federation.tenancy import services as tenancy
from federation.tenancy.schemas import CommuneSchema, CommuneUpdateSchema, StrictSchema

blp = Blueprint(
    "api_plugins", __name__, url_prefix="/api/v1", description="Modules thématiques par commune"
)


class PluginSchema(StrictSchema):
    name = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    version = fields.String(dump_only=True)
    requires = fields.List(fields.String(), dump_only=True)
    enabled = fields.Boolean(dump_only=True)
    settings = fields.Dict(dump_only=True)


class PluginChangeSchema(StrictSchema):
    enabled = fields.Boolean(required=True)
    settings = fields.Dict(keys=fields.String(validate=validate.Length(max=64)))


def _describe(name: str, commune_id: int) -> dict:
    plugin = services.manager().switchable[name]
    on = services.is_enabled(commune_id, name)
    return {
        "name": name,
        "label": str(plugin.label or name),
        "version": plugin.version,
        "requires": sorted(plugin.requires),
        "enabled": on,
        "settings": services.plugin_settings(commune_id, name) if on else {},
    }


@blp.route("/communes/<commune>/plugins")
@blp.response(200, PluginSchema(many=True))
def list_plugins():
    """Installed plugins and whether each is on in the commune (public)."""
    return [_describe(name, g.commune.id) for name in sorted(services.manager().switchable)]


@blp.route("/communes/<commune>/plugins/<name>", methods=["PUT"])
@blp.arguments(PluginChangeSchema)
@blp.response(200, PluginSchema)
def change_plugin(data, name):
    """Switch a plugin on (with settings) or off (commune administrators)."""
    user = check_permission(ADMIN_PERMISSION)
    with service_errors():
        if data["enabled"]:
            services.enable_plugin(g.commune, name, data.get("settings"), actor=user)
        else:
            services.disable_plugin(g.commune, name, actor=user)
    db.session.commit()
    return _describe(name, g.commune.id)


#: the commune routes served here keep the tenancy blueprint's tag in the document
COMMUNES_TAG = ["api_tenancy"]


@blp.route("/communes/<commune>", methods=["PATCH"], tags=COMMUNES_TAG)
@blp.arguments(CommuneUpdateSchema)
@blp.response(200, CommuneSchema)
def change_commune(data):
    """Change the commune's profile (commune administrators)."""
    check_permission(ADMIN_PERMISSION)
    with service_errors():
        tenancy.update_commune(g.commune, allowed_methods=services.verification_methods(), **data)
    db.session.commit()
    return g.commune


@blp.route("/communes/<commune>/plugins-enabled", tags=COMMUNES_TAG)
@blp.response(200)
def commune_enabled_plugins():
    """Names of the plugins switched on in the commune (public)."""
    return {"plugins": sorted(services.enabled_plugins(g.commune.id))}
