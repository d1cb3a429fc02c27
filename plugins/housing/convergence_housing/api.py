"""REST endpoints of the housing plugin, under ``/api/v1/communes/<commune>/housing/``.

Thin: the schemas fix the shape, the services validate and act (the same calls as the
pages), errors are 4xx JSON naming the field. Owners and households reach the housing
circle only (others get 404), and each applicant their own request.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from convergence_housing import allocation as alloc
from convergence_housing import collective, decisions, owners, rents, services, sharing
from convergence_housing.constants import SMALL_COUNT
from convergence_housing.ranking import TIE_RULE
from convergence_housing.schemas import (
    HousingAllocationSchema,
    HousingCampaignInSchema,
    HousingCampaignSchema,
    HousingConsentInSchema,
    HousingConsentSchema,
    HousingDwellingDetailSchema,
    HousingDwellingInSchema,
    HousingDwellingSchema,
    HousingExamineSchema,
    HousingGridInSchema,
    HousingGridSchema,
    HousingImportReportSchema,
    HousingImportSchema,
    HousingOwnerSchema,
    HousingPledgeInSchema,
    HousingProjectInSchema,
    HousingProjectSchema,
    HousingProposalRefSchema,
    HousingProposeOrderSchema,
    HousingPurchaseSchema,
    HousingRentCellSchema,
    HousingRentInSchema,
    HousingReplySchema,
    HousingReportSchema,
    HousingRequestInSchema,
    HousingRequestSchema,
    HousingSecondLookSchema,
    HousingSentSchema,
    HousingSharedRequestSchema,
    HousingStatusSchema,
    HousingSupplySchema,
    HousingTagsSchema,
)
from federation.api import api_error
from federation.api.errors import service_errors
from federation.db import db
from federation.errors import ServiceError

blp = Blueprint(
    "housing_api",
    __name__,
    description="Logement : logements vacants, demandes, grille, attributions, acquisitions",
)


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _signed_in() -> Any:
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    return user


def _private() -> Any:
    user = _signed_in()
    if not services.can_see_private(user):
        abort(404)
    return user


def _found(getter: Any, value: Any) -> Any:
    try:
        return getter(value)
    except ServiceError:
        abort(404)


def _done(result: Any = None) -> Any:
    db.session.commit()
    return result


# --- public summary -----------------------------------------------------------------------


@blp.route("/supply")
class Supply(MethodView):
    @blp.response(200, HousingSupplySchema)
    def get(self):
        """Dwellings by follow-up status (from the event log), requests and allocations;
        the count of open requests is left out under five."""
        flows = services.flow_counts()
        open_requests = alloc.request_counts().get("open", 0)
        return {
            "statuses": services.status_counts(),
            **flows,
            "open_requests": open_requests if open_requests >= SMALL_COUNT else None,
            "allocations": sum(1 for a in alloc.allocations() if a.status == "decided"),
        }


# --- dwellings ----------------------------------------------------------------------------


@blp.route("/dwellings")
class Dwellings(MethodView):
    @blp.response(200, HousingDwellingSchema(many=True))
    def get(self):
        """Every dwelling followed (the housing circle only)."""
        _private()
        return services.dwellings()

    @blp.arguments(HousingDwellingInSchema)
    @blp.response(201, HousingDwellingSchema)
    def post(self, data):
        """Add a dwelling to the follow-up."""
        user = _signed_in()
        with service_errors():
            services.require_steer(user)
            row = services.create_dwelling(data, user)
        return _done(row)


@blp.route("/dwellings/<int:dwelling_id>")
class DwellingOne(MethodView):
    @blp.response(200, HousingDwellingDetailSchema)
    def get(self, dwelling_id: int):
        """One dwelling with its event log."""
        _private()
        row = _found(services.get_dwelling, dwelling_id)
        data = {k: getattr(row, k) for k in HousingDwellingSchema().fields}
        data["events"] = services.events(row)
        return data

    @blp.arguments(HousingTagsSchema)
    @blp.response(200, HousingDwellingSchema)
    def patch(self, data, dwelling_id: int):
        """Levers, blocking points, occupancy."""
        user = _private()
        row = _found(services.get_dwelling, dwelling_id)
        with service_errors():
            services.update_dwelling(row, {k: v for k, v in data.items() if v is not None}, user)
        return _done(row)


@blp.route("/dwellings/<int:dwelling_id>/status")
class DwellingStatus(MethodView):
    @blp.arguments(HousingStatusSchema)
    @blp.response(200, HousingDwellingSchema)
    def post(self, data, dwelling_id: int):
        """Move the follow-up along the vocabulary (409 for a move it does not allow)."""
        user = _private()
        row = _found(services.get_dwelling, dwelling_id)
        with service_errors():
            services.set_status(row, data["status"], data["substatus"], actor=user)
        return _done(row)


@blp.route("/dwellings/<int:dwelling_id>/confirm")
class DwellingConfirm(MethodView):
    @blp.response(200, HousingDwellingSchema)
    def post(self, dwelling_id: int):
        """The housing circle confirms an inhabitant's report."""
        user = _private()
        row = _found(services.get_dwelling, dwelling_id)
        with service_errors():
            services.confirm_dwelling(row, user)
        return _done(row)


