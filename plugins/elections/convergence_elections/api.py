"""REST endpoints under ``/api/v1/communes/<commune>/elections/`` (in the OpenAPI document).

Thin: the schemas fix the shape, the services validate and act (the same calls as the
pages: read-write parity). Public: the stage, the programme, the lists with their order and
its explanation, the draws' published records. Writes need a signed-in person or a personal
API token (no CSRF on the API: it never reads the session cookie). The filing data
(``/lists/<id>/filing``, JSON or CSV) answers the list's coordinators only, 404 for anyone
else, never cached.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, g, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from convergence_elections import draws as draw_services
from convergence_elections import filing, law, services, texts, treasury
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


class ElStrict(Schema):
    class Meta:
        unknown = RAISE


class ElStageMoveSchema(ElStrict):
    stage = fields.String(required=True, validate=validate.OneOf(stages.STAGES))


class ElProposalOutSchema(Schema):
    proposal = Integer()
    status = fields.String()


class ElAxisInSchema(ElStrict):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(load_default="", validate=validate.Length(max=5000))


class ElAxesProposeSchema(ElStrict):
    step = fields.String(required=True, validate=validate.OneOf(("core", "assembly")))


class ElMeasureInSchema(ElStrict):
    axis_id = Integer(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(load_default="", validate=validate.Length(max=20000))
    decision_ids = fields.List(Integer(), load_default=list)
    concern_ids = fields.List(Integer(), load_default=list)


class ElMeasureEditSchema(ElStrict):
    title = fields.String(validate=validate.Length(1, 200))
    text = fields.String(validate=validate.Length(max=20000))
    decision_ids = fields.List(Integer())
    concern_ids = fields.List(Integer())
    follow_up = fields.String(validate=validate.OneOf(services.FOLLOW_UPS))
    follow_up_reason = fields.String(validate=validate.Length(max=2000))


class ElListInSchema(ElStrict):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    population = Integer(validate=validate.Range(0, 10_000_000))
    length = Integer(validate=validate.Range(1, 200))
    method = fields.String(validate=validate.OneOf(services.METHODS))
    by_election = fields.Boolean(load_default=False)
    election_date = fields.Date()


class ElFilingInSchema(ElStrict):
    last_name = fields.String(required=True, validate=validate.Length(1, 200))
    first_names = fields.String(required=True, validate=validate.Length(1, 200))
    birth_date = fields.Date(required=True)
    birth_place = fields.String(required=True, validate=validate.Length(1, 200))
    nationality = fields.String(required=True, validate=validate.Length(1, 100))
    address = fields.String(required=True, validate=validate.Length(1, 1000))


class ElFilingLineSchema(Schema):
    position = Integer()
    candidacy = Integer()
    name = fields.String()
    last_name = fields.String()
    first_names = fields.String()
    sex = fields.String()
    birth_date = fields.String()
    birth_place = fields.String()
    nationality = fields.String()
    address = fields.String()
    complete = fields.Boolean()


class ElCoordinatorInSchema(ElStrict):
    user_id = Integer(required=True)


class ElVoteOutSchema(Schema):
    vote = Integer()
    url = fields.String()


class ElDrawInSchema(ElStrict):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    seats = Integer(required=True, validate=validate.Range(1, 500))
    attributes = fields.List(fields.String(), load_default=lambda: ["sex"])
    purpose = fields.String(load_default="jury")


class ElVolunteerInSchema(ElStrict):
    sex = fields.String(validate=validate.Length(max=60))
    age_band = fields.String(validate=validate.Length(max=60))
    area = fields.String(validate=validate.Length(max=60))


class ElDrawCommitSchema(ElStrict):
    quotas = fields.Dict(keys=fields.String(), values=Integer())


class ElDrawSummarySchema(Schema):
    id = Integer()
    title = fields.String()
    purpose = fields.String()
    seats = Integer()
    attributes = fields.List(fields.String())
    status = fields.String()


class ElTreasuryInSchema(ElStrict):
    kind = fields.String(required=True, validate=validate.OneOf(treasury.KINDS))
    amount = fields.Decimal(required=True, as_string=True, places=2)
    on_date = fields.Date()
    label = fields.String(required=True, validate=validate.Length(1, 200))
    counterpart = fields.String(validate=validate.Length(max=200))
    decision_id = Integer(allow_none=True)


class ElTreasuryEntrySchema(Schema):
    id = Integer()
    kind = fields.String()
    amount = fields.Decimal(as_string=True)
    on_date = fields.Date()
    label = fields.String()
    counterpart = fields.String()
    decision_id = Integer(allow_none=True)
    journal_seq = Integer(allow_none=True)


class ElTreasurySchema(Schema):
    contribution = fields.Decimal(as_string=True)
    expense = fields.Decimal(as_string=True)
    balance = fields.Decimal(as_string=True)
    entries = fields.List(fields.Nested(ElTreasuryEntrySchema))


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

    @api.arguments(ElListInSchema)
    @api.response(201, ListSchema)
    def post(self, data):
        """Create a list sized by law for the commune's population (facilitation)."""
        values = {**data}
        if "election_date" in values:
            values["election_date"] = values["election_date"].isoformat()
        return _list_data(_act(lambda u: services.create_list(values, u)))


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


