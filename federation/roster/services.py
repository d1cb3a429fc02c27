"""Shifts, series, sign-ups, attendance and reminders: the roster's one path for every
state change (pages, API, CLI and plugins all call these). Each function works in the
current commune's scope and leaves the commit to its caller; a state change writes its
journal entry (no personal data) and emits its domain event in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.identity.models import User
from federation.identity.notices import tell
from federation.journal.services import record
from federation.plugins.events import emit
from federation.roster.models import (
    ATTENDANCE,
    MemberSkill,
    RosterSeries,
    RosterSettings,
    Shift,
    ShiftRole,
    Signup,
)
from federation.roster.texts import journal_title
from federation.tenancy.context import commune_scope, session

log = logging.getLogger(__name__)

MAX_ROLES = 20
MAX_NEEDED = 500
MAX_WEEKS_AHEAD = 52
MAX_SHIFT_HOURS = 24 * 7
FREQUENCIES = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class RoleSpec:
    """A role of a shift: its name, how many people it needs, what it requires."""

    name: str
    needed: int
    skill: str = ""
    role: str = ""


# --- helpers --------------------------------------------------------------------------------


def aware(value: datetime) -> datetime:
    """Datetimes are UTC; SQLite gives them back naive."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def current_commune_id() -> int:
    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("the roster's services work in one commune's scope")
    return scope.commune_id


def _role_specs(roles: Iterable[RoleSpec | Mapping[str, Any]]) -> list[RoleSpec]:
    specs: list[RoleSpec] = []
    for raw in roles:
        if isinstance(raw, RoleSpec):
            spec = raw
        else:
            try:
                needed = int(raw.get("needed", 0))
            except (TypeError, ValueError):
                raise ValidationFailed(_("Nombre de personnes invalide."), field="roles") from None
            spec = RoleSpec(
                str(raw.get("name", "")).strip(),
                needed,
                str(raw.get("skill", raw.get("required_skill", "")) or "").strip(),
                str(raw.get("role", raw.get("required_role", "")) or "").strip(),
            )
        if not spec.name or len(spec.name) > 80:
            raise ValidationFailed(
                _("Chaque rôle a un nom (80 caractères au plus)."), field="roles"
            )
        if not 1 <= spec.needed <= MAX_NEEDED:
            raise ValidationFailed(
                _("Un rôle demande de 1 à %(n)d personnes.", n=MAX_NEEDED), field="roles"
            )
        if len(spec.skill) > 80 or len(spec.role) > 40:
            raise ValidationFailed(_("Compétence ou rôle requis trop long."), field="roles")
        specs.append(spec)
    if not specs:
        raise ValidationFailed(_("Indiquez au moins un rôle."), field="roles")
    if len(specs) > MAX_ROLES:
        raise ValidationFailed(_("%(n)d rôles au plus par créneau.", n=MAX_ROLES), field="roles")
    if len({s.name.casefold() for s in specs}) != len(specs):
        raise ValidationFailed(_("Deux rôles portent le même nom."), field="roles")
    return specs


def _check_text(title: str, place: str, tasks: str) -> tuple[str, str, str]:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            _("Le titre est obligatoire (200 caractères au plus)."), field="title"
        )
    if len(place or "") > 300:
        raise ValidationFailed(_("Lieu trop long (300 caractères au plus)."), field="place")
    if len(tasks or "") > 10000:
        raise ValidationFailed(_("Tâches trop longues."), field="tasks")
    return title, (place or "").strip(), (tasks or "").strip()


def _titled(
    title: str, kind: str, params: Mapping[str, Any] | None
) -> tuple[str, str, dict[str, Any]]:
    """A title kind (a text kind, federation.roster.texts) and its parameters, with the
    French rendering stored as the fallback title; or the typed title alone."""
    from federation.roster.texts import french_title

    if not kind:
        return title, "", {}
    clean = {str(k)[:40]: str(v)[:200] for k, v in dict(params or {}).items()}
    rendered = french_title(kind, clean)
    if rendered is None:
        raise ValidationFailed(_("Type de titre inconnu : %(k)s", k=kind[:60]), field="title")
    if not rendered:
        raise ValidationFailed(_("Paramètres du titre invalides."), field="title")
    return (title or rendered)[:200], kind, clean


