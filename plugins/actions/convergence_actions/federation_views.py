"""Federation pages of the actions plugin, under ``/f/<federation>/actions/`` (hook
``federation_federation_blueprints``): the federation's campaigns, and each one's page with
one list of the local events of every participating commune and the registrations counted
per commune. Read-only (the federation scope never writes); 404 where the plugin is on in
no member commune (the core's guard)."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from convergence_actions import federated
from federation import formatting
from federation.errors import ServiceError

bp = Blueprint("actions_federation", __name__, template_folder="templates")


@bp.context_processor
def _context() -> dict:
    return {
        "fbase": f"/f/{g.federation.slug}/actions" if g.get("federation") else "",
        "fmt": formatting,
    }


@bp.route("/")
def campaigns():
    return render_template(
        "actions/f_campaigns.html", campaigns=federated.federation_campaigns(g.federation.id)
    )


@bp.route("/campaigns/<int:row_id>")
def campaign(row_id: int):
    try:
        row = federated.get_federation_campaign(row_id)
    except ServiceError:
        abort(404)
    if row.federation_id != g.federation.id:
        abort(404)
    return render_template(
        "actions/f_campaign.html",
        row=row,
        overview=federated.overview(row),
        hosts=federated.hosts(row),
    )
