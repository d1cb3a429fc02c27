"""REST endpoints of intercommunal coordination, under ``/api/v1/federations/<federation>``."""

from __future__ import annotations

import json

from flask import current_app, g
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from federation.api.errors import service_errors
from federation.api.fields import Integer
from federation.db import db
from federation.intercommunal import council, federation_plugins, pooled, ratification
from federation.intercommunal.access import require_coordinator
from federation.intercommunal.cache import cached
from federation.intercommunal.coordination import attention, federation_indicators
from federation.intercommunal.models import RULES, UNABLE_RULES
from federation.tenancy.context import session as tenant_session
from federation.tenancy.models import Commune, FederationMember
from federation.tenancy.schemas import StrictSchema
from federation.tenancy.services import member_communes

blp = Blueprint(
    "api_intercommunal",
    __name__,
    url_prefix="/api/v1/federations/<federation>",
    description="Coordination intercommunale",
)


class ProposalIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(load_default="", validate=validate.Length(max=50000))
    rule = fields.String(load_default="majority", validate=validate.OneOf(RULES))
    threshold = fields.String(load_default="1/2", validate=validate.Length(max=12))
    weighted = fields.Boolean(load_default=False)
    deadline = fields.Date(load_default=None, allow_none=True)
    unable_rule = fields.String(load_default="abstain", validate=validate.OneOf(UNABLE_RULES))


class RatificationOut(StrictSchema):
    commune = fields.Function(lambda r: r.commune.slug)
    status = fields.String()
    population = Integer()


class ProposalOut(StrictSchema):
    id = Integer()
    title = fields.String()
    text = fields.String()
    rule = fields.String()
    threshold = fields.String()
    weighted = fields.Boolean()
    deadline = fields.Date(allow_none=True)
    unable_rule = fields.String()
    status = fields.String()
    ratifications = fields.List(fields.Nested(RatificationOut))


class ContributionIn(StrictSchema):
    commune = fields.String(required=True, validate=validate.Length(1, 64))
    amount = fields.Decimal(load_default=None, allow_none=True, as_string=True)
    share = fields.Decimal(load_default=None, allow_none=True, as_string=True)