def _check_source(kind: str, ref: str) -> tuple[str, str]:
    kind, ref = (kind or "").strip(), str(ref or "").strip()
    if len(kind) > 40 or len(ref) > 64 or (ref and not kind):
        raise ValidationFailed(_("Source invalide."), field="source_kind")
    return kind, ref


def _body_id(body: Any) -> int | None:
    if body is None:
        return None
    from federation.governance.models import Body

    body_id = body if isinstance(body, int) else body.id
    if db.session.get(Body, body_id) is None:
        raise NotFound(_("Cercle introuvable."), field="body")
    return body_id


def settings() -> RosterSettings:
    """The current commune's settings (defaults when never changed; not added on read)."""
    row = db.session.scalar(select(RosterSettings))
    return row or RosterSettings(federated_credit=False, remind_hours_before=24)


def update_settings(
    *, federated_credit: bool | None = None, remind_hours_before: int | None = None, actor=None
) -> RosterSettings:
    row = db.session.scalar(select(RosterSettings))
    if row is None:
        row = RosterSettings(federated_credit=False, remind_hours_before=24)
        db.session.add(row)
    if remind_hours_before is not None:
        if not 0 <= int(remind_hours_before) <= 24 * 14:
            raise ValidationFailed(
                _("Rappel : de 0 à 336 heures avant."), field="remind_hours_before"
            )
        row.remind_hours_before = int(remind_hours_before)
    if federated_credit is not None:
        row.federated_credit = bool(federated_credit)
    db.session.flush()
    record(
        "roster.settings",
        payload={
            "federated_credit": row.federated_credit,
            "remind_hours_before": row.remind_hours_before,
        },
        commune_id=row.commune_id,
        actor=actor.display_name if actor else "",
    )
    emit(
        "roster.settings_changed",
        {"federated_credit": row.federated_credit},
        commune_id=row.commune_id,
    )
    return row


# --- shifts ---------------------------------------------------------------------------------


def create_shift(
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    roles: Iterable[RoleSpec | Mapping[str, Any]],
    *,
    place: str = "",
    tasks: str = "",
    body: Any = None,
    source_kind: str = "",
    source_ref: str = "",
    signup_deadline: datetime | None = None,
    cancel_deadline: datetime | None = None,
    actor: User | None = None,
    series: RosterSeries | None = None,
    journal: bool = True,
    title_kind: str = "",
    title_params: Mapping[str, Any] | None = None,
) -> Shift:
    """Create a shift in the current commune.

    ``roles``: :class:`RoleSpec` objects or dicts ``{"name", "needed", "skill", "role"}``.
    ``body``: the organising circle (a governance ``Body`` or its id). ``source_kind`` /
    ``source_ref``: the plugin object it belongs to (``"food.distribution"``, ``"42"``).
    Deadlines default to the start (sign-up) and 24 hours before it (cancelling).
    ``title_kind`` / ``title_params``: a title stored as data, rendered in the reader's
    language (a text kind, :mod:`federation.roster.texts`); ``title`` may then be empty.
    """
    title, title_kind, params = _titled(title, title_kind, title_params)
    title, place, tasks = _check_text(title, place, tasks)
    source_kind, source_ref = _check_source(source_kind, source_ref)
    specs = _role_specs(roles)
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise ValidationFailed(_("Date et heure invalides."), field="starts_at")
    starts_at, ends_at = aware(starts_at), aware(ends_at)
    if ends_at <= starts_at:
        raise ValidationFailed(_("La fin doit suivre le début."), field="ends_at")
    if ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        raise ValidationFailed(_("Un créneau dure une semaine au plus."), field="ends_at")
    signup_deadline = aware(signup_deadline) if signup_deadline else starts_at
    cancel_deadline = aware(cancel_deadline) if cancel_deadline else starts_at - timedelta(hours=24)
    if signup_deadline > ends_at:
        raise ValidationFailed(
            _("Les inscriptions ferment avant la fin du créneau."), field="signup_deadline"
        )
    if cancel_deadline > starts_at:
        raise ValidationFailed(
            _("Les désistements ferment au plus tard au début du créneau."),
            field="cancel_deadline",
        )
    shift = Shift(
        title=title,
        title_kind=title_kind,
        title_params=params,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        tasks=tasks,
        body_id=_body_id(body),
        source_kind=source_kind,
        source_ref=source_ref,
        signup_deadline=signup_deadline,
        cancel_deadline=cancel_deadline,
        series_id=series.id if series is not None else None,
        created_by_id=actor.id if actor else None,
        status="open",
    )
    db.session.add(shift)
    db.session.flush()
    for position, spec in enumerate(specs):
        db.session.add(
            ShiftRole(
                shift_id=shift.id,
                position=position,
                name=spec.name,
                needed=spec.needed,
                required_skill=spec.skill,
                required_role=spec.role,
            )
        )
    db.session.flush()
    db.session.refresh(shift, ["roles"])
    if journal:
        record(
            "roster.shift_created",
            payload={
                "shift": shift.id,
                **journal_title(shift),
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "place": place,
                "roles": [{"name": s.name, "needed": s.needed} for s in specs],
                "source": [source_kind, source_ref] if source_kind else None,
            },
            commune_id=shift.commune_id,
            actor=actor.display_name if actor else "",
        )
    emit("roster.shift_created", _shift_payload(shift), commune_id=shift.commune_id)
    return shift


