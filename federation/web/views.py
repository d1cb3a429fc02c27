"""Public pages: the portal, a commune's home and journal, a federation's home and journal."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from federation import query_args
from federation.db import db
from federation.identity.decorators import login_required_here
from federation.identity.forms import EmptyForm, JoinForm
from federation.identity.notifications import mark_all_read, notifications_of
from federation.identity.services import federation_role_holders
from federation.intercommunal.coordination import federation_indicators
from federation.journal import services as journal
from federation.plugins import Widget
from federation.plugins.services import call_in_commune, manager, verification_methods
from federation.security import safe_next
from federation.tenancy import services as tenancy
from federation.web.page_cache import cached_fragment
from federation.web.templating import my_memberships

bp = Blueprint("web", __name__)
PAGE_SIZE = 60


@bp.route("/")
def portal():
    host_commune = g.get("host_commune")
    if host_commune is not None:
        return redirect(f"/c/{host_commune.slug}/")
    query = request.args.get("q", "")[:100]
    page = query_args.int_arg("page", 1, minimum=1, maximum=query_args.PAGE_MAX)
    communes = tenancy.search_communes(query, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "portal.html",
        federations=tenancy.list_federations(),
        communes=communes[:PAGE_SIZE],
        has_next=len(communes) > PAGE_SIZE,
        page=page,
        query=query,
        total=tenancy.count_communes(),
    )


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code not in ("fr", "en"):
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/c/<commune>/")
def commune_home():
    commune = g.commune
    user = current_user if current_user.is_authenticated else None
    viewer = str(user.id) if user is not None else "anonymous"
    widgets = [
        Widget(title, Markup(html) if safe else html, weight)  # noqa: S704 - as rendered
        for title, html, safe, weight in cached_fragment(
            "widgets", commune.id, viewer, lambda: _widgets(commune, user)
        )
    ]
    membership = None
    if user is not None:  # the header's commune switcher loads them once per request
        membership = next((m for m in my_memberships() if m.commune_id == commune.id), None)
    return render_template(
        "commune/home.html",
        commune=commune,
        widgets=widgets,
        entries=journal.entries(journal.commune_chain(commune.id), limit=5),
        membership=membership,
        federations=tenancy.federations_of(commune.id),
        method=verification_methods().get(commune.verification_method),
    )


def _widgets(commune, user) -> list[tuple[str, str, bool, int]]:
    """The plugins' home page blocks, rendered (title, HTML, whether it is markup, weight):
    what the fragment cache keeps."""
    results = call_in_commune(
        commune.id, "federation_dashboard_widgets", commune=commune, user=user
    )
    found = sorted(
        (w for _p, found in results for w in found or []), key=lambda w: (w.weight, str(w.title))
    )
    return [(str(w.title), str(w.html), isinstance(w.html, Markup), w.weight) for w in found]


@bp.route("/c/<commune>/join", methods=["GET", "POST"])
def join_commune():
    from federation.errors import ServiceError
    from federation.identity import joining

    user = login_required_here()
    commune = g.commune
    methods = verification_methods()
    method = methods.get(commune.verification_method) or methods["approval"]
    form = JoinForm()
    if method.field_label:
        form.verification_value.label.text = str(method.field_label)
    if form.validate_on_submit():
        try:
            member = joining.join(
                commune,
                user,
                methods,
                message=form.message.data or "",
                value=form.verification_value.data or "",
            )
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            if member.is_active:
                flash(_("Bienvenue dans la commune %(c)s !", c=commune.name), "success")
            else:
                flash(
                    _("Votre demande est enregistrée ; vous serez prévenu·e de la suite."), "info"
                )
            return redirect(f"/c/{commune.slug}/")
    return render_template("commune/join.html", commune=commune, form=form, method=method)


def _journal_page(chain: str, template: str, **context):
    before = query_args.int_arg("before", minimum=1)
    entries = journal.entries(chain, limit=50, before_seq=before)
    head = journal.head(chain)
    return render_template(
        template, entries=entries, head=head, chain=chain, total=journal.count(chain), **context
    )


@bp.route("/c/<commune>/journal")
def commune_journal():
    return _journal_page(
        journal.commune_chain(g.commune.id), "journal.html", owner=g.commune, owner_kind="commune"
    )


@bp.route("/f/<federation>/")
def federation_home():
    federation = g.federation
    communes = tenancy.member_communes(federation.id)
    rows = federation_indicators(federation, [c.id for c in communes])  # members read once
    return render_template(
        "federation/home.html",
        federation=federation,
        communes=communes,
        indicator_rows=rows,
        roles=federation_role_holders(federation.id),
        entries=journal.entries(journal.federation_chain(federation.id), limit=5),
        plugin_links=federation_plugin_links(federation, [c.id for c in communes]),
    )


def federation_plugin_links(federation: Any, member_ids: list[int]) -> list[dict[str, Any]]:
    """What the plugins on in a member commune offer at the federation level (hook
    ``federation_federation_navigation_items``, isolated), sorted by weight then label."""
    from flask import url_for
    from werkzeug.routing import BuildError

    from federation.plugins.services import communes_with_plugins

    on = {name for name, ids in communes_with_plugins(member_ids).items() if ids}
    skip = set(manager().switchable) - on
    user = current_user if current_user.is_authenticated else None
    links = []
    for _plugin, found in manager().call_isolated(
        "federation_federation_navigation_items", skip=skip, federation=federation, user=user
    ):
        for item in found or []:
            try:
                url = url_for(item.endpoint, federation=federation.slug, **item.values)
            except BuildError:
                continue
            links.append({"label": item.label, "url": url, "weight": item.weight})
    return sorted(links, key=lambda i: (i["weight"], str(i["label"])))


@bp.route("/f/<federation>/journal")
def federation_journal():
    return _journal_page(
        journal.federation_chain(g.federation.id),
        "journal.html",
        owner=g.federation,
        owner_kind="federation",
    )


@bp.route("/notifications", methods=["GET", "POST"])
def notifications():
    user = login_required_here()
    form = EmptyForm()
    if form.validate_on_submit():
        mark_all_read(user.id)
        db.session.commit()
        return redirect("/notifications")
    return render_template("account/notifications.html", items=notifications_of(user.id), form=form)


def register_core_web(app: Flask) -> None:
    from federation.auth.views import bp as auth_recovery_bp
    from federation.calendar.views import bp as calendar_bp
    from federation.governance.views import bp as governance_bp
    from federation.identity.views import account_bp, auth_bp
    from federation.intercommunal.views import bp as intercommunal_bp
    from federation.roster.views import bp as roster_bp
    from federation.search.views import bp as search_bp
    from federation.web.admin import admin_bp, platform_bp
    from federation.web.home import bp as home_bp

    for blueprint in (
        bp,
        home_bp,
        auth_bp,
        auth_recovery_bp,
        account_bp,
        admin_bp,
        platform_bp,
        governance_bp,
        intercommunal_bp,
        roster_bp,
        search_bp,
        calendar_bp,
    ):
        app.register_blueprint(blueprint)
