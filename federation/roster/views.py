"""Roster pages of a commune: the shifts, a shift with its sign-up buttons and attendance,
creating a shift or a series, my shifts and duty ledger, the duty page, calendar feeds.
Thin: the logic is in the services next door."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request
from flask_babel import format_date, format_datetime, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from federation.db import db, utcnow
from federation.errors import ServiceError, ValidationFailed
from federation.form_posts import done as _done
from federation.form_posts import posted_form as _form
from federation.form_posts import refused as _refused
from federation.identity.decorators import check_permission, login_required_here
from federation.identity.services import has_permission
from federation.roster import duty as duties
from federation.roster import feeds, labels, services
from federation.roster.models import ATTENDANCE, EXEMPTION_KINDS, EXEMPTION_REASONS

bp = Blueprint("roster", __name__, url_prefix="/c/<commune>/roster", template_folder="templates")
labels.register(bp)
MAX_FORM_ROLES = 5
WEEKDAYS = (
    _l("lundi"),
    _l("mardi"),
    _l("mercredi"),
    _l("jeudi"),
    _l("vendredi"),
    _l("samedi"),
    _l("dimanche"),
)


@bp.app_template_filter("roster_when")
def _roster_when(value: datetime) -> str:
    return format_datetime(services.aware(value), "medium")


@bp.app_template_filter("roster_time")
def _roster_time(value: datetime) -> str:
    return format_time(services.aware(value), "short")


@bp.app_template_filter("roster_day")
def _roster_day(value: date) -> str:
    return format_date(value, "medium")


def _base() -> str:
    return f"/c/{g.commune.slug}/roster"


def _dt(value: str | None, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        raise ValidationFailed(_("Date et heure invalides."), field=field) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _int(value: str | None, field: str, default: int | None = None) -> int:
    if not value and default is not None:
        return default
    try:
        return int(value or "")
    except ValueError:
        raise ValidationFailed(_("Nombre invalide."), field=field) from None


def _body_or_none(slug: str | None):
    if not slug:
        return None
    from federation.governance.bodies import get_body

    return get_body(slug)


# --- shifts --------------------------------------------------------------------------------


@bp.route("/")
def index():
    from federation.governance.bodies import bodies

    circles = {b.id: b for b in bodies()}
    slug = request.args.get("circle", "")[:64]
    body = next((b for b in circles.values() if b.slug == slug), None)
    found = services.shifts(after=utcnow(), body=body.id if body else None)
    return render_template(
        "roster/index.html",
        shifts=found,
        taken=services.filled(found),
        circles=circles,
        circle=body,
    )


@bp.route("/shifts/<int:shift_id>")
def shift_page(shift_id: int):
    try:
        shift = services.get_shift(shift_id)
    except ServiceError:
        abort(404)
    user = current_user if current_user.is_authenticated else None
    manager = bool(user and has_permission(user, "roster.manage", g.commune.id))
    member = bool(user and has_permission(user, "core.participate", g.commune.id))
    everyone = services.signups(shift) if user is not None else []
    people = everyone if (manager or member) else []
    mine = next((s for s in everyone if user is not None and s.user_id == user.id), None)
    credit_options: list[Any] = []
    if user is not None and mine is None and shift.status == "open":
        from federation.tenancy.models import Commune

        credit_options = [db.session.get(Commune, i) for i in services.credit_communes(user.id)]
    return render_template(
        "roster/shift.html",
        shift=shift,
        taken=services.filled([shift]),
        people=people,
        mine=mine,
        manager=manager,
        credit_options=credit_options,
        source=services.source_link(shift),
        marks=ATTENDANCE,
        started=services.aware(shift.starts_at) <= utcnow(),
        open_for_signup=shift.status == "open"
        and utcnow() <= services.aware(shift.signup_deadline),
    )


@bp.route("/shifts/<int:shift_id>/signup", methods=["POST"])
def signup(shift_id: int):
    user = login_required_here()
    target = f"{_base()}/shifts/{shift_id}"
    form = _form()
    try:
        shift = services.get_shift(shift_id)
        services.check_may_sign_up(shift, user)
        services.sign_up(
            shift,
            _int(form.get("role_id"), "role_id"),
            user,
            credit_commune_id=_int(form.get("credit_commune_id"), "credit_commune_id", 0) or None,
        )
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_("Vous êtes inscrit·e. Merci !"), target)


@bp.route("/signups/<int:signup_id>/cancel", methods=["POST"])
def cancel_signup(signup_id: int):
    user = login_required_here()
    try:
        found = services.get_signup(signup_id)
    except ServiceError:
        abort(404)
    target = f"{_base()}/shifts/{found.shift_id}"
    force = found.user_id != user.id
    if force:
        check_permission("roster.manage")
    try:
        services.cancel(found, by=user, force=force)
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_("Inscription annulée."), target)


@bp.route("/shifts/<int:shift_id>/attendance", methods=["POST"])
def attendance(shift_id: int):
    actor = check_permission("roster.manage")
    target = f"{_base()}/shifts/{shift_id}"
    try:
        shift = services.get_shift(shift_id)
        marks: dict[int, str | None] = {}
        for key, value in _form().items():
            if key.startswith("mark_"):
                marks[_int(key[5:], "marks")] = value or None
        services.record_attendance(shift, marks, actor)
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_("Présences enregistrées."), target)


@bp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
def cancel_shift(shift_id: int):
    actor = check_permission("roster.manage")
    target = f"{_base()}/shifts/{shift_id}"
    try:
        services.cancel_shift(services.get_shift(shift_id), actor)
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(_("Créneau annulé ; les personnes inscrites sont prévenues."), target)


def _roles_from_form(form: dict[str, Any]) -> list[dict[str, Any]]:
    roles = []
    for i in range(1, MAX_FORM_ROLES + 1):
        name = (form.get(f"role_name_{i}") or "").strip()
        if not name:
            continue
        roles.append(
            {
                "name": name,
                "needed": _int(form.get(f"role_needed_{i}"), "roles"),
                "skill": form.get(f"role_skill_{i}", ""),
            }
        )
    return roles


def _rule_from_form(form: dict[str, Any]) -> dict[str, Any]:
    """The series form's repeat rule: every N weeks on chosen weekdays, or every N months
    on the first shift's day of the month (the service checks it)."""
    freq = form.get("freq") or "weekly"
    rule: dict[str, Any] = {"freq": freq, "interval": _int(form.get("interval"), "rule", 1)}
    if freq == "weekly":
        rule["byweekday"] = [d for d in range(7) if form.get(f"weekday_{d}")]
    return rule