def _shift_payload(shift: Shift) -> dict[str, Any]:
    return {
        "shift_id": shift.id,
        "source_kind": shift.source_kind,
        "source_ref": shift.source_ref,
        "body_id": shift.body_id,
        "series_id": shift.series_id,
    }


def get_shift(shift_id: int) -> Shift:
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise NotFound(_("Créneau introuvable."), field="shift")
    return shift


def get_role(shift: Shift, role_id: int) -> ShiftRole:
    for role in shift.roles:
        if role.id == role_id:
            return role
    raise NotFound(_("Rôle introuvable."), field="role")


def shifts(
    *,
    after: datetime | None = None,
    before: datetime | None = None,
    body: Any = None,
    include_cancelled: bool = False,
    limit: int = 200,
) -> list[Shift]:
    """Shifts of the current commune, soonest first (roles loaded in one more query)."""
    query = select(Shift).order_by(Shift.starts_at, Shift.id)
    if after is not None:
        query = query.where(Shift.ends_at >= aware(after))
    if before is not None:
        query = query.where(Shift.starts_at < aware(before))
    if body is not None:
        query = query.where(Shift.body_id == (body if isinstance(body, int) else body.id))
    if not include_cancelled:
        query = query.where(Shift.status == "open")
    return list(db.session.scalars(query.limit(limit)))


def shifts_for(source_kind: str, source_ref: str | int | None = None) -> list[Shift]:
    """The shifts a plugin attached to one of its objects (or to a kind of object)."""
    query = select(Shift).where(Shift.source_kind == source_kind)
    if source_ref is not None:
        query = query.where(Shift.source_ref == str(source_ref))
    return list(db.session.scalars(query.order_by(Shift.starts_at, Shift.id)))


def filled(shift_list: Iterable[Shift]) -> dict[int, int]:
    """Active sign-ups per role id, for many shifts in one grouped query."""
    ids = [s.id for s in shift_list]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Signup.role_id, func.count(Signup.id))
        .where(Signup.shift_id.in_(ids), Signup.status == "active")
        .group_by(Signup.role_id)
    ).all()
    return dict(rows)  # type: ignore[arg-type]


def signups(shift: Shift, *, include_cancelled: bool = False) -> list[Signup]:
    query = select(Signup).where(Signup.shift_id == shift.id)
    if not include_cancelled:
        query = query.where(Signup.status == "active")
    return list(db.session.scalars(query.order_by(Signup.signed_up_at, Signup.id)))


def my_signups(user_id: int, *, after: datetime | None = None) -> list[tuple[Signup, Shift]]:
    """A person's active sign-ups in the current commune with their shifts (one query)."""
    query = (
        select(Signup, Shift)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Signup.user_id == user_id, Signup.status == "active")
        .order_by(Shift.starts_at)
    )
    if after is not None:
        query = query.where(Shift.ends_at >= aware(after))
    return [(row[0], row[1]) for row in db.session.execute(query).all()]


