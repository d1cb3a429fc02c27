"""REST endpoints under ``/api/v1/communes/<commune>/mobility/`` (in the OpenAPI document)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from convergence_mobility import services
from convergence_mobility.schemas import ItemSchema
from federation.db import db
from federation.identity.decorators import check_permission

api = Blueprint("mobility_api", __name__, description="Mobilité")


@api.route("/items")
class Items(MethodView):
    @api.response(200, ItemSchema(many=True))
    def get(self):
        """The commune's items."""
        return services.items()

    @api.arguments(ItemSchema)
    @api.response(201, ItemSchema)
    def post(self, data):
        """Add an item (permission ``mobility.write``)."""
        user = check_permission("mobility.write")
        item = services.add_item(data, author_id=user.id)
        db.session.commit()
        return item
