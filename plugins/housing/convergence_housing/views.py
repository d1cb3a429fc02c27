"""Web pages of the housing plugin, under ``/c/<commune>/housing/``. Thin: every state
change is one service call; a refused input is shown next to its field (4xx), never a 500.
Owners and households are shown to the housing circle only (others get 404)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request
from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from convergence_housing import allocation as alloc
from convergence_housing import collective, decisions, owners, rents, services, sharing, tenants
from convergence_housing import constants as C
from federation import csvio
from federation.db import db
from federation.errors import ServiceError
from federation.form_posts import posted_form as _form
from federation.identity.decorators import login_required_here
from federation.identity.services import has_permission
from federation.validation import integer_field

bp = Blueprint("housing", __name__, template_folder="templates")
MAX_UPLOAD = 50 * 1024 * 1024


@bp.app_template_filter("housing_number")
def _number(value: Any) -> str:
    return format_decimal(value or 0)


@bp.app_template_filter("housing_datetime")
def _datetime(value: Any) -> str:
    return format_datetime(value, "short") if value else ""


@bp.app_template_filter("housing_date")
def _date(value: Any) -> str:
    return format_date(value, "long") if value else ""


@bp.app_template_filter("housing_euros")
def _euros(value: Any) -> str:
    return format_currency(value or 0, "EUR")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()


def template_labels() -> dict[str, Any]:
    return {"C": C, "housing_base": f"/c/{g.commune.slug}/housing" if g.get("commune") else ""}


def _base() -> str:
    return f"/c/{g.commune.slug}/housing"


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _private_or_404() -> Any:
    user = login_required_here()
    if not services.can_see_private(user):
        abort(404)
    return user


def _act(action: Callable[[], Any], message: str, target: str | Callable[[Any], str]):
    """Run one service call; commit and redirect, or return the errors (rolled back)."""
    try:
        result = action()
    except ServiceError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(exc.status)
        return None, exc.as_dict(), exc.status
    db.session.commit()
    flash(message, "success")
    return redirect(target(result) if callable(target) else target), {}, 302


def _page(template_name: str, outcome: tuple | None, /, **context: Any):
    if outcome is not None and outcome[0] is not None:
        return outcome[0]
    errors, status = (outcome[1], outcome[2]) if outcome else ({}, 200)
    return render_template(template_name, errors=errors, values=_form(), **context), status


def _may_facilitate() -> bool:
    user = _user()
    return user is not None and has_permission(user, "gov.facilitate", g.commune.id)


# --- overview -----------------------------------------------------------------------------


@bp.route("/")
def index():
    user = _user()
    return render_template(
        "housing/index.html",
        counts=services.status_counts(),
        flows=services.flow_counts(),
        grid=alloc.grid_in_force(),
        projects=collective.projects(),
        mine=alloc.requests_of(user),
        steer=services.can_steer(user),
        private=services.can_see_private(user),
        member=services.is_member(user),
        decided=[a for a in alloc.allocations() if a.status == "decided"],
    )


# --- dwellings ----------------------------------------------------------------------------


@bp.route("/dwellings", methods=["GET", "POST"])
def dwellings():
    user = _private_or_404()
    outcome = None
    if request.method == "POST":
        outcome = _act(
            lambda: (services.require_steer(user), services.create_dwelling(_form(), user))[1],
            _("Logement enregistré."),
            lambda row: f"{_base()}/dwellings/{row.id}",
        )
    return _page(
        "housing/dwellings.html",
        outcome,
        dwellings=services.dwellings(),
        steer=services.can_steer(user),
    )


@bp.route("/dwellings/<int:dwelling_id>", methods=["GET", "POST"])
def dwelling(dwelling_id: int):
    user = _private_or_404()
    try:
        row = services.get_dwelling(dwelling_id)
    except ServiceError:
        abort(404)
    outcome = None
    if request.method == "POST":
        form = _form()
        action = form.get("action")
        if action == "status":
            call = partial(
                services.set_status, row, form.get("status"), form.get("substatus"), actor=user
            )
        elif action == "confirm":
            call = partial(services.confirm_dwelling, row, user)
        elif action == "edit":
            form.setdefault("levers", ",".join(request.form.getlist("levers")))
            form["levers"] = ",".join(request.form.getlist("levers"))
            form["blocking"] = ",".join(request.form.getlist("blocking"))
            call = partial(services.update_dwelling, row, form, user)
        else:
            abort(400)
        outcome = _act(call, _("Logement mis à jour."), f"{_base()}/dwellings/{dwelling_id}")
        if outcome[0] is None:
            row = services.get_dwelling(dwelling_id)
    owner = owners.get_owner(row.owner_id) if row.owner_id else None
    return _page(
        "housing/dwelling.html",
        outcome,
        dwelling=row,
        owner=owner,
        events=services.events(row),
        steer=services.can_steer(user),
        moves=C.TRANSITIONS.get(row.status, ()),
    )


@bp.route("/report", methods=["GET", "POST"])
def report():
    user = login_required_here()
    outcome = None
    if request.method == "POST":
        outcome = _act(
            lambda: services.report_dwelling(_form(), user),
            _("Merci : le cercle du logement va vérifier ce signalement."),
            f"{_base()}/",
        )
    return _page("housing/report.html", outcome)


@bp.route("/import", methods=["GET", "POST"])
def import_vacancies():
    user = login_required_here()
    if not services.can_steer(user):
        abort(403)
    result = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            # any usual encoding (letters were replaced), size limit, else an error
            content = csvio.read_source(upload.stream, max_bytes=MAX_UPLOAD) if upload else ""
            year = integer_field(request.form.get("year"), "year", 1990, 2100)
        except ServiceError as exc:
            return render_template("housing/import.html", result=None, errors=exc.as_dict()), 422
        result = services.import_vacancies(content, year=year, actor=user)
        if result.errors:
            db.session.rollback()
            status = 422
        else:
            db.session.commit()
    return render_template("housing/import.html", result=result, errors={}), status


# --- owners and campaigns -----------------------------------------------------------------


@bp.route("/owners", methods=["GET", "POST"])
def owners_page():
    user = _private_or_404()
    outcome = None
    if request.method == "POST":
        outcome = _act(
            lambda: owners.create_owner(_form(), user),
            _("Propriétaire enregistré·e."),
            lambda row: f"{_base()}/owners/{row.id}",
        )
    return _page("housing/owners.html", outcome, owners=owners.owners())


@bp.route("/owners/<int:owner_id>", methods=["GET", "POST"])
def owner(owner_id: int):
    user = _private_or_404()
    try:
        row = owners.get_owner(owner_id)
    except ServiceError:
        abort(404)
    outcome = None
    if request.method == "POST":
        outcome = _act(
            lambda: owners.update_owner(row, _form(), user),
            _("Propriétaire mis·e à jour."),
            f"{_base()}/owners/{owner_id}",
        )
    return _page("housing/owner.html", outcome, owner=row, dwellings=owners.dwellings_of(row))


@bp.route("/campaigns", methods=["GET", "POST"])
def campaigns():
    user = _private_or_404()
    outcome = None
    if request.method == "POST":
        ids = request.form.getlist("dwelling_ids")
        outcome = _act(
            lambda: owners.create_campaign(_form(), ids, user)[0],
            _("Campagne préparée."),
            lambda row: f"{_base()}/campaigns/{row.id}",
        )
    return _page(
        "housing/campaigns.html",
        outcome,
        campaigns=owners.campaigns(),
        dwellings=services.dwellings(confirmed=True),
        template=owners.default_template(),
    )


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
def campaign(campaign_id: int):
    user = _private_or_404()
    try:
        row = owners.get_campaign(campaign_id)
    except ServiceError:
        abort(404)
    outcome = None
    if request.method == "POST":
        form = _form()
        if form.get("action") == "sent":
            call = partial(owners.set_sent, row, form.get("sent_on"), user)
        elif form.get("action") == "reply":

            def call() -> None:
                letter_row = owners.get_letter(row, form.get("letter_id"))
                owners.record_reply(letter_row, form.get("reply"), form.get("replied_on"), user)

        else:
            abort(400)
        outcome = _act(call, _("Campagne mise à jour."), f"{_base()}/campaigns/{campaign_id}")
    return _page("housing/campaign.html", outcome, campaign=row, letters=owners.letters(row))


def _owner_letter(campaign_id: int, letter_id: int) -> tuple[Any, Any, str]:
    """The campaign, the owner and the letter's text (the housing circle only, else 404)."""
    _private_or_404()
    try:
        row = owners.get_campaign(campaign_id)
        item = owners.get_letter(row, letter_id)
    except ServiceError:
        abort(404)
    owner_row = owners.get_owner(item.owner_id)
    body = owners.letter_text(row, owner_row, services.get_dwelling(item.dwelling_id))
    return row, owner_row, body