def cancel_shift(shift: Shift, actor: User | None = None) -> None:
    """Cancel a whole shift: its people are told (in the app, and by e-mail as each one's
    preference says)."""
    if shift.status != "open":
        raise Conflict(_("Ce créneau est déjà annulé."), field="shift")
    lock_row(Shift, shift.id)
    db.session.refresh(shift)
    shift.status = "cancelled"
    people = signups(shift)
    db.session.flush()
    tell(
        [signup.user_id for signup in people],
        "roster.shift_cancelled_notice",
        {**journal_title(shift), "starts_at": aware(shift.starts_at).isoformat()},
        link=_shift_link(shift),
        commune_id=shift.commune_id,
    )
    record(
        "roster.shift_cancelled",
        payload={"shift": shift.id, "people": len(people), **journal_title(shift)},
        commune_id=shift.commune_id,
        actor=actor.display_name if actor else "",
    )
    emit("roster.shift_cancelled", _shift_payload(shift), commune_id=shift.commune_id)


# --- series ---------------------------------------------------------------------------------


def _check_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    freq = rule.get("freq", "weekly")
    if freq not in FREQUENCIES:
        raise ValidationFailed(_("Fréquence inconnue : %(f)s", f=freq), field="rule")
    try:
        interval = int(rule.get("interval", 1))
        byweekday = sorted({int(d) for d in rule.get("byweekday") or []})
    except (TypeError, ValueError):
        raise ValidationFailed(_("Règle de répétition invalide."), field="rule") from None
    if not 1 <= interval <= 52:
        raise ValidationFailed(_("Intervalle : de 1 à 52."), field="rule")
    if any(not 0 <= d <= 6 for d in byweekday):
        raise ValidationFailed(_("Jours de la semaine : de 0 (lundi) à 6."), field="rule")
    return {"freq": freq, "interval": interval, "byweekday": byweekday}


def occurrences(rule: Mapping[str, Any], first: datetime, until: datetime) -> list[datetime]:
    """The start times of a series from ``first`` up to ``until`` (dateutil's rrule)."""
    from dateutil import rrule as rr

    freq = {"daily": rr.DAILY, "weekly": rr.WEEKLY, "monthly": rr.MONTHLY}[rule["freq"]]
    kwargs: dict[str, Any] = {"interval": rule.get("interval", 1)}
    if rule.get("byweekday"):
        kwargs["byweekday"] = list(rule["byweekday"])
    first = aware(first)
    return [aware(d) for d in rr.rrule(freq, dtstart=first, until=aware(until), **kwargs)]


def create_series(
    title: str,
    first_starts_at: datetime,
    duration_minutes: int,
    roles: Iterable[RoleSpec | Mapping[str, Any]],
    *,
    rule: Mapping[str, Any] | None = None,
    weeks_ahead: int = 4,
    until: date | None = None,
    place: str = "",
    tasks: str = "",
    body: Any = None,
    source_kind: str = "",
    source_ref: str = "",
    signup_hours_before: int = 0,
    cancel_hours_before: int = 24,
    actor: User | None = None,
    now: datetime | None = None,
    title_kind: str = "",
    title_params: Mapping[str, Any] | None = None,
) -> RosterSeries:
    """A recurring series (``rule``: ``{"freq": "weekly", "interval": 1, "byweekday": […]}``);
    its shifts are created ``weeks_ahead`` weeks ahead now, and later by :func:`extend_series`
    (``convergence roster extend``)."""
    title, title_kind, params = _titled(title, title_kind, title_params)
    title, place, tasks = _check_text(title, place, tasks)
    source_kind, source_ref = _check_source(source_kind, source_ref)
    specs = _role_specs(roles)
    checked = _check_rule(rule or {"freq": "weekly"})
    try:
        duration = int(duration_minutes)
        weeks = int(weeks_ahead)
        signup_before, cancel_before = int(signup_hours_before), int(cancel_hours_before)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Nombre invalide."), field="duration_minutes") from None
    if not 1 <= duration <= MAX_SHIFT_HOURS * 60:
        raise ValidationFailed(_("Durée : d'une minute à une semaine."), field="duration_minutes")
    if not 1 <= weeks <= MAX_WEEKS_AHEAD:
        raise ValidationFailed(
            _("Créer de 1 à %(n)d semaines à l'avance.", n=MAX_WEEKS_AHEAD), field="weeks_ahead"
        )
    if not 0 <= signup_before <= 24 * 30 or not 0 <= cancel_before <= 24 * 30:
        raise ValidationFailed(_("Délai : de 0 à 720 heures."), field="cancel_hours_before")
    if not isinstance(first_starts_at, datetime):
        raise ValidationFailed(_("Date et heure invalides."), field="first_starts_at")
    if until is not None and until < aware(first_starts_at).date():
        raise ValidationFailed(_("La fin de la série précède son début."), field="until")
    series = RosterSeries(
        title=title,
        title_kind=title_kind,
        title_params=params,
        place=place,
        tasks=tasks,
        body_id=_body_id(body),
        source_kind=source_kind,
        source_ref=source_ref,
        rule=checked,
        first_starts_at=aware(first_starts_at),
        duration_minutes=duration,
        weeks_ahead=weeks,
        until=until,
        roles=[
            {"name": s.name, "needed": s.needed, "skill": s.skill, "role": s.role} for s in specs
        ],
        signup_hours_before=signup_before,
        cancel_hours_before=cancel_before,
        created_by_id=actor.id if actor else None,
        active=True,
    )
    db.session.add(series)
    db.session.flush()
    record(
        "roster.series_created",
        payload={
            "series": series.id,
            **journal_title(series),
            "rule": checked,
            "place": place,
            "duration_minutes": duration,
            "first": aware(first_starts_at).isoformat(),
        },
        commune_id=series.commune_id,
        actor=actor.display_name if actor else "",
    )
    extend_series(series, now=now)
    return series


