"""Web pages of the actions plugin, under ``/c/<commune>/actions/``. Thin: every change goes
through the same service as the API, the CLI and the demo; a refused input is shown next to
its field (422), a refusal about who may act or what exists is a 403/404; no state change on
GET."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from convergence_actions import events, federated, places, services
from federation import formatting
from federation.db import db, utcnow
from federation.errors import Forbidden, NotFound, ServiceError
from federation.form_posts import posted_form
from federation.plugins.services import is_enabled, plugin_settings

bp = Blueprint("actions", __name__, template_folder="templates")

STATUS_LABELS = {
    "confirmed": _l("Confirmée"),
    "waiting": _l("En liste d'attente"),
    "pending": _l("En attente d'accord"),
    "refused": _l("Non retenue"),
    "cancelled": _l("Annulée"),
}


@bp.context_processor
def _context() -> dict[str, Any]:
    return {"base": _base() if g.get("commune") else "", "fmt": formatting}


def _base() -> str:
    return f"/c/{g.commune.slug}/actions"


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _page(template: str, errors: dict, **context: Any):
    return render_template(template, errors=errors, **context), 422 if errors else 200


def _attempt(action: Callable[[], Any], message: str = "") -> tuple[Any, dict]:
    """Run one service call; commit and redirect, or roll back and return the errors
    (403 and 404 are answered with their status). ``action`` returns the target, or the
    target and the message."""
    try:
        result = action()
    except (Forbidden, NotFound):
        db.session.rollback()
        raise
    except ServiceError as exc:
        db.session.rollback()
        return None, exc.as_dict()
    target, message = result if isinstance(result, tuple) else (result, message)
    db.session.commit()
    flash(message, "success")
    return redirect(target), {}


def _or_404(getter: Callable[[Any], Any], value: Any) -> Any:
    try:
        return getter(value)
    except ServiceError:
        abort(404)


def _signed_in() -> Any:
    user = _user()
    if user is None:
        abort(401)
    return user


# --- campaigns ----------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
def index():
    user = _user()
    errors: dict = {}
    form = posted_form()
    if request.method == "POST":
        user = _signed_in()
        if form.get("action") == "propose":
            done, errors = _attempt(
                lambda: f"/c/{g.commune.slug}/proposals/{services.propose_mandate(form, user).id}",
                _("Le mandat est proposé à l'assemblée."),
            )
        else:
            done, errors = _attempt(
                lambda: f"{_base()}/campaigns/{services.launch_campaign(form, user).id}",
                _("Campagne lancée."),
            )
        if done:
            return done
    organiser = services.can_organise(user)
    upcoming = events.events(upcoming_from=utcnow())
    return _page(
        "actions/index.html",
        errors,
        campaigns=services.campaigns(),
        upcoming=upcoming,
        counts=events.counts([e.id for e in upcoming]),
        organiser=organiser,
        member=services.is_member(user),
        decisions=services.mandating_decisions() if services.is_member(user) else [],
        circles=services.carrying_bodies(),
        budget_on=is_enabled(g.commune.id, "budget"),
        settings=plugin_settings(g.commune.id, "actions"),
        values=form if errors else {},
    )


def _campaign_action(campaign: Any, form: dict, user: Any) -> tuple[str, str]:
    action = form.get("action")
    target = f"{_base()}/campaigns/{campaign.id}"
    if action == "support":
        services.support(campaign, user, public=bool(form.get("public")))
        return target, _("Merci pour votre soutien.")
    if action == "unsupport":
        services.withdraw_support(campaign, user)
        return target, _("Soutien retiré.")
    if action == "pledge":
        services.pledge(campaign, form, user)
        return target, _("Promesse enregistrée.")
    if action == "report":
        services.report_back(campaign, form.get("report"), user, meeting_id=form.get("meeting_id"))
        return target, _("Compte rendu transmis à l'assemblée.")
    if action == "event":
        event = events.schedule(form, user, campaign=campaign)
        return f"{_base()}/events/{event.id}", _("Action prévue.")
    abort(400)


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign(campaign_id: int):
    row = _or_404(services.get_campaign, campaign_id)
    user = _user()
    errors: dict = {}
    form = posted_form()
    if request.method == "POST":
        user = _signed_in()
        done, errors = _attempt(lambda: _campaign_action(row, form, user))
        if done:
            return done
        row = services.get_campaign(campaign_id)
    organiser = services.can_organise(user, row)
    listed = events.events(campaign=row)
    return _page(
        "actions/campaign.html",
        errors,
        campaign=row,
        decision=_decision(row.decision_id),
        body=_body(row.body_id),
        concerns=services.concerns_of(row),
        supporters=services.supporter_count(row),
        names=services.public_supporters(row),
        pledges=services.pledges_summary(row),
        figures=services.campaign_figures(row),
        events=listed,
        counts=events.counts([e.id for e in listed]),
        organiser=organiser,
        member=services.is_member(user),
        meetings=services.assembly_meetings() if organiser else [],
        federation_campaign=_federation_campaign(row.federation_campaign_id),
        values=form if errors else {},
    )


def _decision(decision_id: int | None) -> Any:
    from federation.governance.models import Decision

    return db.session.get(Decision, decision_id) if decision_id else None


def _body(body_id: int | None) -> Any:
    from federation.governance.models import Body

    return db.session.get(Body, body_id) if body_id else None


def _federation_campaign(row_id: int | None) -> Any:
    if not row_id:
        return None
    try:
        return federated.get_federation_campaign(row_id)
    except ServiceError:
        return None


# --- events -------------------------------------------------------------------------------


def _event_action(event: Any, form: dict, user: Any) -> tuple[str, str]:
    action = form.get("action")
    target = f"{_base()}/events/{event.id}"
    if action == "register":
        row = events.register(
            event, user, email=form.get("email"), public_name=form.get("public_name", "")
        )
        return target, (
            _("Inscription confirmée. Votre code : %(c)s", c=row.code)
            if row.status == "confirmed"
            else _(
                "Inscription enregistrée (%(s)s). Votre code : %(c)s",
                s=str(STATUS_LABELS[row.status]),
                c=row.code,
            )
        )
    if action == "withdraw":
        mine = events.my_registration(event, user) if user else None
        if mine is None:
            events.cancel_by_code(event, form.get("code"))
        else:
            events.cancel_registration(event, mine, user)
        return target, _("Inscription annulée.")
    if action == "roles":
        events.open_roles(event, form.get("roles"), user)
        return target, _("Les rôles sont ouverts aux inscriptions.")
    if action == "capacity":
        events.update_capacity(event, form.get("capacity"), user)
        return target, _("Capacité mise à jour.")
    if action == "cancel":
        events.cancel_event(event, user)
        return target, _("Action annulée.")
    abort(400)


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    """An event outside any campaign (a work day, a public meeting…): the organisers'
    form, through the same service as a campaign's events, the API and the CLI."""
    user = _signed_in()
    if not services.can_organise(user):
        abort(403)
    errors: dict = {}
    form = posted_form()
    if request.method == "POST":
        done, errors = _attempt(
            lambda: f"{_base()}/events/{events.schedule(form, user).id}", _("Action prévue.")
        )
        if done:
            return done
    return _page(
        "actions/new_event.html", errors, places=places.places(), values=form if errors else {}
    )


