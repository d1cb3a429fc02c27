"""REST endpoints under ``/api/v1/communes/<commune>/elections/`` (in the OpenAPI document).

Thin: the schemas fix the shape, the services validate and act. Public: the stage, the
programme, the lists with their order and its explanation, the draws' published records.
The filing data has no public endpoint: coordinators read it as CSV or PDF from the web
pages (404 for anyone else).
"""

from __future__ import annotations

from typing import Any

from flask import abort, g
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from convergence_elections import draws as draw_services
from convergence_elections import law, services, texts
from federation.api import api_error
from federation.api.errors import service_errors
from federation.api.fields import Integer
from federation.db import db
from federation.errors import ServiceError
from federation.governance import stages

api = Blueprint("elections_api", __name__, description="Élections : programme, liste, tirages")


class StageSchema(Schema):
    stage = fields.String(allow_none=True)
    label = fields.String()
    history = fields.List(fields.Dict())


class MeasureSchema(Schema):
    id = Integer()
    axis_id = Integer()
    title = fields.String()
    text = fields.String()
    sources = fields.List(fields.Dict())
    version = Integer()
    follow_up = fields.String(allow_none=True)
    follow_up_reason = fields.String()


class AxisSchema(Schema):
    id = Integer()
    title = fields.String()
    text = fields.String()
    status = fields.String()


class ProgrammeSchema(Schema):
    axes = fields.List(fields.Nested(AxisSchema))
    measures = fields.List(fields.Nested(MeasureSchema))


class CandidacySchema(Schema):
    id = Integer(dump_only=True)
    name = fields.String(dump_only=True)
    sex = fields.String(required=True, validate=validate.OneOf(services.SEXES))
    statement = fields.String(required=True, validate=validate.Length(1, 5000))
    themes = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    declared_adult = fields.Boolean(required=True)
    declared_on_roll = fields.Boolean(load_default=False)

    class Meta:
        unknown = RAISE


class ListSchema(Schema):
    id = Integer()
    title = fields.String()
    by_election = fields.Boolean()
    population = Integer()
    seats = Integer()
    length = Integer()
    minimum = Integer()
    maximum = Integer()
    references = fields.List(fields.String())
    method = fields.String()
    status = fields.String()
    order = fields.List(fields.Dict())
    explanation = fields.List(fields.String())


class DrawSchema(Schema):
    draw = Integer()
    title = fields.String()
    attributes = fields.List(fields.String())
    commitment = fields.String()
    pool_digest = fields.String()
    quotas = fields.Dict()
    commit_seq = Integer(allow_none=True)
    seed = fields.String()
    pool = fields.Dict()
    selected = fields.Dict()


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _found(getter: Any, value: Any) -> Any:
    try:
        return getter(value)
    except ServiceError:
        abort(404)


def _list_data(row: Any) -> dict[str, Any]:
    rule = law.list_length(row.population)
    names = {c.id: c.name for c in services.candidacies(row, active=False)}
    return {
        "id": row.id,
        "title": row.title,
        "by_election": row.by_election,
        "population": row.population,
        "seats": row.seats,
        "length": row.length,
        "minimum": rule.minimum,
        "maximum": rule.maximum,
        "references": list(rule.references),
        "method": row.method,
        "status": row.status,
        "order": [
            {"position": n, "candidacy": c.id, "name": c.name, "sex": c.sex}
            for n, c in enumerate(services.ordered(row), 1)
        ],
        "explanation": [texts.step(s, names) for s in row.steps],
    }


@api.route("/stage")
class Stage(MethodView):
    @api.response(200, StageSchema)
    def get(self):
        """The commune's stage and the decisions that moved it."""
        stage = stages.current(g.commune.id)
        return {
            "stage": stage,
            "label": stages.label(stage),
            "history": [
                {"stage": c.stage, "decision": c.decision_id, "journal_seq": c.journal_seq}
                for c in stages.history()
            ],
        }


@api.route("/programme")
class Programme(MethodView):
    @api.response(200, ProgrammeSchema)
    def get(self):
        """The axes (with their state) and the measures with their sources and follow-up."""
        return {"axes": services.axes(), "measures": services.measures()}


@api.route("/lists")
class Lists(MethodView):
    @api.response(200, ListSchema(many=True))
    def get(self):
        """The commune's lists, each with its order and the explanation of that order."""
        return [_list_data(row) for row in services.lists()]


@api.route("/lists/<int:list_id>")
class OneList(MethodView):
    @api.response(200, ListSchema)
    def get(self, list_id: int):
        """One list: length required by law, order, explanation step by step."""
        return _list_data(_found(services.get_list, list_id))


@api.route("/lists/<int:list_id>/candidacies")
class Candidacies(MethodView):
    @api.response(200, CandidacySchema(many=True))
    def get(self, list_id: int):
        """The public candidacies (statement, themes, sex; never the filing data)."""
        return services.candidacies(_found(services.get_list, list_id))

    @api.arguments(CandidacySchema)
    @api.response(201, CandidacySchema)
    def post(self, data, list_id: int):
        """Stand for the list (a member of the commune)."""
        user = _user()
        if user is None:
            api_error(401, message="authentication required")
        row = _found(services.get_list, list_id)
        with service_errors():
            candidacy = services.stand(row, data, user)
        db.session.commit()
        return candidacy


@api.route("/draws/<int:draw_id>")
class OneDraw(MethodView):
    @api.response(200, DrawSchema)
    def get(self, draw_id: int):
        """A draw's published record (with the seed, the pool and the selection once drawn)."""
        return draw_services.published(_found(draw_services.get_draw, draw_id))