def extend_series(series: RosterSeries, *, now: datetime | None = None) -> list[Shift]:
    """Create the series' missing shifts up to ``weeks_ahead`` weeks from now (idempotent:
    the series is locked and an occurrence that exists is skipped)."""
    if not series.active:
        return []
    lock_row(RosterSeries, series.id)
    db.session.refresh(series)
    now = aware(now or utcnow())
    horizon = now + timedelta(weeks=series.weeks_ahead)
    if series.until is not None:
        horizon = min(horizon, datetime.combine(series.until, datetime.max.time(), UTC))
    existing = {
        aware(t)
        for t in db.session.scalars(select(Shift.starts_at).where(Shift.series_id == series.id))
    }
    created = []
    for start in occurrences(series.rule, series.first_starts_at, horizon):
        if start in existing or start < now:
            continue
        created.append(
            create_shift(
                series.title,
                start,
                start + timedelta(minutes=series.duration_minutes),
                series.roles,
                place=series.place,
                tasks=series.tasks,
                body=series.body_id,
                source_kind=series.source_kind,
                source_ref=series.source_ref,
                signup_deadline=start - timedelta(hours=series.signup_hours_before),
                cancel_deadline=start - timedelta(hours=series.cancel_hours_before),
                series=series,
                journal=False,
                title_kind=series.title_kind,
                title_params=series.title_params,
            )
        )
    return created


def stop_series(series: RosterSeries, actor: User | None = None) -> None:
    """No more shifts are created; those already created stay (cancel them one by one)."""
    series.active = False
    record(
        "roster.series_stopped",
        payload={"series": series.id, **journal_title(series)},
        commune_id=series.commune_id,
        actor=actor.display_name if actor else "",
    )


def get_series(series_id: int) -> RosterSeries:
    series = db.session.get(RosterSeries, series_id)
    if series is None:
        raise NotFound(_("Série introuvable."), field="series")
    return series


# --- sign-ups -------------------------------------------------------------------------------


def skills_of(user_id: int) -> set[str]:
    return set(db.session.scalars(select(MemberSkill.skill).where(MemberSkill.user_id == user_id)))


def add_skill(user_id: int, skill: str) -> MemberSkill:
    skill = (skill or "").strip()
    if not skill or len(skill) > 80:
        raise ValidationFailed(_("Compétence invalide (80 caractères au plus)."), field="skill")
    row = db.session.scalar(
        select(MemberSkill).where(MemberSkill.user_id == user_id, MemberSkill.skill == skill)
    )
    if row is None:
        row = MemberSkill(user_id=user_id, skill=skill)
        db.session.add(row)
        db.session.flush()
    return row


