"""REST search: ``/api/v1/communes/<c>/search`` and ``/api/v1/federations/<f>/search``."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from federation.api.fields import DateTime, Integer
from federation.search import services
from federation.search.views import MAX_QUERY, member_may_see_private
from federation.tenancy.schemas import StrictSchema

blp = Blueprint("api_search", __name__, url_prefix="/api/v1", description="Recherche")


class QuerySchema(StrictSchema):
    q = fields.String(required=True, validate=validate.Length(1, MAX_QUERY))
    page = Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    per_page = Integer(
        load_default=services.PER_PAGE, validate=validate.Range(1, services.MAX_PER_PAGE)
    )


class HitSchema(StrictSchema):
    kind = fields.String(dump_only=True)
    label = fields.Function(lambda h: str(h.label), dump_only=True)
    ref = fields.String(dump_only=True)
    commune = fields.String(attribute="commune_slug", dump_only=True)
    #: HTML: the title, escaped, with the matched words in <mark>
    title = fields.Function(lambda h: str(h.title), dump_only=True)
    snippet = fields.Function(lambda h: str(h.snippet), dump_only=True)
    url = fields.String(dump_only=True)
    public = fields.Boolean(dump_only=True)
    happened_at = DateTime(dump_only=True, allow_none=True)  # with its offset


class ResultSchema(StrictSchema):
    query = fields.String(dump_only=True)
    total = Integer(dump_only=True)
    page = Integer(dump_only=True)
    pages = Integer(dump_only=True)
    per_page = Integer(dump_only=True)
    hits = fields.List(fields.Nested(HitSchema), dump_only=True)


@blp.route("/communes/<commune>/search")
@blp.arguments(QuerySchema, location="query")
@blp.response(200, ResultSchema)
def commune_search(args):
    """Search the commune (its members, with a token, also find non-public objects)."""
    return services.search(
        args["q"],
        page=args["page"],
        per_page=args["per_page"],
        include_private=member_may_see_private(),
    )


@blp.route("/federations/<federation>/search")
@blp.arguments(QuerySchema, location="query")
@blp.response(200, ResultSchema)
def federation_search(args):
    """Search the public objects of the federation's member communes."""
    return services.search(args["q"], page=args["page"], per_page=args["per_page"])
