"""Search pages: a commune's (``/c/<commune>/search``) and a federation's
(``/f/<federation>/search``, member communes, public objects only). Thin: see services."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_login import current_user

from federation import formatting, query_args
from federation.search import services

bp = Blueprint("search", __name__, template_folder="templates")
MAX_QUERY = 200


def _page() -> int:
    return query_args.int_arg("page", 1, minimum=1, maximum=query_args.PAGE_MAX)


def member_may_see_private() -> bool:
    """The commune's members (who may take part) also find its non-public objects."""
    if not current_user.is_authenticated or g.get("commune") is None:
        return False
    from federation.identity.services import has_permission

    return has_permission(current_user, "core.participate", g.commune.id)


@bp.route("/c/<commune>/search")
def commune_search():
    query = request.args.get("q", "")[:MAX_QUERY]
    found = services.search(query, page=_page(), include_private=member_may_see_private())
    return render_template(
        "search/search.html",
        found=found,
        query=query,
        action=f"/c/{g.commune.slug}/search",
        fmt=formatting,
    )


@bp.route("/f/<federation>/search")
def federation_search():
    query = request.args.get("q", "")[:MAX_QUERY]
    found = services.search(query, page=_page())
    return render_template(
        "search/search.html",
        found=found,
        query=query,
        action=f"/f/{g.federation.slug}/search",
        across=True,
        fmt=formatting,
    )