def remove_skill(user_id: int, skill: str) -> None:
    row = db.session.scalar(
        select(MemberSkill).where(MemberSkill.user_id == user_id, MemberSkill.skill == skill)
    )
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def credit_communes(user_id: int, commune_id: int | None = None) -> list[int]:
    """The communes a sign-up of ``user_id`` in the current commune may credit: this one for
    its members; otherwise the person's communes that share a federation with this one when
    both allow federated credit."""
    from federation.identity.services import membership, memberships_of
    from federation.tenancy.models import FederationMember

    here = commune_id or current_commune_id()
    member = membership(here, user_id)
    if member is not None and member.is_active:
        return [here]
    if not settings().federated_credit:
        return []
    mine = {m.commune_id for m in memberships_of(user_id) if m.is_active}
    feds = select(FederationMember.federation_id).where(FederationMember.commune_id == here)
    neighbours = set(
        db.session.scalars(
            select(FederationMember.commune_id).where(FederationMember.federation_id.in_(feds))
        )
    )
    allowed = []
    for other in sorted((mine & neighbours) - {here}):
        with commune_scope(other):
            if settings().federated_credit:
                allowed.append(other)
    return allowed


def _eligible(role: ShiftRole, user: User, commune_id: int) -> None:
    from federation.identity.services import roles_in

    if role.required_skill and role.required_skill not in skills_of(user.id):
        raise Forbidden(
            _("Ce rôle demande la compétence « %(s)s ».", s=role.required_skill), field="role"
        )
    if role.required_role and role.required_role not in roles_in(user, commune_id):
        raise Forbidden(_("Ce rôle est réservé à un rôle de la commune."), field="role")


def check_may_sign_up(shift: Shift, user: User) -> list[int]:
    """The communes ``user`` may credit by signing up for ``shift``; Forbidden for anyone
    else, before anything about the shift (its state, its roles) is looked at."""
    allowed = credit_communes(user.id, shift.commune_id)
    if not allowed:
        raise Forbidden(
            _(
                "Seul·es les membres vérifié·es de la commune (ou d'une commune fédérée qui "
                "le permet) peuvent s'inscrire."
            ),
            field="user",
        )
    return allowed


def sign_up(
    shift: Shift,
    role: ShiftRole | int,
    user: User,
    *,
    credit_commune_id: int | None = None,
    gift_to: User | int | None = None,
    now: datetime | None = None,
) -> Signup:
    """Sign ``user`` up for a role of a shift. Never over capacity, even under concurrent
    sign-ups: the role's row is locked before anything is counted.

    ``credit_commune_id``: for a person from another commune of a federation, the commune
    whose duty the shift credits (default: the first allowed). ``gift_to``: a solidarity
    shift, its credit goes to that member of the credited commune.
    """
    role_id = role if isinstance(role, int) else role.id
    if role_id not in {r.id for r in shift.roles}:
        raise NotFound(_("Rôle introuvable."), field="role")
    # who may sign up is settled first: an outsider learns nothing of the shift's state
    allowed = check_may_sign_up(shift, user)
    lock_row(ShiftRole, role_id)  # serialises every sign-up to this role (capacity)
    db.session.refresh(shift)
    role_row = db.session.get(ShiftRole, role_id, populate_existing=True)
    now = aware(now or utcnow())
    if shift.status != "open":
        raise Conflict(_("Ce créneau est annulé."), field="shift")
    if now > aware(shift.signup_deadline):
        raise Conflict(_("Les inscriptions à ce créneau sont closes."), field="shift")
    target = credit_commune_id or allowed[0]
    if target not in allowed:
        raise Forbidden(
            _("Ce créneau ne peut pas créditer cette commune."), field="credit_commune_id"
        )
    _eligible(role_row, user, shift.commune_id)
    gift_id = gift_to if isinstance(gift_to, int) or gift_to is None else gift_to.id
    if gift_id is not None:
        from federation.identity.services import membership

        beneficiary = membership(target, gift_id)
        if gift_id == user.id or beneficiary is None or not beneficiary.is_active:
            raise ValidationFailed(
                _("Un créneau solidaire se donne à un·e autre membre de la commune créditée."),
                field="gift_to",
            )
    taken = _taken(role_id)
    existing = db.session.scalar(
        select(Signup).where(Signup.shift_id == shift.id, Signup.user_id == user.id)
    )
    if existing is not None and existing.status == "active":
        raise Conflict(_("Vous êtes déjà inscrit·e à ce créneau."), field="shift")
    if taken >= role_row.needed:
        raise Conflict(_("Ce rôle est complet."), field="role")
    if existing is not None:
        signup = existing
        signup.role_id = role_id
        signup.status = "active"
        signup.cancelled_at = None
        signup.signed_up_at = now
        signup.reminded_at = None
        signup.attendance = None
    else:
        signup = Signup(shift_id=shift.id, role_id=role_id, user_id=user.id, signed_up_at=now)
        db.session.add(signup)
    signup.credit_commune_id = target
    signup.gift_to_id = gift_id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same person, another role, at the same instant
        raise Conflict(_("Vous êtes déjà inscrit·e à ce créneau."), field="shift") from None
    emit(
        "roster.signed_up",
        {
            **_shift_payload(shift),
            "signup_id": signup.id,
            "role_id": role_id,
            "user_id": user.id,
            "credit_commune_id": target,
        },
        commune_id=shift.commune_id,
    )
    return signup


