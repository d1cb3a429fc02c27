"""REST endpoints of the actions plugin, under ``/api/v1/communes/<commune>/actions/``.

Thin: validation by the schemas, logic in the same services as the web pages, errors as
4xx JSON naming the field. Participant lists reach the organisers only; a public list shows
only the names people chose to show.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from convergence_actions import events, federated, places, services
from convergence_actions.schemas import (
    ActBookingInSchema,
    ActBookingSchema,
    ActCampaignInSchema,
    ActCampaignSchema,
    ActCodeSchema,
    ActDecideSchema,
    ActEventInSchema,
    ActEventSchema,
    ActFederationCampaignInSchema,
    ActFederationCampaignSchema,
    ActMandateSchema,
    ActParticipantSchema,
    ActPlaceInSchema,
    ActPlaceSchema,
    ActPledgeSchema,
    ActProjectInSchema,
    ActProjectSchema,
    ActRegisterSchema,
    ActRegistrationSchema,
    ActReportSchema,
    ActRolesSchema,
    ActRoomSchema,
    ActStepDoneSchema,
    ActSupportSchema,
)
from federation.api import api_error
from federation.api.errors import service_errors
from federation.db import db, utcnow
from federation.errors import ServiceError

blp = Blueprint(
    "actions_api",
    __name__,
    description="Actions collectives : campagnes mandatées, actions et inscriptions, lieux, "
    "projets, campagnes fédérales",
)


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _signed_in() -> Any:
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    return user


def _get(getter, value):
    try:
        return getter(value)
    except ServiceError:
        abort(404)


def _done(result: Any) -> Any:
    db.session.commit()
    return result


def _campaign(row) -> dict[str, Any]:
    data = {k: getattr(row, k) for k in ActCampaignSchema().fields if hasattr(row, k)}
    data["supporters"] = services.supporter_count(row)
    data["figures"] = services.campaign_figures(row)
    return data


def _event(row, counts: dict[str, int] | None = None) -> dict[str, Any]:
    counts = counts or events.counts([row.id])[row.id]
    data = {k: getattr(row, k) for k in ActEventSchema().fields if hasattr(row, k)}
    data.update(
        confirmed=counts["confirmed"], waiting=counts["waiting"], names=events.public_names(row)
    )
    return data


def _registration(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "status": row.status,
        "code": row.code,
        "public_name": row.public_name,
        "attended": row.attended_at is not None,
        "user_id": row.user_id,
        "email": row.email,
    }


# --- campaigns ----------------------------------------------------------------------------


@blp.route("/campaigns")
class Campaigns(MethodView):
    @blp.response(200, ActCampaignSchema(many=True))
    def get(self):
        """The commune's campaigns, newest first."""
        return [_campaign(c) for c in services.campaigns()]

    @blp.arguments(ActCampaignInSchema)
    @blp.response(201, ActCampaignSchema)
    def post(self, data):
        """Launch a campaign under the mandate of an adopted decision (the carrying circle
        or ``actions.organise``)."""
        user = _signed_in()
        with service_errors():
            return _done(_campaign(services.launch_campaign(data, user)))


@blp.route("/mandates")
class Mandates(MethodView):
    @blp.arguments(ActMandateSchema)
    @blp.response(201)
    def post(self, data):
        """Propose a campaign's mandate to the popular assembly (a proposal in
        deliberation; its adoption launches the campaign)."""
        user = _signed_in()
        with service_errors():
            proposal = services.propose_mandate(data, user)
            return _done({"proposal_id": proposal.id})


@blp.route("/campaigns/<int:campaign_id>")
class CampaignOne(MethodView):
    @blp.response(200, ActCampaignSchema)
    def get(self, campaign_id: int):
        return _campaign(_get(services.get_campaign, campaign_id))


@blp.route("/campaigns/<int:campaign_id>/support")
class CampaignSupport(MethodView):
    @blp.arguments(ActSupportSchema)
    @blp.response(201)
    def post(self, data, campaign_id: int):
        """Support the campaign (the name shown only if ``public``)."""
        row = _get(services.get_campaign, campaign_id)
        user = _signed_in()
        with service_errors():
            services.support(row, user, public=data["public"])
            return _done({"supporters": services.supporter_count(row)})

    @blp.response(204)
    def delete(self, campaign_id: int):
        row = _get(services.get_campaign, campaign_id)
        user = _signed_in()
        with service_errors():
            services.withdraw_support(row, user)
            _done(None)