@blp.route("/reports")
class Reports(MethodView):
    @blp.arguments(HousingReportSchema)
    @blp.response(201, HousingProposalRefSchema)
    def post(self, data):
        """An inhabitant reports a dwelling that seems vacant."""
        user = _signed_in()
        with service_errors():
            services.report_dwelling(data, user)
        return _done({})


@blp.route("/import")
class Import(MethodView):
    @blp.arguments(HousingImportSchema)
    @blp.response(200, HousingImportReportSchema)
    def post(self, data):
        """Import a vacancy file (CSV text); 422 with every line in error, nothing written."""
        user = _signed_in()
        with service_errors():
            services.require_steer(user)
        result = services.import_vacancies(
            data["csv"], year=data["year"], actor=user, dry_run=data["dry_run"]
        )
        if result.errors:
            db.session.rollback()
            api_error(422, message="invalid lines", errors={"csv": result.errors})
        if data["dry_run"]:
            db.session.rollback()
            return result
        return _done(result)


# --- owners and campaigns -----------------------------------------------------------------


@blp.route("/owners")
class Owners(MethodView):
    @blp.response(200, HousingOwnerSchema(many=True))
    def get(self):
        """Owners (the housing circle only)."""
        _private()
        return owners.owners()

    @blp.arguments(HousingOwnerSchema)
    @blp.response(201, HousingOwnerSchema)
    def post(self, data):
        user = _private()
        with service_errors():
            row = owners.create_owner(data, user)
        return _done(row)


@blp.route("/campaigns")
class Campaigns(MethodView):
    @blp.arguments(HousingCampaignInSchema)
    @blp.response(201, HousingCampaignSchema)
    def post(self, data):
        """A letter campaign to the owners of the selected dwellings."""
        user = _private()
        with service_errors():
            row, skipped = owners.create_campaign(data, data["dwelling_ids"], user)
        result = {
            "id": row.id,
            "title": row.title,
            "sent_on": row.sent_on,
            "applied": row.applied,
            "letters": len(owners.letters(row)),
            "skipped": skipped,
        }
        return _done(result)


@blp.route("/campaigns/<int:campaign_id>/sent")
class CampaignSent(MethodView):
    @blp.arguments(HousingSentSchema)
    @blp.response(200, HousingCampaignSchema)
    def post(self, data, campaign_id: int):
        """The sent date; dwellings await a reply once it has passed."""
        user = _private()
        row = _found(owners.get_campaign, campaign_id)
        with service_errors():
            owners.set_sent(row, data["sent_on"], user)
        return _done(
            {
                "id": row.id,
                "title": row.title,
                "sent_on": row.sent_on,
                "applied": row.applied,
                "letters": len(owners.letters(row)),
                "skipped": 0,
            }
        )


@blp.route("/campaigns/<int:campaign_id>/letters/<int:letter_id>/reply")
class LetterReply(MethodView):
    @blp.arguments(HousingReplySchema)
    @blp.response(200, HousingProposalRefSchema)
    def post(self, data, campaign_id: int, letter_id: int):
        user = _private()
        row = _found(owners.get_campaign, campaign_id)
        letter = _found(lambda i: owners.get_letter(row, i), letter_id)
        with service_errors():
            owners.record_reply(letter, data["reply"], data["replied_on"], user)
        return _done({})


# --- requests, grid, allocations ----------------------------------------------------------