@bp.route("/new", methods=["GET", "POST"])
def new_shift():
    actor = check_permission("roster.manage")
    from federation.governance.bodies import bodies

    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = _form()
        try:
            starts_at = _dt(form.get("starts_at"), "starts_at")
            minutes = _int(form.get("duration_minutes"), "duration_minutes")
            roles = _roles_from_form(form)
            common = {
                "place": form.get("place", ""),
                "tasks": form.get("tasks", ""),
                "body": _body_or_none(form.get("body")),
            }
            if form.get("repeat"):
                series = services.create_series(
                    form.get("title", ""),
                    starts_at,
                    minutes,
                    roles,
                    rule=_rule_from_form(form),
                    weeks_ahead=_int(form.get("weeks_ahead"), "weeks_ahead", 4),
                    until=_dt(form.get("until") + "T00:00", "until").date()
                    if form.get("until")
                    else None,
                    actor=actor,
                    **common,
                )
                target = f"{_base()}/?circle={form.get('body', '')}"
                message = _(
                    "Série ouverte : %(n)d créneaux créés.",
                    n=len(services.shifts_of_series(series)),
                )
            else:
                if not 1 <= minutes <= 7 * 24 * 60:
                    raise ValidationFailed(
                        _("Durée : d'une minute à une semaine."), field="duration_minutes"
                    )
                shift = services.create_shift(
                    form.get("title", ""),
                    starts_at,
                    starts_at + timedelta(minutes=minutes),
                    roles,
                    actor=actor,
                    **common,
                )
                target = f"{_base()}/shifts/{shift.id}"
                message = _("Créneau ouvert.")
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.as_dict()
        else:
            return _done(message, target)
    return render_template(
        "roster/new.html",
        circles=bodies(),
        errors=errors,
        values=_form(),
        role_rows=range(1, MAX_FORM_ROLES + 1),
        weekdays=WEEKDAYS,
    ), 422 if errors else 200


# --- my shifts, my duty, my feed ---------------------------------------------------------