@bp.route("/events/<int:event_id>", methods=["GET", "POST"])
def event(event_id: int):
    row = _or_404(events.get_event, event_id)
    user = _user()
    errors: dict = {}
    form = posted_form()
    if request.method == "POST":
        if form.get("action") not in ("register", "withdraw"):
            user = _signed_in()
        done, errors = _attempt(lambda: _event_action(row, form, user))
        if done:
            return done
        row = events.get_event(event_id)
    found = events.counts([row.id])[row.id]
    return _page(
        "actions/event.html",
        errors,
        event=row,
        campaign=events.campaign_of(row),
        place=db.session.get(places.Place, row.place_id) if row.place_id else None,
        counts=found,
        names=events.public_names(row),
        mine=events.my_registration(row, user),
        organiser=events.can_organise(user, row),
        member=services.is_member(user),
        shift=events.shift_of(row),
        STATUS_LABELS=STATUS_LABELS,
        values=form if errors else {},
    )


@bp.route("/events/<int:event_id>/participants", methods=["GET", "POST"])
def participants(event_id: int):
    row = _or_404(events.get_event, event_id)
    user = _signed_in()
    errors: dict = {}
    if not events.can_organise(user, row):
        abort(403)
    if request.method == "POST":
        form = posted_form()
        done, errors = _attempt(
            lambda: (
                events.decide(
                    row,
                    events.get_registration(row, form.get("registration_id")),
                    form.get("decision") == "approve",
                    user,
                ),
                f"{_base()}/events/{row.id}/participants",
            )[1],
            _("Réponse enregistrée."),
        )
        if done:
            return done
    return _page(
        "actions/participants.html",
        errors,
        event=row,
        registrations=events.registrations(row, user),
        STATUS_LABELS=STATUS_LABELS,
    )


@bp.route("/events/<int:event_id>/door", methods=["GET", "POST"])
def door(event_id: int):
    """The welcome desk: a registration code becomes attendance."""
    row = _or_404(events.get_event, event_id)
    user = _signed_in()
    if not events.can_organise(user, row):
        abort(403)
    errors: dict = {}
    if request.method == "POST":
        try:
            done, errors = _attempt(
                lambda: (
                    events.check_in(row, posted_form().get("code"), user),
                    f"{_base()}/events/{row.id}/door",
                )[1],
                _("Bienvenue ! Présence enregistrée."),
            )
        except NotFound as exc:  # an unknown code: said next to the field, the desk goes on
            if exc.field != "code":
                raise
            done, errors = None, exc.as_dict()
        if done:
            return done
    found = events.counts([row.id])[row.id]
    attended = sum(1 for r in events.registrations(row, user) if r.attended_at)
    return _page("actions/door.html", errors, event=row, counts=found, attended=attended)