@blp.route("/requests")
class Requests(MethodView):
    @blp.response(200, HousingRequestSchema(many=True))
    def get(self):
        """The housing circle sees every request; a person their own."""
        user = _signed_in()
        return alloc.requests() if services.can_see_private(user) else alloc.requests_of(user)

    @blp.arguments(HousingRequestInSchema)
    @blp.response(201, HousingRequestSchema)
    def post(self, data):
        user = _signed_in()
        with service_errors():
            row = alloc.create_request(data, user)
        return _done(row)


@blp.route("/requests/<int:request_id>")
class RequestOne(MethodView):
    @blp.response(200, HousingRequestSchema)
    def get(self, request_id: int):
        user = _signed_in()
        return _found(
            lambda i: alloc.visible_request(i, user, services.can_see_private(user)), request_id
        )


@blp.route("/shared-requests")
class SharedRequests(MethodView):
    @blp.response(200, HousingSharedRequestSchema(many=True))
    def get(self):
        """Requests of partner communes of a federation open to this one (the housing circle
        only; both communes take part through their ``shared_requests`` setting)."""
        _private()
        return [{**vars(r), "status": "open"} for r in sharing.shared_requests()]


@blp.route("/consents")
class Consents(MethodView):
    @blp.response(200, HousingConsentSchema(many=True))
    def get(self):
        """Examinations in partner communes that rank our requests, with our answers."""
        _private()
        return [vars(i) for i in sharing.consent_items()]

    @blp.arguments(HousingConsentInSchema)
    @blp.response(201, HousingConsentSchema)
    def post(self, data):
        """Grant or refuse (``answer``: granted, refused) that one of our requests receive the
        dwelling of a partner commune's examination; one answer per allocation and request."""
        user = _private()
        with service_errors():
            sharing.answer_consent(
                data["commune"], data["allocation_id"], data["request_id"], data["answer"], user
            )
        db.session.commit()
        return next(
            vars(i)
            for i in sharing.consent_items()
            if data["commune"] in (i.host_slug, str(i.host_id))
            and i.allocation_id == data["allocation_id"]
            and i.request_id == data["request_id"]
        )


@blp.route("/grid")
class GridNow(MethodView):
    @blp.response(200, HousingGridSchema)
    def get(self):
        """The public grid in force and its tie rule (404 before the first vote)."""
        grid = alloc.grid_in_force()
        if grid is None:
            abort(404)
        data = {k: getattr(grid, k) for k in ("id", "version", "criteria", "status", "proposal_id")}
        data["tie_rule"] = list(TIE_RULE)
        return data

    @blp.arguments(HousingGridInSchema)
    @blp.response(201, HousingProposalRefSchema)
    def post(self, data):
        """Put a new version of the grid to the assembly."""
        user = _signed_in()
        with service_errors():
            _grid, proposal = decisions.propose_grid(
                data["criteria"], user, open_vote=data["open_vote"]
            )
        return _done({"proposal_id": proposal.id})


def _allocation_dump(row: Any, private: bool, mine: set[int]) -> dict[str, Any]:
    data = {
        k: getattr(row, k)
        for k in (
            "id",
            "status",
            "grid_id",
            "proposal_id",
            "decision_id",
            "decided_on",
            "proposed_order",
        )
    }
    data["dwelling_ref"] = services.get_dwelling(row.dwelling_id).ref
    data["ranking"] = [
        {k: e[k] for k in ("request", "rank", "points", "lines", "commune") if k in e}
        for e in row.ranking
        if private or e["request"] in mine
    ]
    if not private:
        data["proposed_order"] = []
    return data


@blp.route("/allocations")
class Allocations(MethodView):
    @blp.response(200, HousingAllocationSchema(many=True))
    def get(self):
        """Decided allocations (the housing circle sees all, with the rankings)."""
        user = _user()
        private = services.can_see_private(user)
        rows = alloc.allocations()
        return [
            _allocation_dump(a, private, set()) for a in rows if private or a.status == "decided"
        ]

    @blp.arguments(HousingExamineSchema)
    @blp.response(201, HousingAllocationSchema)
    def post(self, data):
        """Rank the open requests for an available dwelling with the grid in force."""
        user = _signed_in()
        with service_errors():
            row = alloc.start_examination(services.get_dwelling(data["dwelling_id"]), user)
        db.session.commit()
        return _allocation_dump(row, True, set())