def _taken(role_id: int) -> int:
    """Active sign-ups of a role (read under the role's lock)."""
    return (
        db.session.scalar(
            select(func.count(Signup.id)).where(
                Signup.role_id == role_id, Signup.status == "active"
            )
        )
        or 0
    )


def get_signup(signup_id: int) -> Signup:
    signup = db.session.get(Signup, signup_id)
    if signup is None:
        raise NotFound(_("Inscription introuvable."), field="signup")
    return signup


def cancel(
    signup: Signup, *, by: User | None = None, force: bool = False, now: datetime | None = None
) -> None:
    """Withdraw a sign-up before the shift's cancel deadline (``force``: the circle may do it
    later, e.g. for someone ill)."""
    lock_row(ShiftRole, signup.role_id)
    db.session.refresh(signup)
    shift = get_shift(signup.shift_id)
    now = aware(now or utcnow())
    if signup.status != "active":
        raise Conflict(_("Cette inscription est déjà annulée."), field="signup")
    if signup.attendance is not None:
        raise Conflict(_("La présence est déjà relevée."), field="signup")
    if not force and now > aware(shift.cancel_deadline):
        raise Conflict(
            _("Le délai pour se désister est passé : prévenez le cercle."), field="signup"
        )
    signup.status = "cancelled"
    signup.cancelled_at = now
    db.session.flush()
    emit(
        "roster.cancelled",
        {
            **_shift_payload(shift),
            "signup_id": signup.id,
            "user_id": signup.user_id,
            "by": by.id if by else None,
        },
        commune_id=shift.commune_id,
    )


def gift(signup: Signup, to_user_id: int | None, by: User) -> None:
    """Make (or unmake, ``None``) a sign-up a solidarity shift given to another member."""
    if signup.user_id != by.id:
        raise Forbidden(_("Seule la personne inscrite peut donner son créneau."), field="signup")
    if signup.attendance is not None:
        raise Conflict(_("La présence est déjà relevée."), field="signup")
    if to_user_id is not None:
        from federation.identity.services import membership

        member = membership(signup.credit_commune_id, to_user_id)
        if to_user_id == by.id or member is None or not member.is_active:
            raise ValidationFailed(
                _("Un créneau solidaire se donne à un·e autre membre de la commune créditée."),
                field="gift_to",
            )
    signup.gift_to_id = to_user_id
    db.session.flush()


# --- attendance -----------------------------------------------------------------------------