@bp.route("/mine")
def mine():
    user = login_required_here()
    statuses = duties.duty_status(user.id)
    ledgers = {s.duty_id: duties.entries(duties.get_duty(s.duty_id), user.id) for s in statuses}
    token = feeds.feed_token(user.id)
    return render_template(
        "roster/mine.html",
        items=services.my_signups(user.id, after=utcnow() - timedelta(days=1)),
        statuses=statuses,
        ledgers=ledgers,
        feed_url=f"{request.host_url.rstrip('/')}{_base()}/feed/{token}.ics" if token else "",
    )


@bp.route("/feed", methods=["POST"])
def feed_action():
    user = login_required_here()
    if not services.credit_communes(user.id):
        abort(403)  # a feed of this commune's shifts: its members and federated helpers only
    if request.form.get("action") == "revoke":
        feeds.revoke_feed(user.id)
        return _done(_("Le lien de votre agenda est révoqué."), f"{_base()}/mine")
    feeds.renew_feed(user.id)
    return _done(_("Nouveau lien d'agenda créé ; l'ancien ne fonctionne plus."), f"{_base()}/mine")


def _ics(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
    )


@bp.route("/feed/<token>.ics")
def person_feed(token: str):
    user_id = feeds.user_for_feed(token[:80])
    if user_id is None:
        abort(404)
    return _ics(
        feeds.calendar(
            _("Mes créneaux — %(c)s", c=g.commune.name),
            feeds.person_shifts(user_id),
            request.host.split(":")[0],
        ),
        "roster",
    )


@bp.route("/circles/<slug>.ics")
def circle_feed(slug: str):
    try:
        body = _body_or_none(slug)
    except ServiceError:
        abort(404)
    return _ics(
        feeds.calendar(
            _("Créneaux — %(b)s", b=body.name),
            feeds.circle_shifts(body.id),
            request.host.split(":")[0],
        ),
        body.slug,
    )


# --- duty ----------------------------------------------------------------------------------


@bp.route("/duty", methods=["GET"])
def duty_page():
    check_permission("roster.duty")
    from federation.governance.bodies import bodies
    from federation.identity.models import User

    active = duties.active_duties()
    table = {d.id: duties.statuses(d) for d in active}
    ids = {uid for rows in table.values() for uid in rows}
    people = {u.id: u for u in db.session.query(User).filter(User.id.in_(ids)).all()} if ids else {}
    return render_template(
        "roster/duty.html",
        duties=active,
        table=table,
        people=people,
        circles={b.id: b for b in bodies()},
        settings=services.settings(),
        kinds=EXEMPTION_KINDS,
        reasons=EXEMPTION_REASONS,
    )


@bp.route("/duty", methods=["POST"])
def duty_action():
    actor = check_permission("roster.duty")
    form = _form()
    target = f"{_base()}/duty"
    action = form.get("action", "")
    try:
        if action == "set":
            duties.set_duty(
                body=_body_or_none(form.get("body")),
                shifts_per_cycle=_int(form.get("shifts_per_cycle"), "shifts_per_cycle", 1),
                cycle_weeks=_int(form.get("cycle_weeks"), "cycle_weeks", 4),
                starts_on=_dt(form.get("starts_on") + "T00:00", "starts_on").date()
                if form.get("starts_on")
                else None,
                alert_after=_int(form.get("alert_after"), "alert_after", 1),
                suspend_after=_int(form.get("suspend_after"), "suspend_after", 2),
                actor=actor,
            )
            message = _("Tour de rôle fixé.")
        elif action == "exemption":
            duty = duties.get_duty(_int(form.get("duty_id"), "duty_id"))
            starts = _dt((form.get("starts_on") or "") + "T00:00", "starts_on").date()
            ends = (
                _dt(form.get("ends_on") + "T00:00", "ends_on").date()
                if form.get("ends_on")
                else None
            )
            duties.grant_exemption(
                duty,
                _int(form.get("user_id"), "user_id"),
                form.get("kind", ""),
                starts,
                ends,
                reason=form.get("reason", "other"),
                actor=actor,
            )
            message = _("Dispense ou congé enregistré.")
        elif action == "settings":
            services.update_settings(
                federated_credit="federated_credit" in form,
                remind_hours_before=_int(
                    form.get("remind_hours_before"), "remind_hours_before", 24
                ),
                actor=actor,
            )
            message = _("Réglages enregistrés.")
        else:
            abort(400)
    except ServiceError as exc:
        return _refused(exc, target)
    return _done(message, target)
