"""Pages of the basin allocation. Under ``/f/<federation>/water/`` (``basin_bp``): the shared
resources, the basin allocations with one aggregate row per commune and each assembly's
answer, and the basin circle's proposal form. Under ``/c/<commune>/water/`` (routes added
to the plugin's blueprint): the connections a commune links to a shared resource, and each
person's own basin allocation, explained. Thin: logic in :mod:`convergence_water.basin`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from convergence_water import basin, services
from convergence_water.explain import explain, summary
from convergence_water.views import _base, _labels, _page, _steer, _user, bp
from federation import formatting
from federation.db import db
from federation.errors import Forbidden, ServiceError
from federation.form_posts import done as _done
from federation.form_posts import posted_form as _form
from federation.identity.decorators import login_required_here

basin_bp = Blueprint("water_basin", __name__, template_folder="templates")

BASIN_STATUSES = {
    "ratifying": _l("soumise à la ratification des assemblées"),
    "applied": _l("en vigueur"),
    "rejected": _l("non ratifiée"),
    "superseded": _l("remplacée"),
}
BASIN_TRIGGERS = {
    "proposal": _l("proposée par le cercle de l'eau du bassin"),
    "season": _l("recalculée au changement de saison"),
    "level": _l("recalculée au changement du niveau de sécheresse"),
}
RATIFICATION_LABELS = {
    "pending": _l("en attente"),
    "ratified": _l("ratifiée"),
    "rejected": _l("rejetée"),
    "left": _l("a quitté le bassin"),
    "unable": _l("ne peut pas répondre"),
    "unanswered": _l("sans réponse"),
}


def _basin_labels() -> dict[str, Any]:
    return {
        "BASIN_STATUSES": BASIN_STATUSES,
        "BASIN_TRIGGERS": BASIN_TRIGGERS,
        "RATIFICATION_LABELS": RATIFICATION_LABELS,
        "fmt": formatting,
    }


@basin_bp.context_processor
def _context() -> dict[str, Any]:
    labels = _labels()
    labels["fbase"] = f"/f/{g.federation.slug}/water" if g.get("federation") else ""
    return {**labels, **_basin_labels()}


@basin_bp.route("/", methods=["GET", "POST"])
def overview():
    federation = g.federation
    errors: dict = {}
    user = current_user if current_user.is_authenticated else None
    if not basin.basin_commune_ids(federation):
        abort(404)
    if request.method == "POST":
        user = login_required_here()
        form = _form()
        try:
            run = basin.propose(
                federation.id,
                form.get("resource_id"),
                user,
                vital_litres=form.get("vital_litres") or None,
            )
        except Forbidden:
            db.session.rollback()
            abort(403)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(
                _("Allocation proposée : chaque assemblée du bassin la ratifie ou non."),
                f"/f/{federation.slug}/water/runs/{run.id}",
            )
    return render_template(
        "water/f_basin.html",
        federation=federation,
        resources=basin.shared_resources(federation),
        runs=basin.basin_runs(federation),
        names=basin._commune_names(basin.basin_commune_ids(federation)),
        circle=basin.in_basin_circle(user, federation),
        errors=errors,
        values=_form(),
    ), 422 if errors else 200


@basin_bp.route("/runs/<int:run_id>")
def run_page(run_id: int):
    try:
        run = basin.get_basin_run(g.federation, run_id)
    except ServiceError:
        abort(404)
    return render_template(
        "water/f_basin_run.html",
        federation=g.federation,
        run=run,
        rows=basin.commune_rows(run),
    )


@bp.route("/me/basin")
def my_basin():
    user = login_required_here()
    shown = [
        (item, explain(item.part, item.line), summary(item.part, item.line, item.water_user.name))
        for item in basin.mine(user.id)
    ]
    return render_template("water/me_basin.html", shown=shown, **_basin_labels())


@bp.route("/basin-links", methods=["GET", "POST"])
def basin_links():
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        user = _steer()
        form = _form()
        try:
            basin.link(
                form.get("local_resource_id"),
                form.get("federation_id"),
                form.get("shared_resource_id"),
                actor=user,
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Ressource reliée au bassin."), f"{_base()}/basin-links")
    federations = services.federations_here()
    return _page(
        "water/basin_links.html",
        errors,
        links=basin.links_here(),
        resources=services.resources(),
        shared={f.id: basin.shared_resources(f) for f in federations},
        federations=federations,
        steer=services.can_steer(user),
        values=_form(),
        **_basin_labels(),
    )