@bp.route("/events/<int:event_id>/event.ics")
def event_ics(event_id: int):
    row = _or_404(events.get_event, event_id)
    body = events.icalendar([row], request.host, row.title)
    return Response(body, mimetype="text/calendar")


@bp.route("/calendar.ics")
def calendar_ics():
    body = events.icalendar(events.events(), request.host, g.commune.name)
    return Response(body, mimetype="text/calendar")


# --- places and projects ------------------------------------------------------------------


@bp.route("/places", methods=["GET", "POST"])
def places_page():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _signed_in()
        done, errors = _attempt(
            lambda: f"{_base()}/places/{places.create_place(posted_form(), user).id}",
            _("Lieu ajouté."),
        )
        if done:
            return done
    return _page(
        "actions/places.html",
        errors,
        places=places.places(),
        organiser=services.can_organise(user),
        values=posted_form() if errors else {},
    )


@bp.route("/places/<int:place_id>", methods=["GET", "POST"])
def place(place_id: int):
    row = _or_404(places.get_place, place_id)
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _signed_in()
        form = posted_form()
        action = form.get("action")
        if action == "room":
            done, errors = _attempt(
                lambda: (places.add_room(row, form, user), f"{_base()}/places/{row.id}")[1],
                _("Salle ajoutée."),
            )
        elif action == "book":
            done, errors = _attempt(
                lambda: (
                    places.book(places.get_room(form.get("room_id")), form, user),
                    f"{_base()}/places/{row.id}",
                )[1],
                _("Salle réservée."),
            )
        elif action == "unbook":
            done, errors = _attempt(
                lambda: (
                    places.cancel_booking(places.get_booking(form.get("booking_id")), user),
                    f"{_base()}/places/{row.id}",
                )[1],
                _("Réservation annulée."),
            )
        else:
            abort(400)
        if done:
            return done
    room_list = places.rooms(row)
    now = utcnow()
    return _page(
        "actions/place.html",
        errors,
        place=row,
        rooms=[(room, places.bookings(room, upcoming_from=now)) for room in room_list],
        organiser=services.can_organise(user),
        member=services.is_member(user),
        user_id=getattr(user, "id", None),
        DAYS=_days(),
        values=posted_form() if errors else {},
    )


def _days() -> list[str]:
    return [
        _("Lundi"),
        _("Mardi"),
        _("Mercredi"),
        _("Jeudi"),
        _("Vendredi"),
        _("Samedi"),
        _("Dimanche"),
    ]


@bp.route("/projects", methods=["GET", "POST"])
def projects_page():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _signed_in()
        done, errors = _attempt(
            lambda: f"{_base()}/projects/{places.start_project(posted_form(), user).id}",
            _("Projet lancé."),
        )
        if done:
            return done
    return _page(
        "actions/projects.html",
        errors,
        projects=places.projects(),
        organiser=services.can_organise(user),
        values=posted_form() if errors else {},
    )


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
def project(project_id: int):
    row = _or_404(places.get_project, project_id)
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _signed_in()
        form = posted_form()
        done, errors = _attempt(
            lambda: (
                places.complete_step(
                    row, form.get("step_id"), user, decision_id=form.get("decision_id")
                ),
                f"{_base()}/projects/{row.id}",
            )[1],
            _("Étape franchie."),
        )
        if done:
            return done
    return _page(
        "actions/project.html",
        errors,
        project=row,
        steps=places.steps(row),
        may_act=services.can_organise(user) or services.in_body(row.body_id, user),
    )


# --- federation campaigns -----------------------------------------------------------------


@bp.route("/federation", methods=["GET", "POST"])
def federation_page():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _signed_in()
        form = posted_form()
        if form.get("action") == "join":
            done, errors = _attempt(
                lambda: (federated.join(form.get("federation_id"), user), f"{_base()}/federation")[
                    1
                ],
                _("La commune participe aux campagnes de cette fédération."),
            )
        else:
            done, errors = _attempt(
                lambda: (
                    f"{_base()}/federation/{federated.create_federation_campaign(form, user).id}"
                ),
                _("Campagne fédérale ouverte."),
            )
        if done:
            return done
    organiser = services.can_organise(user)
    joined = federated.joined()
    return _page(
        "actions/federation.html",
        errors,
        campaigns=federated.federation_campaigns(),
        organiser=organiser,
        joinable=[f for f in federated.joinable() if f.id not in joined] if organiser else [],
        joined=[f for f in federated.joinable() if f.id in joined] if organiser else [],
        values=posted_form() if errors else {},
    )


@bp.route("/federation/<int:row_id>")
def federation_campaign(row_id: int):
    """A federation campaign's page is the federation's (``/f/<federation>/actions/…``)."""
    row = _or_404(federated.get_federation_campaign, row_id)
    return redirect(f"/f/{federated.federation_slug(row)}/actions/campaigns/{row.id}")
