"""REST endpoints for communes and federations.

Tenancy is the ground floor: what needs a commune permission or the plugins (changing a
commune's profile, its modules) is served by ``federation.plugins.api``.
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from federation.api.auth import require_platform_admin
from federation.api.errors import service_errors
from federation.db import db
from federation.tenancy import services
from federation.tenancy.schemas import (
    AddCommuneSchema,
    CommuneQuerySchema,
    CommuneSchema,
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