class ProjectIn(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    budget = fields.Decimal(required=True, as_string=True)
    contributions = fields.List(
        fields.Nested(ContributionIn), required=True, validate=validate.Length(1, 1000)
    )


class SubmitIn(StrictSchema):
    rule = fields.String(load_default="majority", validate=validate.OneOf(RULES))
    threshold = fields.String(load_default="1/2", validate=validate.Length(max=12))
    weighted = fields.Boolean(load_default=False)
    deadline = fields.Date(load_default=None, allow_none=True)
    unable_rule = fields.String(load_default="abstain", validate=validate.OneOf(UNABLE_RULES))


class ExpenseIn(StrictSchema):
    label = fields.String(required=True, validate=validate.Length(1, 200))
    amount = fields.Decimal(required=True, as_string=True)
    spent_on = fields.Date(required=True)


def _project(project) -> dict:
    return {
        "id": project.id,
        "title": project.title,
        "description": project.description,
        "budget": str(project.budget),
        "status": project.status,
        "spent": str(pooled.spent(project)),
        "funded": str(pooled.funded(project)),
        "contributions": [
            {"commune": c.commune.slug, "amount": str(c.amount), "charged": c.charged}
            for c in project.contributions
        ],
        "expenses": [
            {"label": e.label, "amount": str(e.amount), "spent_on": e.spent_on.isoformat()}
            for e in project.expenses
        ],
    }


@blp.route("/indicators")
@blp.response(200)
def indicators():
    """Every enabled plugin's indicators, per member commune and in total (aggregates only;
    counts of fewer than 5 people are suppressed, and so is the total of a row with a
    suppressed count, which would give it back)."""
    ids = sorted(tenant_session().scope.commune_ids)  # the members, read by the request
    locale = str(get_locale() or "fr")
    # the JSON itself is cached (per federation, locale and member communes' versions):
    # a warm read of 1,000 communes serialises nothing
    body = cached(g.federation.id, ids, f"indicators-json:{locale}", lambda: _indicators_json(ids))
    return current_app.response_class(body, mimetype="application/json")


def _indicators_json(ids: list[int]) -> bytes:
    slugs = dict(  # joined to the members (one bound value, not a thousand)
        db.session.execute(
            select(Commune.id, Commune.slug)
            .join(FederationMember, FederationMember.commune_id == Commune.id)
            .where(
                FederationMember.federation_id == g.federation.id,
                FederationMember.left_on.is_(None),
            )
        ).all()
    )
    payload = [
        {
            "key": row.indicator.key,
            "label": str(row.indicator.label),
            "unit": row.indicator.unit,
            "plugin": row.indicator.plugin,
            "total": row.total,
            "per_commune": {slugs.get(cid, str(cid)): v for cid, v in row.per_commune.items()},
            "suppressed": sorted(slugs.get(cid, str(cid)) for cid in row.suppressed),
            "alert": row.alert,
        }
        for row in federation_indicators(g.federation, ids)
    ]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@blp.route("/proposals")
class Proposals(MethodView):
    @blp.response(200, ProposalOut(many=True))
    def get(self):
        """Intercommunal proposals and their ratification, commune by commune."""
        return ratification.proposals_of(g.federation)

    @blp.arguments(ProposalIn)
    @blp.response(201, ProposalOut)
    def post(self, data):
        """Draft an intercommunal proposal (coordinators)."""
        user = require_coordinator()
        with service_errors():
            proposal = ratification.create(g.federation, user, **data)
        db.session.commit()
        return proposal


@blp.route("/proposals/<int:proposal_id>")
@blp.response(200, ProposalOut)
def proposal_detail(proposal_id):
    """One intercommunal proposal and its progress."""
    with service_errors():
        return ratification.get(g.federation, proposal_id)


@blp.route("/proposals/<int:proposal_id>/send", methods=["POST"])
@blp.response(200, ProposalOut)
def send(proposal_id):
    """Send the proposal to every member commune's assembly."""
    user = require_coordinator()
    with service_errors():
        proposal = ratification.get(g.federation, proposal_id)
        ratification.send(proposal, user)
    db.session.commit()
    return proposal


@blp.route("/council")
@blp.response(200)
def council_view():
    """The confederal council: delegates, their public mandate and their commune's record."""
    record = council.record_of(g.federation)
    return [
        {
            "commune": seat.commune_name,
            "delegate": seat.mandate.user.display_name,
            "mandate_text": seat.mandate.mandate_text,
            "starts_on": seat.mandate.starts_on.isoformat(),
            "ends_on": seat.mandate.ends_on.isoformat(),
            "status": seat.mandate.status,
            "record": [
                {"proposal": t, "answer": s} for t, s in record.get(seat.mandate.commune_id, [])
            ],
        }
        for seat in council.delegates(g.federation, include_past=True)
    ]


@blp.route("/projects")
class Projects(MethodView):
    @blp.response(200)
    def get(self):
        """Pooled projects, their contributions, progress and spending."""
        return [_project(p) for p in pooled.projects_of(g.federation)]

    @blp.arguments(ProjectIn)
    @blp.response(201)
    def post(self, data):
        """Propose a pooled project with each commune's contribution (amount or share)."""
        from federation.api import api_error

        require_coordinator()
        slugs = {c.slug: c.id for c in member_communes(g.federation.id)}
        shares = any(c["share"] is not None for c in data["contributions"])
        contributions = {}
        for item in data["contributions"]:
            if item["commune"] not in slugs:
                api_error(422, errors={"contributions": [f"{item['commune']}: not a member"]})
            value = item["share"] if shares else item["amount"]
            if value is None:
                api_error(
                    422,
                    errors={
                        "contributions": ["give every commune an amount, or every commune a share"]
                    },
                )
            contributions[slugs[item["commune"]]] = value
        with service_errors():
            project = pooled.create_project(
                g.federation,
                data["title"],
                data["budget"],
                contributions,
                description=data["description"],
                shares=shares,
            )
        db.session.commit()
        return _project(project)


@blp.route("/projects/<int:project_id>/submit", methods=["POST"])
@blp.arguments(SubmitIn)
@blp.response(200)
def submit_project(data, project_id):
    """Put a pooled project to the member assemblies for ratification."""
    user = require_coordinator()
    with service_errors():
        project = pooled.get_project(g.federation, project_id)
        pooled.submit(project, user, **data)
    db.session.commit()
    return _project(project)


@blp.route("/projects/<int:project_id>/expenses", methods=["POST"])
@blp.arguments(ExpenseIn)
@blp.response(201)
def add_expense(data, project_id):
    """Record spending on an approved pooled project (journaled)."""
    user = require_coordinator()
    with service_errors():
        project = pooled.get_project(g.federation, project_id)
        pooled.add_expense(project, data["label"], data["amount"], data["spent_on"], user)
    db.session.commit()
    return _project(project)


@blp.route("/plugins/<name>", methods=["PUT", "DELETE"])
@blp.response(200)
def federation_plugin(name):
    """Switch a plugin on (PUT) or off (DELETE) at federation level (coordinators)."""
    from flask import request

    require_coordinator()
    with service_errors():
        if request.method == "PUT":
            federation_plugins.enable(g.federation, name)
        else:
            federation_plugins.disable(g.federation, name)
    db.session.commit()
    return {"plugins": federation_plugins.enabled_for(g.federation)}


@blp.route("/attention")
@blp.response(200)
def attention_view():
    """What needs the coordinators' attention."""
    require_coordinator()
    found = attention(g.federation)
    return {
        "pending_ratifications": [
            {
                "id": p.id,
                "title": p.title,
                "deadline": p.deadline.isoformat() if p.deadline else None,
            }
            for p in found.pending
        ],
        "ending_delegates": [
            {
                "commune": s.commune_name,
                "delegate": s.mandate.user.display_name,
                "ends_on": s.mandate.ends_on.isoformat(),
            }
            for s in found.ending_delegates
        ],
        "alerts": [{"key": r.indicator.key, "label": str(r.indicator.label)} for r in found.alerts],
    }


@blp.route("/communes/<slug>", methods=["DELETE"])
@blp.response(204)
def leave(slug):
    """A commune leaves the federation (platform administrators)."""
    from federation.api.auth import require_platform_admin
    from federation.intercommunal.ratification import commune_left
    from federation.tenancy.services import get_commune, remove_commune_from_federation

    require_platform_admin()
    with service_errors():
        commune: Commune = get_commune(slug)
        remove_commune_from_federation(g.federation, commune)
        commune_left(g.federation, commune)
    db.session.commit()
