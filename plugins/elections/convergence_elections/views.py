"""Web pages, under ``/c/<commune>/elections/`` (404 where the plugin is off). Thin: every
change is one service call; the filing pages answer 404 to anyone but the list's
coordinators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from convergence_elections import draws as draw_services
from convergence_elections import filing, law, services, texts, treasury
from federation import formatting
from federation.errors import ServiceError
from federation.form_posts import done, posted_form, refused
from federation.governance import stages
from federation.identity.decorators import login_required_here
from federation.identity.services import has_permission
from federation.plugins.services import plugin_settings

bp = Blueprint("elections", __name__, template_folder="templates")


def _base() -> str:
    return f"/c/{g.commune.slug}/elections"


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.context_processor
def _context() -> dict[str, Any]:
    return {
        "el_base": _base() if g.get("commune") else "",
        "T": texts,
        "law": law,
        "fmt": formatting,
    }


def _post(action: Callable[[Any], Any], message: str, target: str | Callable[[Any], str]):
    user = login_required_here()
    try:
        result = action(user)
    except ServiceError as exc:
        return refused(exc, target if isinstance(target, str) else request.path)
    return done(message, target(result) if callable(target) else target)


# --- overview and stage ---------------------------------------------------------------------


@bp.route("/")
def index():
    user = _user()
    return render_template(
        "elections/index.html",
        stage=stages.current(g.commune.id),
        stages=stages,
        history=stages.history(),
        offers=stages.offers(g.commune),
        axes=services.axes(),
        lists=services.lists(),
        draws=draw_services.draws(),
        manage=services.can_manage(user),
        facilitate=user is not None and has_permission(user, "gov.facilitate", g.commune.id),
        rule=law.list_length(g.commune.population or 0),
        settings=plugin_settings(g.commune.id, "elections"),
    )


@bp.route("/stage", methods=["POST"])
def propose_stage():
    def act(user):
        services.require_manage(user)
        return stages.propose(request.form.get("stage"), user)

    return _post(act, _("Proposition soumise à l'assemblée."), _base() + "/")


# --- programme ------------------------------------------------------------------------------


@bp.route("/programme")
def programme():
    return render_template(
        "elections/programme.html",
        axes=services.axes(),
        measures=services.measures(),
        manage=services.can_manage(_user()),
        founded=services.programme_founded(),
    )


@bp.route("/programme/axes", methods=["POST"])
def add_axis():
    return _post(
        lambda u: services.add_axis(posted_form(), u), _("Axe ajouté."), _base() + "/programme"
    )


@bp.route("/programme/propose", methods=["POST"])
def propose_axes():
    return _post(
        lambda u: services.propose_axes(request.form.get("step", ""), u),
        _("Axes mis en délibération."),
        _base() + "/programme",
    )


@bp.route("/programme/measures", methods=["POST"])
def add_measure():
    return _post(
        lambda u: services.add_measure(posted_form(), u),
        _("Mesure ajoutée."),
        lambda m: f"{_base()}/measures/{m.id}",
    )


@bp.route("/measures/<int:measure_id>", methods=["GET", "POST"])
def measure(measure_id: int):
    row = services.get_measure(measure_id)
    if request.method == "POST":
        return _post(
            lambda u: services.edit_measure(row, posted_form(), u),
            _("Nouvelle version enregistrée."),
            request.path,
        )
    return render_template(
        "elections/measure.html",
        measure=row,
        axis=services.get_axis(row.axis_id),
        history=services.history(row),
        manage=services.can_manage(_user()),
    )


# --- lists ----------------------------------------------------------------------------------


@bp.route("/lists", methods=["POST"])
def create_list():
    return _post(
        lambda u: services.create_list(posted_form(), u),
        _("Liste créée."),
        lambda row: f"{_base()}/lists/{row.id}",
    )


@bp.route("/lists/<int:list_id>")
def election_list(list_id: int):
    row = services.get_list(list_id)
    user = _user()
    people = services.candidacies(row)
    mine = next((c for c in people if user is not None and c.user_id == user.id), None)
    names = {c.id: c.name for c in services.candidacies(row, active=False)}
    return render_template(
        "elections/list.html",
        row=row,
        rule=law.list_length(row.population),
        people=people,
        ordered=services.ordered(row),
        steps=[texts.step(s, names) for s in row.steps],
        checks=services.all_checks(people),
        mine=mine,
        my_filing=filing.own(mine, user) if mine else None,
        member=services.is_member(user),
        manage=services.can_manage(user),
        coordinator=services.is_coordinator(row, user),
    )


@bp.route("/lists/<int:list_id>/stand", methods=["POST"])
def stand(list_id: int):
    row = services.get_list(list_id)
    return _post(
        lambda u: services.stand(row, posted_form(), u),
        _("Candidature enregistrée."),
        f"{_base()}/lists/{row.id}",
    )


@bp.route("/lists/<int:list_id>/withdraw", methods=["POST"])
def withdraw(list_id: int):
    row = services.get_list(list_id)

    def act(user):
        services.withdraw(services.own_candidacy(row, user), user)

    return _post(act, _("Candidature retirée."), f"{_base()}/lists/{row.id}")


@bp.route("/lists/<int:list_id>/my-filing", methods=["POST"])
def my_filing(list_id: int):
    row = services.get_list(list_id)

    def act(user):
        return filing.give(services.own_candidacy(row, user), posted_form(), user)

    return _post(act, _("Informations enregistrées."), f"{_base()}/lists/{row.id}")


@bp.route("/lists/<int:list_id>/ranking", methods=["POST"])
def open_ranking(list_id: int):
    row = services.get_list(list_id)
    return _post(
        lambda u: services.open_ranking(row, u),
        _("Vote sur l'ordre ouvert."),
        lambda vote: f"/c/{g.commune.slug}/votes/{vote.id}",
    )


@bp.route("/lists/<int:list_id>/order", methods=["POST"])
def compute_order(list_id: int):
    row = services.get_list(list_id)
    return _post(
        lambda u: services.compute_order(row, u), _("Ordre calculé."), f"{_base()}/lists/{row.id}"
    )


@bp.route("/lists/<int:list_id>/propose", methods=["POST"])
def propose_list(list_id: int):
    row = services.get_list(list_id)
    return _post(
        lambda u: services.propose_list(row, u),
        _("Liste soumise à l'assemblée."),
        f"{_base()}/lists/{row.id}",
    )


@bp.route("/lists/<int:list_id>/coordinators", methods=["POST"])
def add_coordinator(list_id: int):
    row = services.get_list(list_id)
    from federation.validation import ident

    return _post(
        lambda u: services.add_coordinator(row, ident(request.form.get("user_id"), "user_id"), u),
        _("Coordinateur·rice ajouté·e."),
        f"{_base()}/lists/{row.id}",
    )


def _coordinator_or_404(list_id: int) -> tuple[Any, Any]:
    user = login_required_here()
    row = services.get_list(list_id)
    if not services.is_coordinator(row, user):
        abort(404)
    return row, user


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/lists/<int:list_id>/filing")
def filing_page(list_id: int):
    row, user = _coordinator_or_404(list_id)
    page = render_template(
        "elections/filing.html", row=row, lines=filing.details(row, user), rule=law
    )
    return _private(Response(page))


@bp.route("/lists/<int:list_id>/filing.csv")
def filing_csv(list_id: int):
    row, user = _coordinator_or_404(list_id)
    return _private(
        Response(
            filing.as_csv(row, user),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="liste-{row.id}.csv"'},
        )
    )


@bp.route("/lists/<int:list_id>/filing.pdf")
def filing_pdf(list_id: int):
    row, user = _coordinator_or_404(list_id)
    return _private(
        Response(
            filing.as_pdf(row, user),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="liste-{row.id}.pdf"'},
        )
    )


# --- draws ----------------------------------------------------------------------------------


@bp.route("/draws", methods=["POST"])
def create_draw():
    form = posted_form()
    form["attributes"] = request.form.getlist("attributes") or form.get("attributes")
    return _post(
        lambda u: draw_services.create_draw(form, u),
        _("Tirage créé."),
        lambda row: f"{_base()}/draws/{row.id}",
    )


@bp.route("/draws/<int:draw_id>")
def draw(draw_id: int):
    row = draw_services.get_draw(draw_id)
    user = _user()
    return render_template(
        "elections/draw.html",
        row=row,
        count=len(draw_services.volunteers(row)),
        selected=draw_services.selected_people(row),
        published=draw_services.published(row),
        attributes=draw_services.ATTRIBUTES,
        member=services.is_member(user),
        manage=services.can_manage(user),
    )


@bp.route("/draws/<int:draw_id>.json")
def draw_json(draw_id: int):
    return draw_services.published(draw_services.get_draw(draw_id))


@bp.route("/draws/<int:draw_id>/volunteer", methods=["POST"])
def volunteer(draw_id: int):
    row = draw_services.get_draw(draw_id)
    return _post(
        lambda u: draw_services.volunteer(row, posted_form(), u),
        _("Vous êtes volontaire."),
        f"{_base()}/draws/{row.id}",
    )


@bp.route("/draws/<int:draw_id>/commit", methods=["POST"])
def commit_draw(draw_id: int):
    row = draw_services.get_draw(draw_id)
    return _post(
        lambda u: draw_services.commit(row, {}, u),
        _("Empreinte publiée au journal."),
        f"{_base()}/draws/{row.id}",
    )


@bp.route("/draws/<int:draw_id>/draw", methods=["POST"])
def run_draw(draw_id: int):
    row = draw_services.get_draw(draw_id)
    return _post(
        lambda u: draw_services.run(row, u), _("Tirage effectué."), f"{_base()}/draws/{row.id}"
    )


# --- the movement's treasury (before "in office") -------------------------------------------


@bp.route("/treasury", methods=["GET", "POST"])
def treasury_page():
    if request.method == "POST":
        return _post(
            lambda u: treasury.record_entry(posted_form(), u),
            _("Écriture enregistrée et inscrite au journal."),
            _base() + "/treasury",
        )
    rows = treasury.entries()
    stage = stages.current(g.commune.id)
    return render_template(
        "elections/treasury.html",
        rows=rows,
        totals=treasury.totals(),
        decisions=treasury.decisions(sorted({r.decision_id for r in rows if r.decision_id})),
        in_office=stage is not None and stages.reached(stage, "in_office"),
        manage=services.can_manage(_user()),
    )