# --- writes: read-write parity with the pages -----------------------------------------------


def _signed_in() -> Any:
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    return user


def _act(action: Any) -> Any:
    """One service call as the signed-in person: commit, or a 4xx naming the field."""
    user = _signed_in()
    with service_errors():
        result = action(user)
    db.session.commit()
    return result


def _proposal(proposal: Any) -> dict[str, Any]:
    return {"proposal": proposal.id, "status": proposal.status}


@api.route("/stage/proposals")
class StageMove(MethodView):
    @api.arguments(ElStageMoveSchema)
    @api.response(201, ElProposalOutSchema)
    def post(self, data):
        """Put a move to another stage to the assembly (its vote decides)."""

        def act(user):
            services.require_manage(user)
            return stages.propose(data["stage"], user)

        return _proposal(_act(act))


@api.route("/programme/axes")
class Axes(MethodView):
    @api.arguments(ElAxisInSchema)
    @api.response(201, AxisSchema)
    def post(self, data):
        """Propose an axis of the programme (a member of the commune)."""
        return _act(lambda u: services.add_axis(data, u))


@api.route("/programme/proposals")
class AxesProposal(MethodView):
    @api.arguments(ElAxesProposeSchema)
    @api.response(201, ElProposalOutSchema)
    def post(self, data):
        """Put the axes to the core group, then to the assembly (``step``)."""
        return _proposal(_act(lambda u: services.propose_axes(data["step"], u)))


@api.route("/programme/measures")
class Measures(MethodView):
    @api.arguments(ElMeasureInSchema)
    @api.response(201, MeasureSchema)
    def post(self, data):
        """Add a measure, linked to its sources (adopted decisions, concerns)."""
        return _act(lambda u: services.add_measure(data, u))


@api.route("/measures/<int:measure_id>")
class OneMeasure(MethodView):
    @api.response(200, MeasureSchema)
    def get(self, measure_id: int):
        """A measure (its current version, sources and follow-up)."""
        return _found(services.get_measure, measure_id)

    @api.arguments(ElMeasureEditSchema)
    @api.response(200, MeasureSchema)
    def patch(self, data, measure_id: int):
        """A new version of the measure, or its follow-up after the election."""
        row = _found(services.get_measure, measure_id)
        return _act(lambda u: services.edit_measure(row, data, u))


@api.route("/lists/<int:list_id>/candidacies/mine")
class MyCandidacy(MethodView):
    @api.response(204)
    def delete(self, list_id: int):
        """Withdraw one's own candidacy."""
        row = _found(services.get_list, list_id)

        _act(lambda user: services.withdraw(services.own_candidacy(row, user), user))


@api.route("/lists/<int:list_id>/candidacies/mine/filing")
class MyFiling(MethodView):
    @api.arguments(ElFilingInSchema)
    @api.response(204)
    def put(self, data, list_id: int):
        """Give (or correct) one's own details for the préfecture's form; seen only by the
        list's coordinators."""
        row = _found(services.get_list, list_id)

        details = {**data, "birth_date": data["birth_date"].isoformat()}
        _act(lambda user: filing.give(services.own_candidacy(row, user), details, user))