@blp.route("/campaigns/<int:campaign_id>/pledges")
class CampaignPledges(MethodView):
    @blp.response(200)
    def get(self, campaign_id: int):
        """Pledged money (total) and material (items), never who pledged."""
        summary = services.pledges_summary(_get(services.get_campaign, campaign_id))
        return {"money": str(summary["money"]), "material": summary["material"]}

    @blp.arguments(ActPledgeSchema)
    @blp.response(201)
    def post(self, data, campaign_id: int):
        row = _get(services.get_campaign, campaign_id)
        user = _signed_in()
        with service_errors():
            pledge = services.pledge(row, data, user)
            return _done({"id": pledge.id, "kind": pledge.kind})


@blp.route("/campaigns/<int:campaign_id>/report")
class CampaignReport(MethodView):
    @blp.arguments(ActReportSchema)
    @blp.response(201, ActCampaignSchema)
    def post(self, data, campaign_id: int):
        """Report back to the assembly (minutes of its meeting, public journal)."""
        row = _get(services.get_campaign, campaign_id)
        user = _signed_in()
        with service_errors():
            services.report_back(row, data["report"], user, meeting_id=data["meeting_id"])
            return _done(_campaign(row))


# --- events -------------------------------------------------------------------------------


@blp.route("/events")
class Events(MethodView):
    @blp.response(200, ActEventSchema(many=True))
    def get(self):
        """Upcoming events."""
        rows = events.events(upcoming_from=utcnow())
        found = events.counts([e.id for e in rows])
        return [_event(e, found[e.id]) for e in rows]

    @blp.arguments(ActEventInSchema)
    @blp.response(201, ActEventSchema)
    def post(self, data):
        """Schedule an event (organisers)."""
        user = _signed_in()
        with service_errors():
            return _done(_event(events.schedule(data, user)))


@blp.route("/events/<int:event_id>")
class EventOne(MethodView):
    @blp.response(200, ActEventSchema)
    def get(self, event_id: int):
        return _event(_get(events.get_event, event_id))


@blp.route("/events/<int:event_id>/registrations")
class EventRegistrations(MethodView):
    @blp.response(200, ActParticipantSchema(many=True))
    def get(self, event_id: int):
        """The participant list (organisers only)."""
        row = _get(events.get_event, event_id)
        user = _signed_in()
        with service_errors():
            return [_registration(r) for r in events.registrations(row, user)]

    @blp.arguments(ActRegisterSchema)
    @blp.response(201, ActRegistrationSchema)
    def post(self, data, event_id: int):
        """Register (a member; or an e-mail address where the organisers allow it)."""
        row = _get(events.get_event, event_id)
        with service_errors():
            found = events.register(
                row, _user(), email=data["email"], public_name=data["public_name"]
            )
            return _done(_registration(found))


@blp.route("/events/<int:event_id>/registrations/<int:registration_id>")
class EventRegistration(MethodView):
    @blp.arguments(ActDecideSchema)
    @blp.response(200, ActRegistrationSchema)
    def patch(self, data, event_id: int, registration_id: int):
        """Approve or refuse a pending participant (organisers)."""
        row = _get(events.get_event, event_id)
        user = _signed_in()
        with service_errors():
            registration = events.get_registration(row, registration_id)
            return _done(_registration(events.decide(row, registration, data["approve"], user)))

    @blp.response(204)
    def delete(self, event_id: int, registration_id: int):
        """Withdraw (the person, or an organiser); the waiting list moves up."""
        row = _get(events.get_event, event_id)
        user = _signed_in()
        with service_errors():
            events.cancel_registration(row, events.get_registration(row, registration_id), user)
            _done(None)


@blp.route("/events/<int:event_id>/check-in")
class EventCheckIn(MethodView):
    @blp.arguments(ActCodeSchema)
    @blp.response(200, ActRegistrationSchema)
    def post(self, data, event_id: int):
        """A registration code at the door becomes attendance (organisers)."""
        row = _get(events.get_event, event_id)
        user = _signed_in()
        with service_errors():
            return _done(_registration(events.check_in(row, data["code"], user)))


@blp.route("/events/<int:event_id>/roles")
class EventRoles(MethodView):
    @blp.arguments(ActRolesSchema)
    @blp.response(201)
    def post(self, data, event_id: int):
        """Open roles and quotas on the core roster (``"signaleur·e:4, mécanicien·ne:1"``)."""
        row = _get(events.get_event, event_id)
        user = _signed_in()
        with service_errors():
            shift = events.open_roles(row, data["roles"], user)
            return _done({"shift_id": shift.id})


