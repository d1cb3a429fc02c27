"""Web pages, mounted under ``/c/<commune>/mobility/`` (404 where the plugin is off)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from convergence_mobility import services
from federation.errors import ServiceError
from federation.form_posts import done, posted_form
from federation.identity.decorators import check_permission
from federation.plugins.services import plugin_settings

bp = Blueprint("mobility", __name__, template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
def index():
    """The list, and the form to add an item (``mobility.write``)."""
    errors: dict = {}
    if request.method == "POST":
        user = check_permission("mobility.write")
        try:
            services.add_item(posted_form(), author_id=user.id)
        except ServiceError as exc:
            errors = exc.as_dict()
        else:
            return done(_("Entrée ajoutée."), request.path)
    status = 422 if errors else 200
    return render_template(
        "mobility/index.html",
        items=services.items(),
        settings=plugin_settings(g.commune.id, "mobility"),
        errors=errors,
        values=posted_form() if errors else {},
        signed_in=current_user.is_authenticated,
    ), status