@api.route("/lists/<int:list_id>/ranking")
class Ranking(MethodView):
    @api.response(201, ElVoteOutSchema)
    def post(self, list_id: int):
        """Open the members' vote on the order (the list's method)."""
        row = _found(services.get_list, list_id)
        vote = _act(lambda u: services.open_ranking(row, u))
        return {"vote": vote.id, "url": f"/c/{g.commune.slug}/votes/{vote.id}"}


@api.route("/lists/<int:list_id>/order")
class Order(MethodView):
    @api.response(200, ListSchema)
    def post(self, list_id: int):
        """Compute the order from the closed vote: strict alternation, explained."""
        row = _found(services.get_list, list_id)
        return _list_data(_act(lambda u: services.compute_order(row, u)))


@api.route("/lists/<int:list_id>/proposal")
class ListProposal(MethodView):
    @api.response(201, ElProposalOutSchema)
    def post(self, list_id: int):
        """Put the ordered list to the assembly, which adopts it by vote."""
        row = _found(services.get_list, list_id)
        return _proposal(_act(lambda u: services.propose_list(row, u)))


@api.route("/lists/<int:list_id>/coordinators")
class Coordinators(MethodView):
    @api.arguments(ElCoordinatorInSchema)
    @api.response(204)
    def post(self, data, list_id: int):
        """Name a coordinator of the list (who may read the filing data)."""
        row = _found(services.get_list, list_id)
        _act(lambda u: services.add_coordinator(row, data["user_id"], u))


def _coordinator_list(list_id: int) -> tuple[Any, Any]:
    user = _signed_in()
    row = _found(services.get_list, list_id)
    if not services.is_coordinator(row, user):
        abort(404)
    return row, user


@api.route("/lists/<int:list_id>/filing")
class Filing(MethodView):
    @api.response(200, ElFilingLineSchema(many=True))
    def get(self, list_id: int):
        """The filing export (the préfecture's fields, in the list's order): the list's
        coordinators only, 404 for anyone else; ``?format=csv`` for the CSV file."""
        row, user = _coordinator_list(list_id)
        if request.args.get("format") == "csv":
            response = Response(
                filing.as_csv(row, user),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="liste-{row.id}.csv"'},
            )
        else:
            from flask import jsonify

            response = jsonify(filing.details(row, user))
        response.headers["Cache-Control"] = "private, no-store"
        return response


@api.route("/draws")
class Draws(MethodView):
    @api.response(200, ElDrawSummarySchema(many=True))
    def get(self):
        """The commune's draws."""
        return draw_services.draws()

    @api.arguments(ElDrawInSchema)
    @api.response(201, ElDrawSummarySchema)
    def post(self, data):
        """Create a stratified draw (facilitation)."""
        return _act(lambda u: draw_services.create_draw(data, u))


@api.route("/draws/<int:draw_id>/volunteers")
class Volunteers(MethodView):
    @api.arguments(ElVolunteerInSchema)
    @api.response(204)
    def post(self, data, draw_id: int):
        """Volunteer for the draw with one's declared attributes."""
        row = _found(draw_services.get_draw, draw_id)
        _act(lambda u: draw_services.volunteer(row, data, u))


@api.route("/draws/<int:draw_id>/commitment")
class Commitment(MethodView):
    @api.arguments(ElDrawCommitSchema)
    @api.response(200, DrawSchema)
    def post(self, data, draw_id: int):
        """Freeze the pool and the quotas; publish the seed's hash in the journal."""
        row = _found(draw_services.get_draw, draw_id)
        return draw_services.published(_act(lambda u: draw_services.commit(row, data, u)))


@api.route("/draws/<int:draw_id>/result")
class Result(MethodView):
    @api.response(200, DrawSchema)
    def post(self, draw_id: int):
        """Draw: reveal the seed, select exactly the quotas, publish in the journal."""
        row = _found(draw_services.get_draw, draw_id)
        return draw_services.published(_act(lambda u: draw_services.run(row, u)))


@api.route("/treasury")
class Treasury(MethodView):
    @api.response(200, ElTreasurySchema)
    def get(self):
        """The movement's treasury (not public money): totals and entries, each with the
        decision that made it and its journal entry."""
        return {**treasury.totals(), "entries": treasury.entries()}

    @api.arguments(ElTreasuryInSchema)
    @api.response(201, ElTreasuryEntrySchema)
    def post(self, data):
        """Record a contribution or an expense (an expense names its decision)."""
        return _act(lambda u: treasury.record_entry(data, u))