def record_attendance(
    shift: Shift,
    marks: Mapping[int, str | None],
    actor: User | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Record attendance: ``marks`` maps sign-up ids to ``"attended"``, ``"missed"``,
    ``"excused"`` (or ``None`` to clear). An attended shift credits the duty ledger of the
    credited commune (a reversing entry when corrected); the whole shift is locked so two
    recordings never credit twice. Returns the counts per attendance."""
    from federation.roster import duty

    lock_row(Shift, shift.id)
    db.session.refresh(shift)
    now = aware(now or utcnow())
    if aware(shift.starts_at) > now:
        raise Conflict(_("La présence se relève une fois le créneau commencé."), field="shift")
    if shift.status != "open":
        raise Conflict(_("Ce créneau est annulé."), field="shift")
    by_id = {s.id: s for s in signups(shift)}
    for signup_id, mark in marks.items():
        if mark is not None and mark not in ATTENDANCE:
            raise ValidationFailed(_("Présence inconnue : %(m)s", m=mark), field="marks")
        if int(signup_id) not in by_id:
            raise NotFound(_("Inscription introuvable."), field="marks")
    attended_now: list[int] = []
    for signup_id, mark in marks.items():
        signup = by_id[int(signup_id)]
        before = signup.attendance
        if before == mark:
            continue
        signup.attendance = mark
        signup.recorded_by_id = actor.id if actor else None
        if mark == "attended":
            duty.credit_shift(shift, signup, +1, now=now)
            attended_now.append(signup.user_id)
        elif before == "attended":
            duty.credit_shift(shift, signup, -1, now=now)
    db.session.flush()
    counts = dict.fromkeys(ATTENDANCE, 0)
    for signup in by_id.values():
        if signup.attendance in counts:
            counts[signup.attendance] += 1
    record(
        "roster.attendance",
        payload={"shift": shift.id, **counts, **journal_title(shift)},
        commune_id=shift.commune_id,
        actor=actor.display_name if actor else "",
    )
    emit(
        "roster.attendance_recorded",
        {**_shift_payload(shift), "attended_user_ids": sorted(attended_now), "counts": counts},
        commune_id=shift.commune_id,
    )
    return counts


# --- reminders ------------------------------------------------------------------------------


def _shift_link(shift: Shift) -> str:
    from federation.tenancy.models import Commune

    commune = db.session.get(Commune, shift.commune_id)
    return f"/c/{commune.slug}/roster/shifts/{shift.id}" if commune else ""


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind every person signed up for a shift of the current commune that starts within the
    commune's reminder delay (once per sign-up; in the app, by e-mail as each person's
    preference says). Returns how many."""
    now = aware(now or utcnow())
    horizon = now + timedelta(hours=settings().remind_hours_before)
    rows = db.session.execute(
        select(Signup, Shift)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Signup.status == "active",
            Signup.reminded_at.is_(None),
            Shift.status == "open",
            Shift.starts_at > now,
            Shift.starts_at <= horizon,
        )
        .order_by(Shift.starts_at, Signup.id)
    ).all()
    by_shift: dict[int, tuple[Shift, list[Signup]]] = {}
    for signup, shift in rows:
        by_shift.setdefault(shift.id, (shift, []))[1].append(signup)
    for shift, shift_signups in by_shift.values():
        # like every notice: in the app, and by e-mail as each person's preference says
        tell(
            [signup.user_id for signup in shift_signups],
            "roster.reminder",
            {
                **journal_title(shift),
                "starts_at": aware(shift.starts_at).isoformat(),
                "place": shift.place,
            },
            link=_shift_link(shift),
            commune_id=shift.commune_id,
        )
        for signup in shift_signups:
            signup.reminded_at = now
    db.session.flush()
    return len(rows)


def source_link(shift: Shift) -> tuple[str, str] | None:
    """``(label, url)`` of the plugin object a shift belongs to, from the plugin that owns
    the kind (``federation_roster_source_link``), or None."""
    if not shift.source_kind:
        return None
    from federation.plugins.services import call_in_commune
    from federation.tenancy.models import Commune

    commune = db.session.get(Commune, shift.commune_id)
    # isolated: a plugin that raises is logged with its name; the shift page renders
    for plugin, found in call_in_commune(
        shift.commune_id,
        "federation_roster_source_link",
        first=True,
        commune=commune,
        source_kind=shift.source_kind,
        source_ref=shift.source_ref,
    ):
        try:
            label, url = found
        except (TypeError, ValueError):
            log.warning("plugin %s: roster source link %r is not (label, url)", plugin, found)
            return None
        return str(label), str(url)
    return None


def shifts_of_series(series: RosterSeries) -> list[Shift]:
    return list(
        db.session.scalars(
            select(Shift).where(Shift.series_id == series.id).order_by(Shift.starts_at)
        )
    )
