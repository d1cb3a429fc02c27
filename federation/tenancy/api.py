"""REST endpoints for communes and federations."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from federation.api.auth import check_api_permission, require_platform_admin
from federation.api.errors import service_errors
from federation.db import db
from federation.identity.permissions import ADMIN_PERMISSION
from federation.plugins.services import enabled_plugins, verification_methods
from federation.tenancy import services
from federation.tenancy.schemas import (
    AddCommuneSchema,
    CommuneQuerySchema,
    CommuneSchema,
    CommuneUpdateSchema,
    FederationDetailSchema,
    FederationSchema,
)

blp = Blueprint(
    "api_tenancy", __name__, url_prefix="/api/v1", description="Communes et fédérations"
)


@blp.route("/communes")
class Communes(MethodView):
    @blp.arguments(CommuneQuerySchema, location="query")
    @blp.response(200, CommuneSchema(many=True))
    def get(self, args):
        """Communes of the deployment, in alphabetical order (public).

        ``q`` keeps those whose name starts with it (accents, case and punctuation ignored)
        or, digits, whose INSEE code starts with it.
        """
        return services.search_communes(args["q"], args["limit"], args["offset"])

    @blp.arguments(CommuneSchema)
    @blp.response(201, CommuneSchema)
    def post(self, data):
        """Create a commune (platform administrators)."""
        require_platform_admin()
        with service_errors():
            commune = services.create_commune(**data)
        db.session.commit()
        return commune


@blp.route("/communes/<commune>")
class CommuneDetail(MethodView):
    @blp.response(200, CommuneSchema)
    def get(self):
        """A commune's public profile."""
        return g.commune

    @blp.arguments(CommuneUpdateSchema)
    @blp.response(200, CommuneSchema)
    def patch(self, data):
        """Change the commune's profile (commune administrators)."""
        check_api_permission(ADMIN_PERMISSION)
        with service_errors():
            services.update_commune(g.commune, allowed_methods=verification_methods(), **data)
        db.session.commit()
        return g.commune


@blp.route("/communes/<commune>/plugins-enabled")
@blp.response(200)
def commune_enabled_plugins():
    """Names of the plugins switched on in the commune (public)."""
    return {"plugins": sorted(enabled_plugins(g.commune.id))}


@blp.route("/federations")
class Federations(MethodView):
    @blp.response(200, FederationSchema(many=True))
    def get(self):
        """Every federation of the deployment (public)."""
        return services.list_federations()

    @blp.arguments(FederationSchema)
    @blp.response(201, FederationSchema)
    def post(self, data):
        """Create a federation (platform administrators)."""
        require_platform_admin()
        with service_errors():
            federation = services.create_federation(**data)
        db.session.commit()
        return federation


@blp.route("/federations/<federation>")
@blp.response(200, FederationDetailSchema)
def federation_detail():
    """A federation and its current member communes (public)."""
    federation = g.federation
    return {
        "id": federation.id,
        "slug": federation.slug,
        "name": federation.name,
        "description": federation.description,
        "kind": federation.kind,
        "communes": services.member_communes(federation.id),
    }


@blp.route("/federations/<federation>/communes", methods=["POST"])
@blp.arguments(AddCommuneSchema)
@blp.response(201, CommuneSchema)
def federation_add_commune(data):
    """Add a commune to the federation (platform administrators)."""
    require_platform_admin()
    with service_errors():
        commune = services.get_commune(data["commune"])
        services.add_commune_to_federation(g.federation, commune)
    db.session.commit()
    return commune