@blp.route("/allocations/<int:allocation_id>")
class AllocationOne(MethodView):
    @blp.response(200, HousingAllocationSchema)
    def get(self, allocation_id: int):
        user = _user()
        row = _found(alloc.get_allocation, allocation_id)
        private = services.can_see_private(user)
        mine = {r.id for r in alloc.requests_of(user)}
        if (
            not private
            and row.status != "decided"
            and not (mine & {e["request"] for e in row.ranking})
        ):
            abort(404)
        return _allocation_dump(row, private, mine)


@blp.route("/allocations/<int:allocation_id>/propose")
class AllocationPropose(MethodView):
    @blp.arguments(HousingProposeOrderSchema)
    @blp.response(201, HousingProposalRefSchema)
    def post(self, data, allocation_id: int):
        """The circle's order, put to the housing circle's vote."""
        user = _private()
        row = _found(alloc.get_allocation, allocation_id)
        with service_errors():
            proposal = decisions.propose_allocation(
                row, data["order"], data["reason"], user, open_vote=data["open_vote"]
            )
        return _done({"proposal_id": proposal.id})


@blp.route("/allocations/<int:allocation_id>/second-look")
class AllocationSecondLook(MethodView):
    @blp.arguments(HousingSecondLookSchema)
    @blp.response(201, HousingProposalRefSchema)
    def post(self, data, allocation_id: int):
        """A household examined asks for a second look, within the set delay."""
        user = _signed_in()
        row = _found(alloc.get_allocation, allocation_id)
        with service_errors():
            alloc.ask_second_look(row, data["request_id"], data["reason"], user)
        return _done({})


# --- collective acquisition ---------------------------------------------------------------


@blp.route("/projects")
class Projects(MethodView):
    @blp.response(200, HousingProjectSchema(many=True))
    def get(self):
        return collective.projects()

    @blp.arguments(HousingProjectInSchema)
    @blp.response(201, HousingProjectSchema)
    def post(self, data):
        user = _signed_in()
        with service_errors():
            row = collective.create_project(data, user)
        return _done(row)


@blp.route("/projects/<int:project_id>")
class ProjectOne(MethodView):
    @blp.response(200, HousingProjectSchema)
    def get(self, project_id: int):
        return _found(collective.get_project, project_id)


@blp.route("/projects/<int:project_id>/pledges")
class Pledges(MethodView):
    @blp.arguments(HousingPledgeInSchema)
    @blp.response(201, HousingProjectSchema)
    def post(self, data, project_id: int):
        """Pledge a gift, a loan or a share (exact total under concurrent pledges)."""
        user = _signed_in()
        row = _found(collective.get_project, project_id)
        with service_errors():
            collective.pledge(row, user, data["kind"], data["amount"], data["organisation"])
        return _done(row)


@blp.route("/projects/<int:project_id>/purchase")
class Purchase(MethodView):
    @blp.arguments(HousingPurchaseSchema)
    @blp.response(201, HousingProposalRefSchema)
    def post(self, data, project_id: int):
        """Put the purchase to the assembly (once the target is reached)."""
        user = _signed_in()
        row = _found(collective.get_project, project_id)
        with service_errors():
            proposal = decisions.propose_purchase(row, user, open_vote=data["open_vote"])
        return _done({"proposal_id": proposal.id})


@blp.route("/projects/<int:project_id>/fail")
class ProjectFail(MethodView):
    @blp.response(200, HousingProjectSchema)
    def post(self, project_id: int):
        """Close the campaign without buying: every pledge refunded."""
        user = _signed_in()
        row = _found(collective.get_project, project_id)
        with service_errors():
            collective.fail_campaign(row, user)
        return _done(row)


# --- rents --------------------------------------------------------------------------------


@blp.route("/rents")
class Rents(MethodView):
    @blp.response(200, HousingRentCellSchema(many=True))
    def get(self):
        """The observatory: €/m² by area and size, cells under five left out."""
        return rents.observatory()

    @blp.arguments(HousingRentInSchema)
    @blp.response(201, HousingProposalRefSchema)
    def post(self, data):
        user = _signed_in()
        with service_errors():
            rents.declare(data, user)
        return _done({})