# --- places and projects ------------------------------------------------------------------


def _place(row) -> dict[str, Any]:
    return {
        **{k: getattr(row, k) for k in ActPlaceSchema().fields if hasattr(row, k)},
        "rooms": places.rooms(row),
    }


@blp.route("/places")
class Places(MethodView):
    @blp.response(200, ActPlaceSchema(many=True))
    def get(self):
        return [_place(p) for p in places.places()]

    @blp.arguments(ActPlaceInSchema)
    @blp.response(201, ActPlaceSchema)
    def post(self, data):
        user = _signed_in()
        with service_errors():
            return _done(_place(places.create_place(data, user)))


@blp.route("/places/<int:place_id>/rooms")
class PlaceRooms(MethodView):
    @blp.arguments(ActRoomSchema)
    @blp.response(201, ActRoomSchema)
    def post(self, data, place_id: int):
        row = _get(places.get_place, place_id)
        user = _signed_in()
        with service_errors():
            return _done(places.add_room(row, data, user))


@blp.route("/rooms/<int:room_id>/bookings")
class RoomBookings(MethodView):
    @blp.response(200, ActBookingSchema(many=True))
    def get(self, room_id: int):
        """Upcoming bookings of a room (spans only, never who booked)."""
        return places.bookings(_get(places.get_room, room_id), upcoming_from=utcnow())

    @blp.arguments(ActBookingInSchema)
    @blp.response(201, ActBookingSchema)
    def post(self, data, room_id: int):
        """Book the room under its rules; a span already taken is a 409."""
        room = _get(places.get_room, room_id)
        user = _signed_in()
        with service_errors():
            return _done(places.book(room, data, user))


@blp.route("/bookings/<int:booking_id>")
class BookingOne(MethodView):
    @blp.response(204)
    def delete(self, booking_id: int):
        row = _get(places.get_booking, booking_id)
        user = _signed_in()
        with service_errors():
            places.cancel_booking(row, user)
            _done(None)


def _project(row) -> dict[str, Any]:
    return {
        **{k: getattr(row, k) for k in ("id", "name", "kind", "description", "status")},
        "steps": places.steps(row),
    }


@blp.route("/projects")
class Projects(MethodView):
    @blp.response(200, ActProjectSchema(many=True))
    def get(self):
        return [_project(p) for p in places.projects()]

    @blp.arguments(ActProjectInSchema)
    @blp.response(201, ActProjectSchema)
    def post(self, data):
        user = _signed_in()
        with service_errors():
            return _done(_project(places.start_project(data, user)))


@blp.route("/projects/<int:project_id>/steps/<int:step_id>")
class ProjectStepDone(MethodView):
    @blp.arguments(ActStepDoneSchema)
    @blp.response(200, ActProjectSchema)
    def post(self, data, project_id: int, step_id: int):
        """Mark a step done (optionally by a decision)."""
        row = _get(places.get_project, project_id)
        user = _signed_in()
        with service_errors():
            places.complete_step(row, step_id, user, decision_id=data["decision_id"])
            return _done(_project(row))


# --- federation campaigns -----------------------------------------------------------------


@blp.route("/federation-campaigns")
class FederationCampaigns(MethodView):
    @blp.response(200, ActFederationCampaignSchema(many=True))
    def get(self):
        """The federation campaigns this commune takes part in."""
        return federated.federation_campaigns()

    @blp.arguments(ActFederationCampaignInSchema)
    @blp.response(201, ActFederationCampaignSchema)
    def post(self, data):
        user = _signed_in()
        with service_errors():
            return _done(federated.create_federation_campaign(data, user))


@blp.route("/federation-campaigns/<int:row_id>")
class FederationCampaignOne(MethodView):
    @blp.response(200, ActFederationCampaignSchema)
    def get(self, row_id: int):
        """One list of local events and the registrations counted per commune."""
        row = _get(federated.get_federation_campaign, row_id)
        overview = federated.overview(row)
        return {
            "id": row.id,
            "federation_id": row.federation_id,
            "title": row.title,
            "goal": row.goal,
            "events": [{**e, "starts_at": e["starts_at"].isoformat()} for e in overview["events"]],
            "per_commune": overview["per_commune_slug"],
            "total": overview["total"],
        }
