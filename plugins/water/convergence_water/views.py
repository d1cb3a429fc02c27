"""Web pages of the water plugin, under ``/c/<commune>/water/``. Thin: logic lives in the
services; a refused input is shown next to its field (422), never a 500."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from convergence_water import balance as balance_service
from convergence_water import decisions, readings, services
from convergence_water.constants import (
    AVAILABLE_SOURCES,
    CATEGORIES,
    CATEGORY_LABELS,
    LEVEL_LABELS,
    LEVEL_SOURCES,
    LEVELS,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    RUN_STATUSES,
    SEASON_LABELS,
    SEASONS,
    USER_KINDS,
)
from convergence_water.explain import explain, summary
from convergence_water.units import fmt_litres, fmt_m3, plain_m3
from federation import csvio
from federation.db import db
from federation.errors import ServiceError
from federation.form_posts import done as _done
from federation.form_posts import posted_form as _form
from federation.governance.proposals import get_proposal
from federation.identity.decorators import check_permission, login_required_here
from federation.identity.models import User

bp = Blueprint("water", __name__, template_folder="templates")
MAX_UPLOAD = 200 * 1024 * 1024


@bp.app_template_filter("water_m3")
def _m3_filter(litres: int | None) -> str:
    return fmt_m3(litres)


@bp.app_template_filter("water_litres")
def _litres_filter(litres: int | None) -> str:
    return fmt_litres(litres)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()


def template_labels() -> dict[str, Any]:
    """Labels the water templates use (the widget renders outside this blueprint)."""
    return {
        "CATEGORIES": CATEGORIES,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "LEVELS": LEVELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        "LEVEL_SOURCES": LEVEL_SOURCES,
        "RESOURCE_KINDS": RESOURCE_KINDS,
        "RESOURCE_STATUSES": RESOURCE_STATUSES,
        "RUN_STATUSES": RUN_STATUSES,
        "USER_KINDS": USER_KINDS,
        "SEASONS": SEASONS,
        "SEASON_LABELS": SEASON_LABELS,
        "AVAILABLE_SOURCES": AVAILABLE_SOURCES,
        "water_base": f"/c/{g.commune.slug}/water" if g.get("commune") else "",
    }


def _base() -> str:
    return f"/c/{g.commune.slug}/water"


def _user() -> Any:
    return current_user if current_user.is_authenticated else None


def _steer() -> Any:
    """The water circle, or ``water.manage``: others are refused (login first)."""
    user = login_required_here()
    if not services.can_steer(user):
        check_permission("water.manage")
    return user


def _page(template: str, errors: dict, **context: Any):
    return render_template(template, errors=errors, **context), 422 if errors else 200


def _needs_from_form(form: dict[str, Any]) -> dict[str, Any]:
    return {c: form.get(f"need_{c}", "") for c in CATEGORIES if f"need_{c}" in form}


# --- overview -----------------------------------------------------------------------------


@bp.route("/")
def index():
    user = _user()
    rows, applied = services.resources_and_applied_runs()
    levels = services.levels_in_force(rows)
    availability = services.available_volumes(rows)
    mine = services.users_of_account(user.id) if user else []
    return render_template(
        "water/index.html",
        resources=rows,
        levels=levels,
        availability=availability,
        applied=applied,
        households=services.household_summary(),
        federations=services.federations_here(),
        mine=mine,
        steer=services.can_steer(user),
        private=services.can_see_private(user),
        circles=services.water_bodies(),
    )


# --- resources ----------------------------------------------------------------------------


@bp.route("/resources", methods=["GET", "POST"])
def resources():
    errors: dict = {}
    if request.method == "POST":
        user = check_permission("water.manage")
        try:
            resource = services.create_resource(_form(), actor=user)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Ressource enregistrée."), f"{_base()}/resources/{resource.id}")
    rows = services.resources()
    return _page(
        "water/resources.html",
        errors,
        resources=rows,
        levels=services.levels_in_force(rows),
        federations=services.federations_here(),
        values=_form() or {"status": "in_service"},
    )


@bp.route("/resources/<int:resource_id>", methods=["GET", "POST"])
def resource(resource_id: int):
    try:
        row = services.get_resource(resource_id)
    except ServiceError:
        abort(404)
    errors: dict = {}
    action = request.form.get("action") if request.method == "POST" else None
    if request.method == "POST":
        if action == "reading":
            user = check_permission("water.readings")
        elif action == "edit":
            user = check_permission("water.manage")
        else:
            abort(400)
        try:
            if action == "edit":
                services.update_resource(row, _form(), actor=user)
                message = _("Ressource mise à jour.")
            else:
                form = _form()
                services.add_resource_reading(
                    row,
                    measured_on=form.get("measured_on"),
                    flow_m3=form.get("flow_m3"),
                    level_cm=form.get("level_cm"),
                    note=form.get("note", ""),
                    actor=user,
                )
                message = _("Relevé enregistré.")
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
            row = services.get_resource(resource_id)
        else:
            return _done(message, f"{_base()}/resources/{row.id}")
    values = {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "status": row.status,
        "federation_id": row.federation_id or "",
        "description": row.description,
        **{f"yield_{s}_m3": plain_m3(row.yield_for(s)) for s in SEASONS},
    }
    if action == "edit":
        values.update(_form())
    user = _user()
    return _page(
        "water/resource.html",
        errors,
        resource=row,
        level=services.levels_in_force([row])[row.id],
        available=services.available_volume(row),
        readings=services.resource_readings(row),
        runs=services.runs(resource_id=row.id, limit=10),
        users_count=len(services.water_users(resource_id=row.id, households=True)),
        federations=services.federations_here(),
        values=values,
        reading_values=_form() if action == "reading" else {},
        action=action,
        steer=services.can_steer(user),
    )


# --- users --------------------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
def users():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = check_permission("water.manage")
        form = _form()
        try:
            row = services.create_water_user({**form, "needs": _needs_from_form(form)}, actor=user)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Usager·e enregistré·e."), f"{_base()}/users/{row.id}")
    private = services.can_see_private(user)
    rows = services.water_users(households=private)
    return _page(
        "water/users.html",
        errors,
        rows=rows,
        private=private,
        summary=services.household_summary(),
        lines=services.current_lines([r.id for r in rows]),
        resources=services.resources(),
        values=_form() or {"kind": "household"},
        manage=user is not None and services.can_steer(user),
    )


def _visible_user(user_id: int, details: bool = False):
    try:
        row = services.get_water_user(user_id)
    except ServiceError:
        abort(404)
    user = _user()
    own = user is not None and row.account_id == user.id
    if (row.kind == "household" or details) and not own and not services.can_see_private(user):
        if user is None:
            login_required_here()
        abort(403)
    return row, own


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def water_user(user_id: int):
    row, own = _visible_user(user_id)
    user = _user()
    errors: dict = {}
    action = request.form.get("action") if request.method == "POST" else None
    if request.method == "POST":
        if action == "edit":
            user = check_permission("water.manage")
        elif action == "reading":
            user = login_required_here()
            if not own:
                user = check_permission("water.readings")
        else:
            abort(400)
        form = _form()
        try:
            if action == "edit":
                services.update_water_user(
                    row, {**form, "needs": _needs_from_form(form)}, actor=user
                )
                message = _("Usager·e mis·e à jour.")
            else:
                readings.add_reading(row, form.get("read_on"), form.get("index_m3"))
                message = _("Relevé enregistré.")
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
            row = services.get_water_user(user_id)
        else:
            return _done(message, f"{_base()}/users/{row.id}")
    detailed = own or services.can_see_private(user)
    meter_readings = readings.readings_of(row) if detailed else []
    found = services.current_lines([row.id]).get(row.id)
    values = {
        k: getattr(row, k)
        for k in (
            "kind",
            "name",
            "address",
            "people",
            "crops",
            "livestock",
            "activity",
            "resource_id",
            "meter_code",
        )
    }
    values.update({f"need_{c}": v for c, v in zip(CATEGORIES, row.needs(), strict=True)})
    values["meter_code"] = values["meter_code"] or ""
    if detailed and row.account_id:
        account = db.session.get(User, row.account_id)
        values["account_email"] = account.email if account else ""
    if action == "edit":
        values.update(_form())
    return _page(
        "water/user.html",
        errors,
        row=row,
        own=own,
        detailed=detailed,
        resource=services.get_resource(row.resource_id),
        resources=services.resources(),
        meter_readings=meter_readings,
        series=readings.consumption_series(meter_readings),
        found=found,
        explained=explain(*found) if found else [],
        values=values,
        reading_values=_form() if action == "reading" else {},
        manage=user is not None and services.can_steer(user),
        may_read=own or (user is not None and services.can_see_private(user)),
    )


@bp.route("/me", methods=["GET", "POST"])
def me():
    user = login_required_here()
    own = services.users_of_account(user.id)
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        target = next((u for u in own if str(u.id) == str(form.get("water_user_id"))), None)
        if target is None:
            abort(404)
        try:
            readings.add_reading(target, form.get("read_on"), form.get("index_m3"))
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
            own = services.users_of_account(user.id)
        else:
            return _done(_("Relevé enregistré."), f"{_base()}/me")
    lines = services.current_lines([u.id for u in own])
    entries = []
    for row in own:
        found = lines.get(row.id)
        meter_readings = readings.readings_of(row, limit=24)
        entries.append(
            {
                "user": row,
                "found": found,
                "resource": services.get_resource(row.resource_id),
                "explanation": explain(*found) if found else [],
                "summary": summary(found[0], found[1], services.get_resource(row.resource_id).name)
                if found
                else "",
                "series": readings.consumption_series(meter_readings),
            }
        )
    return _page("water/me.html", errors, entries=entries, values=_form())


# --- readings import ----------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_readings():
    user = check_permission("water.readings")
    errors: dict = {}
    report = None
    if request.method == "POST":
        upload = request.files.get("file")
        partial = "partial" in request.form
        if upload is None or not upload.filename:
            errors = {"file": [_("Choisissez un fichier CSV.")]}
        else:
            try:
                text = csvio.read_source(upload.stream)  # any usual encoding, or an error
                report = readings.import_csv(io.StringIO(text, newline=None), partial=partial)
            except ServiceError as exc:
                db.session.rollback()
                errors = exc.as_dict()
            else:
                db.session.commit()
                flash(
                    _("%(n)d relevé(s) enregistré(s).", n=report.stored),
                    "success",
                )
    del user
    return _page("water/import.html", errors, report=report, values=_form())


@bp.route("/alerts")
def alerts():
    user = login_required_here()
    if not services.can_see_private(user):
        check_permission("water.households")
    rows = readings.alerts()
    names = {u.id: u for u in services.water_users()}
    return render_template("water/alerts.html", rows=rows, names=names)


# --- levels, rules ------------------------------------------------------------------------


@bp.route("/levels", methods=["GET", "POST"])
def levels():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        action = form.get("action")
        if action == "direct":
            user = check_permission("water.manage")
        elif action == "propose":
            user = _steer()
            check_permission("core.participate")
        else:
            abort(400)
        try:
            if action == "direct":
                services.declare_level(
                    {**form, "note": form.get("text", "")}, source="manual", actor=user
                )
                return _done(_("Niveau de sécheresse enregistré."), f"{_base()}/levels")
            proposal = decisions.propose(
                {k: form.get(k) for k in ("level", "resource_id", "basin")},
                user,
                body_id=form.get("body_id"),
                title=form.get("title", ""),
                text=form.get("text", ""),
                open_vote="open_vote" in form,
            )
            return _done(
                _("Proposition soumise au cercle de l'eau."),
                f"/c/{g.commune.slug}/proposals/{proposal.id}",
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
    rows = services.resources()
    return _page(
        "water/levels.html",
        errors,
        resources=rows,
        in_force=services.levels_in_force(rows),
        history=services.level_history(),
        federations=services.federations_here(),
        bodies=decisions.deciding_bodies(),
        values=_form() or {"level": "alerte"},
        steer=services.can_steer(user),
    )


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _steer()
        form = _form()
        action = form.get("action")
        try:
            if action == "rule":
                services.set_rule(
                    form.get("level"),
                    form.get("category"),
                    reduction_pct=form.get("reduction_pct"),
                    forbidden=form.get("forbidden"),
                    hours=form.get("hours", ""),
                    actor=user,
                )
            elif action == "policy":
                services.set_policy(
                    priority=[form.get(f"priority_{i}", "") for i in range(len(CATEGORIES))],
                    vital_litres=form.get("vital_litres"),
                    actor=user,
                )
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Règles mises à jour."), f"{_base()}/rules")
    return _page(
        "water/rules.html",
        errors,
        table=services.effective_rules(),
        priority=services.priority_order(),
        vital_litres=int(services.settings().get("vital_litres", 50)),
        values=_form(),
        steer=services.can_steer(user),
    )


# --- allocations --------------------------------------------------------------------------


@bp.route("/allocations", methods=["GET", "POST"])
def allocations():
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        user = _steer()
        form = _form()
        try:
            resource = services.get_resource(form.get("resource_id"))
            run = services.compute_run(
                resource, trigger="manual", actor=user, available_m3=form.get("available_m3")
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(_("Allocation calculée."), f"{_base()}/allocations/{run.id}")
    rows = services.resources()
    return _page(
        "water/allocations.html",
        errors,
        runs=services.runs(),
        resources={r.id: r for r in rows},
        values=_form(),
        steer=services.can_steer(user),
    )


@bp.route("/allocations/<int:run_id>", methods=["GET", "POST"])
def allocation(run_id: int):
    try:
        run = services.get_run(run_id)
    except ServiceError:
        abort(404)
    user = _user()
    errors: dict = {}
    if request.method == "POST":
        form = _form()
        action = form.get("action")
        if action == "apply":
            user = check_permission("water.manage")
        elif action in ("propose", "attach"):
            user = _steer()
            check_permission("core.participate")
        else:
            abort(400)
        try:
            if action == "apply":
                if not services.settings().get("apply_without_vote"):
                    raise ServiceError(
                        _("Cette commune met les allocations au vote du cercle de l'eau."),
                        field="action",
                    )
                services.apply_run(run, actor=user)
                return _done(_("Allocation en vigueur."), f"{_base()}/allocations/{run.id}")
            if action == "propose":
                proposal = decisions.propose(
                    {"allocation_id": run.id},
                    user,
                    body_id=form.get("body_id"),
                    title=form.get("title", ""),
                    text=form.get("text", ""),
                    open_vote="open_vote" in form,
                )
            else:
                proposal = get_proposal(form.get("proposal_id") or 0)
                if proposal.author_id != user.id:
                    check_permission("gov.facilitate")
                decisions.attach(proposal, {"allocation_id": run.id})
            return _done(
                _("Allocation soumise au vote du cercle de l'eau."),
                f"/c/{g.commune.slug}/proposals/{proposal.id}",
            )
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
            run = services.get_run(run_id)
    private = services.can_see_private(user)
    people = {u.id: u for u in services.water_users(resource_id=run.resource_id)}
    shown = []
    hidden = 0
    for line in services.lines_of(run):
        person = people.get(line.water_user_id)
        if person is None:
            continue
        if person.kind == "household" and not private:
            hidden += 1
            continue
        shown.append((person, line, explain(run, line)))
    return _page(
        "water/allocation.html",
        errors,
        run=run,
        resource=services.get_resource(run.resource_id),
        totals=services.run_category_totals(run),
        shown=shown,
        hidden=hidden,
        private=private,
        steer=services.can_steer(user),
        bodies=decisions.deciding_bodies(),
        open_proposals=decisions.open_proposals(),
        apply_without_vote=bool(services.settings().get("apply_without_vote")),
        values=_form(),
    )


# --- basin balance --------------------------------------------------------------------------


@bp.route("/basin/<int:federation_id>")
def basin(federation_id: int):
    federation = next((f for f in services.federations_here() if f.id == federation_id), None)
    if federation is None:
        abort(404)
    result = balance_service.basin_balance(
        federation, balance_service.communes_with_water(federation.id)
    )
    return render_template("water/basin.html", federation=federation, balance=result)