@bp.route("/campaigns/<int:campaign_id>/letters/<int:letter_id>")
def letter(campaign_id: int, letter_id: int):
    row, owner_row, body = _owner_letter(campaign_id, letter_id)
    return render_template("housing/letter.html", campaign=row, owner=owner_row, body=body)


def _pdf(document: bytes, name: str) -> Response:
    """A letter to download: personal data, never kept by a cache."""
    return Response(
        document,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


def _sender() -> list[str]:
    return [_("Cercle du logement"), g.commune.name]


@bp.route("/campaigns/<int:campaign_id>/letters/<int:letter_id>.pdf")
def letter_pdf_page(campaign_id: int, letter_id: int):
    """The owner's letter as PDF for printing (the housing circle only)."""
    row, owner_row, body = _owner_letter(campaign_id, letter_id)
    from convergence_housing.pdf import letter_pdf  # fpdf pulls numpy, PIL: only here

    document = letter_pdf(row.title, _sender(), [owner_row.name, owner_row.address], body)
    return _pdf(document, f"courrier-{campaign_id}-{letter_id}")


# --- requests, grid, allocations ----------------------------------------------------------


@bp.route("/requests", methods=["GET", "POST"])
def requests_page():
    user = login_required_here()
    outcome = None
    if request.method == "POST":
        outcome = _act(
            lambda: alloc.create_request(_form(), user),
            _("Demande enregistrée."),
            lambda row: f"{_base()}/requests/{row.id}",
        )
    private = services.can_see_private(user)
    return _page(
        "housing/requests.html",
        outcome,
        private=private,
        rows=alloc.requests() if private else alloc.requests_of(user),
        member=services.is_member(user),
    )


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
def request_page(request_id: int):
    user = login_required_here()
    try:
        row = alloc.visible_request(request_id, user, services.can_see_private(user))
    except ServiceError:
        abort(404)
    outcome = None
    if request.method == "POST":
        if _form().get("action") != "withdraw":
            abort(400)
        outcome = _act(
            lambda: alloc.withdraw_request(row, user),
            _("Demande retirée."),
            f"{_base()}/requests/{request_id}",
        )
    return _page("housing/request.html", outcome, row=row)


@bp.route("/shared", methods=["GET", "POST"])
def shared():
    """Requests shared across the federation: those of partner communes open to ours, and
    the examinations elsewhere that rank our requests, awaiting our consent."""
    user = _private_or_404()
    outcome = None
    if request.method == "POST":
        form = _form()
        outcome = _act(
            partial(
                sharing.answer_consent,
                form.get("commune"),
                form.get("allocation_id"),
                form.get("request_id"),
                form.get("answer"),
                user,
            ),
            _("Réponse de la commune enregistrée."),
            f"{_base()}/shared",
        )
    partners = sharing.partner_ids()
    return _page(
        "housing/shared.html",
        outcome,
        takes_part=bool(partners) or sharing.takes_part(),
        partners=partners,
        incoming=sharing.shared_requests(partners),
        consents=sharing.consent_items(partners),
        steer=services.can_steer(user),
    )


@bp.route("/grid", methods=["GET", "POST"])
def grid():
    user = _user()
    outcome = None
    if request.method == "POST":
        user = login_required_here()
        form = _form()
        outcome = _act(
            lambda: decisions.propose_grid(form, user, open_vote=bool(form.get("open_vote")))[1],
            _("Grille soumise à l'assemblée."),
            lambda proposal: f"/c/{g.commune.slug}/proposals/{proposal.id}",
        )
    return _page(
        "housing/grid.html",
        outcome,
        grid=alloc.grid_in_force(),
        grids=alloc.grids(),
        steer=services.can_steer(user),
        facilitate=_may_facilitate(),
        defaults=C.DEFAULT_GRID,
    )


@bp.route("/allocations", methods=["GET", "POST"])
def allocations():
    user = _user()
    outcome = None
    if request.method == "POST":
        user = login_required_here()
        outcome = _act(
            lambda: alloc.start_examination(
                services.get_dwelling(_form().get("dwelling_id")), user
            ),
            _("Examen ouvert."),
            lambda row: f"{_base()}/allocations/{row.id}",
        )
    steer = services.can_steer(user)
    rows = alloc.allocations()
    return _page(
        "housing/allocations.html",
        outcome,
        steer=steer,
        rows=rows if steer else [a for a in rows if a.status == "decided"],
        available=alloc.available_dwellings() if steer else [],
        refs={d.id: d.ref for d in services.dwellings()},
    )


@bp.route("/allocations/<int:allocation_id>", methods=["GET", "POST"])
def allocation(allocation_id: int):
    user = _user()
    try:
        row = alloc.get_allocation(allocation_id)
    except ServiceError:
        abort(404)
    private = services.can_see_private(user)
    mine = {r.id for r in alloc.requests_of(user)}
    if not private and row.status != "decided" and not (mine & {e["request"] for e in row.ranking}):
        abort(404)
    outcome = None
    if request.method == "POST":
        user = login_required_here()
        form = _form()
        action = form.get("action")
        if action == "propose":
            call = partial(
                decisions.propose_allocation,
                row,
                form.get("order"),
                form.get("reason"),
                user,
                open_vote=bool(form.get("open_vote")),
            )
        elif action == "second_look":
            call = partial(
                alloc.ask_second_look, row, form.get("request_id"), form.get("reason"), user
            )
        elif action == "answer":

            def call() -> None:
                review = alloc.get_review(form.get("review_id"))
                alloc.answer_review(review, form.get("answer"), user)

        else:
            abort(400)
        outcome = _act(
            call, _("Attribution mise à jour."), f"{_base()}/allocations/{allocation_id}"
        )
        if outcome[0] is None:
            row = alloc.get_allocation(allocation_id)
    visible = row.ranking if private else [e for e in row.ranking if e["request"] in mine]
    return _page(
        "housing/allocation.html",
        outcome,
        row=row,
        ranking=visible,
        private=private,
        steer=services.can_steer(user),
        mine=sorted(mine & {e["request"] for e in row.ranking}),
        sentence=alloc.describe(row) if row.proposed_order else "",
        consents=sharing.consents_for(row) if private else {},
        homes=sharing.commune_names(row) if private else {},
        reviews=alloc.reviews(row) if private else [],
        facilitate=_may_facilitate(),
        dwelling_ref=services.get_dwelling(row.dwelling_id).ref,
    )


# --- collective acquisition ---------------------------------------------------------------


@bp.route("/projects", methods=["GET", "POST"])
def projects():
    user = _user()
    outcome = None
    if request.method == "POST":
        user = login_required_here()
        outcome = _act(
            lambda: collective.create_project(_form(), user),
            _("Projet enregistré."),
            lambda row: f"{_base()}/projects/{row.id}",
        )
    return _page(
        "housing/projects.html",
        outcome,
        rows=collective.projects(),
        steer=services.can_steer(user),
        progress=collective.progress,
    )


@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
def project(project_id: int):
    user = _user()
    try:
        row = collective.get_project(project_id)
    except ServiceError:
        abort(404)
    outcome = None
    if request.method == "POST":
        user = login_required_here()
        form = _form()
        action = form.get("action")
        if action == "pledge":
            call = partial(
                collective.pledge,
                row,
                user,
                form.get("kind"),
                form.get("amount"),
                form.get("organisation"),
            )
        elif action == "purchase":
            call = partial(
                decisions.propose_purchase, row, user, open_vote=bool(form.get("open_vote"))
            )
        elif action == "fail":
            call = partial(collective.fail_campaign, row, user)
        else:
            abort(400)
        outcome = _act(call, _("Projet mis à jour."), f"{_base()}/projects/{project_id}")
        if outcome[0] is None:
            row = collective.get_project(project_id)
    return _page(
        "housing/project.html",
        outcome,
        row=row,
        progress=collective.progress(row),
        kinds=collective.totals_by_kind(row),
        euros=collective.euros,
        organisations=[p for p in collective.pledges(row) if p.organisation and not p.refunded],
        steer=services.can_steer(user),
        member=services.is_member(user),
        facilitate=_may_facilitate(),
    )


# --- rents --------------------------------------------------------------------------------


@bp.route("/rents", methods=["GET", "POST"])
def rents_page():
    outcome = None
    if request.method == "POST":
        user = login_required_here()
        outcome = _act(
            lambda: rents.declare(_form(), user),
            _("Merci : loyer déclaré anonymement."),
            f"{_base()}/rents",
        )
    return _page(
        "housing/rents.html",
        outcome,
        cells=rents.observatory(),
        member=services.is_member(_user()),
        small=C.SMALL_COUNT,
    )


# --- tenants' collectives -----------------------------------------------------------------


@bp.route("/collectives", methods=["GET", "POST"])
def collectives():
    user = login_required_here()
    outcome = None
    if request.method == "POST":
        outcome = _act(
            partial(tenants.create_collective, _form(), user),
            _("Collectif enregistré."),
            lambda row: f"{_base()}/collectives/{row.id}",
        )
    return _page(
        "housing/collectives.html",
        outcome,
        rows=tenants.collectives_for(user),
        member=services.is_member(user),
    )


@bp.route("/collectives/<int:collective_id>", methods=["GET", "POST"])
def collective_page(collective_id: int):
    user = login_required_here()
    try:
        row = tenants.get_collective(collective_id, user)
    except ServiceError:
        abort(404)
    outcome = None
    if request.method == "POST":
        form = _form()
        action = form.get("action")
        if action == "grievance":
            call = partial(tenants.raise_grievance, row, form, user)
        elif action in ("letter", "resolve"):

            def call() -> None:
                item = tenants.get_grievance(row, form.get("grievance_id"))
                if action == "letter":
                    tenants.write_letter(row, item, user)
                else:
                    tenants.resolve(item, user)

        else:
            abort(400)
        outcome = _act(call, _("Collectif mis à jour."), f"{_base()}/collectives/{collective_id}")
    items = tenants.grievances(row)
    return _page(
        "housing/collective.html",
        outcome,
        row=row,
        grievances=items,
        letters={item.id: tenants.letter_text(row, item) for item in items},
        steer=services.can_steer(user),
        private=services.can_see_private(user),
    )


@bp.route("/collectives/<int:collective_id>/grievances/<int:grievance_id>/letter.pdf")
def grievance_letter_pdf(collective_id: int, grievance_id: int):
    """The tenants' letter to the landlord as PDF for printing (the housing circle only)."""
    user = _private_or_404()
    try:
        row = tenants.get_collective(collective_id, user)
        item = tenants.get_grievance(row, grievance_id)
    except ServiceError:
        abort(404)
    body = tenants.letter_text(row, item)
    if not body:
        abort(404)
    title = _("Collectif de locataires « %(n)s »", n=row.name)
    from convergence_housing.pdf import letter_pdf  # fpdf pulls numpy, PIL: only here

    document = letter_pdf(title, _sender(), [row.landlord, row.landlord_address], body)
    return _pdf(document, f"courrier-collectif-{collective_id}-{grievance_id}")
