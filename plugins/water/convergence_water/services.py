"""Water services: resources, users and needs, drought levels and rules, allocation runs.

Services take plain values, validate them (a :class:`~federation.errors.ServiceError`
names the field at fault), flush and never commit: views, the API and the CLI commit.
They act in the current commune's scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from convergence_water.allocation import Allocation, Rule, allocate, check_priority
from convergence_water.bulk import bulk_insert
from convergence_water.constants import (
    CATEGORIES,
    DEFAULT_RULES,
    LEVEL_SOURCES,
    LEVELS,
    READING_FRESH_DAYS,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    SEASONS,
    UNAVAILABLE,
    USER_KINDS,
    WATER_THEMES,
    season_of,
)
from convergence_water.models import (
    AllocationLine,
    AllocationRun,
    DroughtLevel,
    ResourceReading,
    RestrictionRule,
    WaterResource,
    WaterUser,
)
from convergence_water.units import m3_to_litres, parse_day, whole_litres
from federation.db import db, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance.bodies import in_thematic_circle
from federation.governance.models import Body
from federation.identity.notifications import notify
from federation.identity.services import find_user_by_email, has_permission, is_active_member
from federation.journal.services import record
from federation.lazy import lazy_module
from federation.plugins.events import emit
from federation.plugins.services import plugin_settings, update_settings
from federation.tenancy.context import session
from federation.tenancy.models import Commune, Federation, FederationMember

np = lazy_module("numpy")  # imported by the first computation, not at start-up

PLUGIN = "water"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
MAX_PEOPLE = 100_000


# --- context, settings and who may do what ------------------------------------------------


def commune_id() -> int:
    """The commune the session is scoped to (services run in one commune's scope)."""
    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("water services run in a commune's scope")
    return scope.commune_id


def current_commune_row() -> Commune:
    return db.session.get(Commune, commune_id())


def settings() -> dict[str, Any]:
    return plugin_settings(commune_id(), PLUGIN)


def priority_order() -> list[str]:
    return parse_priority(settings().get("priority", ""))


def parse_priority(value: str | Iterable[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    order = [str(item).strip() for item in items if str(item).strip()]
    try:
        return check_priority(order)
    except ValueError:
        raise ValidationFailed(
            _(
                "L'ordre de priorité doit citer chaque usage une fois : %(c)s.",
                c=", ".join(CATEGORIES),
            ),
            field="priority",
        ) from None


def water_bodies() -> list[Body]:
    """The commune's water circles: thematic or action circles whose theme is water."""
    return list(
        db.session.scalars(
            select(Body)
            .where(Body.theme.in_(WATER_THEMES), Body.kind != "assembly", Body.archived.is_(False))
            .order_by(Body.id)
        )
    )


def in_water_circle(user_id: int) -> bool:
    return in_thematic_circle(user_id, WATER_THEMES, with_assembly=True)


def _active_member(user: Any) -> bool:
    return is_active_member(commune_id(), user.id)  # the request's memo (identity)


def can_see_private(user: Any) -> bool:
    """Households' personal data: holders of ``water.households`` and the water circle."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if has_permission(user, "water.households", commune_id()):
        return True
    return _active_member(user) and in_water_circle(user.id)


def can_steer(user: Any) -> bool:
    """Rules, priority, allocations: holders of ``water.manage`` and the water circle."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if has_permission(user, "water.manage", commune_id()):
        return True
    return _active_member(user) and in_water_circle(user.id)


# --- small validators ---------------------------------------------------------------------


def _text(value: Any, field: str, maximum: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(_("Ce champ est obligatoire."), field=field)
    if len(text) > maximum:
        raise ValidationFailed(_("%(n)d caractères au plus.", n=maximum), field=field)
    return text


def _choice(value: Any, choices: Iterable[str], field: str) -> str:
    text = "" if value is None else str(value).strip()
    if text not in set(choices):
        raise ValidationFailed(_("Valeur inconnue : %(v)s", v=text[:40]), field=field)
    return text


def _federation_of_commune(federation_id: Any, field: str = "federation_id") -> int | None:
    if federation_id in (None, "", 0, "0"):
        return None
    try:
        fid = int(federation_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Fédération inconnue."), field=field) from None
    member = db.session.scalar(
        select(FederationMember.id).where(
            FederationMember.federation_id == fid,
            FederationMember.commune_id == commune_id(),
            FederationMember.left_on.is_(None),
        )
    )
    if member is None:
        raise ValidationFailed(
            _("Cette commune n'est pas membre de cette fédération."), field=field
        )
    return fid


def federations_here() -> list[Federation]:
    """The federations (basins…) the current commune belongs to."""
    return list(
        db.session.scalars(
            select(Federation)
            .join(FederationMember, FederationMember.federation_id == Federation.id)
            .where(FederationMember.commune_id == commune_id(), FederationMember.left_on.is_(None))
            .order_by(Federation.name)
        )
    )


# --- resources ----------------------------------------------------------------------------


def resources(include_unavailable: bool = True) -> list[WaterResource]:
    query = select(WaterResource).order_by(WaterResource.name, WaterResource.id)
    if not include_unavailable:
        query = query.where(WaterResource.status.not_in(UNAVAILABLE))
    return list(db.session.scalars(query))


def get_resource(resource_id: Any) -> WaterResource:
    try:
        row = db.session.get(WaterResource, int(resource_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Ressource introuvable."), field="resource_id")
    return row


def _resource_fields(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if not partial or "code" in data:
        code = _text(data.get("code"), "code", 40, required=True)
        if not CODE_RE.match(code):
            raise ValidationFailed(
                _("Code invalide : lettres, chiffres, points, tirets (40 au plus)."), field="code"
            )
        values["code"] = code
    if not partial or "name" in data:
        values["name"] = _text(data.get("name"), "name", 200, required=True)
    if not partial or "kind" in data:
        values["kind"] = _choice(data.get("kind"), RESOURCE_KINDS, "kind")
    if not partial or "status" in data:
        values["status"] = _choice(data.get("status") or "in_service", RESOURCE_STATUSES, "status")
    if "description" in data or not partial:
        values["description"] = _text(data.get("description"), "description", 5000)
    if "federation_id" in data or not partial:
        values["federation_id"] = _federation_of_commune(data.get("federation_id"))
    for season in SEASONS:
        key = f"yield_{season}_m3"
        if key in data or not partial:
            raw = data.get(key)
            values[f"yield_{season}"] = 0 if raw in (None, "") else m3_to_litres(raw, key)
    return values


def create_resource(data: dict[str, Any], actor: Any = None) -> WaterResource:
    values = _resource_fields(data, partial=False)
    if db.session.scalar(select(WaterResource.id).where(WaterResource.code == values["code"])):
        raise Conflict(_("Une ressource porte déjà ce code."), field="code")
    resource = WaterResource(**values)
    db.session.add(resource)
    db.session.flush()
    return resource


def update_resource(resource: WaterResource, data: dict[str, Any], actor: Any = None) -> bool:
    """Change a resource; a new yield or status recomputes its allocation."""
    values = _resource_fields(data, partial=True)
    if "code" in values and values["code"] != resource.code:
        taken = db.session.scalar(
            select(WaterResource.id).where(
                WaterResource.code == values["code"], WaterResource.id != resource.id
            )
        )
        if taken:
            raise Conflict(_("Une ressource porte déjà ce code."), field="code")
    watched = ("status", *(f"yield_{s}" for s in SEASONS))
    changed = any(k in values and values[k] != getattr(resource, k) for k in watched)
    for key, value in values.items():
        setattr(resource, key, value)
    db.session.flush()
    if changed:
        recompute(resource, trigger="yield", actor=actor)
    return changed


def add_resource_reading(
    resource: WaterResource,
    *,
    measured_on: Any,
    flow_m3: Any = None,
    level_cm: Any = None,
    note: str = "",
    today: date | None = None,
    actor: Any = None,
) -> ResourceReading:
    """A measured flow (m³/day) or level (cm); a low fresh flow recomputes the allocation."""
    today = today or date.today()
    day = parse_day(measured_on, "measured_on")
    if day > today:
        raise ValidationFailed(_("Cette date est dans le futur."), field="measured_on")
    flow = None if flow_m3 in (None, "") else m3_to_litres(flow_m3, "flow_m3")
    level = None
    if level_cm not in (None, ""):
        try:
            level = int(str(level_cm).strip())
        except ValueError:
            raise ValidationFailed(_("Nombre entier attendu."), field="level_cm") from None
        if abs(level) > 1_000_000:
            raise ValidationFailed(_("Valeur trop grande."), field="level_cm")
    if flow is None and level is None:
        raise ValidationFailed(_("Indiquez un débit ou un niveau."), field="flow_m3")
    exists = db.session.scalar(
        select(ResourceReading.id).where(
            ResourceReading.resource_id == resource.id, ResourceReading.measured_on == day
        )
    )
    if exists:
        raise Conflict(_("Un relevé existe déjà à cette date."), field="measured_on")
    reading = ResourceReading(
        resource_id=resource.id,
        measured_on=day,
        flow=flow,
        level_cm=level,
        note=_text(note, "note", 300),
    )
    db.session.add(reading)
    db.session.flush()
    if flow is not None and (today - day).days <= READING_FRESH_DAYS:
        recompute(resource, trigger="yield", actor=actor)
    return reading


def resource_readings(resource: WaterResource, limit: int = 24) -> list[ResourceReading]:
    rows = db.session.scalars(
        select(ResourceReading)
        .where(ResourceReading.resource_id == resource.id)
        .order_by(ResourceReading.measured_on.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def available_volumes(
    resource_list: list[WaterResource], today: date | None = None
) -> dict[int, tuple[int, str]]:
    """:func:`available_volume` of many resources, in one query."""
    today = today or date.today()
    ids = [r.id for r in resource_list]
    flows: dict[int, int] = {}
    if ids:
        rows = db.session.execute(
            select(ResourceReading.resource_id, ResourceReading.flow)
            .where(
                ResourceReading.resource_id.in_(ids),
                ResourceReading.flow.is_not(None),
                ResourceReading.measured_on <= today,
                ResourceReading.measured_on
                >= date.fromordinal(today.toordinal() - READING_FRESH_DAYS),
            )
            .order_by(ResourceReading.measured_on)
        ).all()
        flows = {resource_id: int(flow) for resource_id, flow in rows}
    result: dict[int, tuple[int, str]] = {}
    for resource in resource_list:
        if resource.status in UNAVAILABLE:
            result[resource.id] = (0, "status")
            continue
        sustainable = resource.yield_for(season_of(today))
        flow = flows.get(resource.id)
        result[resource.id] = (
            (flow, "reading")
            if flow is not None and flow < sustainable
            else (
                sustainable,
                "yield",
            )
        )
    return result


def available_volume(resource: WaterResource, today: date | None = None) -> tuple[int, str]:
    """Litres per day that may be drawn: the season's sustainable yield, lowered by a
    fresh measured flow when the flow is below it; nothing when the resource is down."""
    return available_volumes([resource], today)[resource.id]


# --- users and needs ----------------------------------------------------------------------


def get_water_user(user_id: Any) -> WaterUser:
    try:
        row = db.session.get(WaterUser, int(user_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Usager introuvable."), field="water_user_id")
    return row


def water_users(
    kind: str | None = None, resource_id: int | None = None, households: bool = True
) -> list[WaterUser]:
    query = select(WaterUser).order_by(WaterUser.kind, WaterUser.name, WaterUser.id)
    if kind:
        query = query.where(WaterUser.kind == kind)
    if resource_id:
        query = query.where(WaterUser.resource_id == resource_id)
    if not households:
        query = query.where(WaterUser.kind != "household")
    return list(db.session.scalars(query))


def users_of_account(user_id: int) -> list[WaterUser]:
    return list(
        db.session.scalars(
            select(WaterUser).where(WaterUser.account_id == user_id).order_by(WaterUser.id)
        )
    )


def household_summary() -> dict[str, int]:
    """Counts without personal data: households, people, needs (one grouped query)."""
    row = db.session.execute(
        select(
            func.count(WaterUser.id),
            func.coalesce(func.sum(WaterUser.people), 0),
            func.coalesce(
                func.sum(
                    WaterUser.need_drinking
                    + WaterUser.need_livestock
                    + WaterUser.need_irrigation
                    + WaterUser.need_economic
                    + WaterUser.need_leisure
                ),
                0,
            ),
        ).where(WaterUser.kind == "household", WaterUser.active.is_(True))
    ).one()
    return {"households": int(row[0]), "people": int(row[1]), "needs": int(row[2])}


def _account(email: Any) -> int | None:
    email = _text(email, "account_email", 254)
    if not email:
        return None
    user = find_user_by_email(email)
    if user is None or not _active_member(user):
        raise ValidationFailed(
            _("Aucun·e membre vérifié·e de la commune n'a cette adresse."), field="account_email"
        )
    return user.id


def _user_fields(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if not partial or "kind" in data:
        values["kind"] = _choice(data.get("kind"), USER_KINDS, "kind")
    if not partial or "name" in data:
        values["name"] = _text(data.get("name"), "name", 200, required=True)
    for key, size in (("address", 300), ("crops", 300), ("activity", 300)):
        if not partial or key in data:
            values[key] = _text(data.get(key), key, size)
    if not partial or "people" in data:
        values["people"] = whole_litres(data.get("people"), "people", MAX_PEOPLE)
    if not partial or "livestock" in data:
        values["livestock"] = whole_litres(data.get("livestock"), "livestock", 10**6)
    if not partial or "resource_id" in data:
        if data.get("resource_id") in (None, ""):
            raise ValidationFailed(_("Choisissez une ressource."), field="resource_id")
        values["resource_id"] = get_resource(data.get("resource_id")).id
    if not partial or "meter_code" in data:
        meter = _text(data.get("meter_code"), "meter_code", 40)
        if meter and not CODE_RE.match(meter):
            raise ValidationFailed(
                _("Numéro de compteur invalide : lettres, chiffres, points, tirets."),
                field="meter_code",
            )
        values["meter_code"] = meter or None
    if "account_email" in data:
        values["account_id"] = _account(data.get("account_email"))
    if "active" in data:
        values["active"] = bool(data.get("active"))
    needs = data.get("needs")
    if needs is not None:
        if not isinstance(needs, dict) or set(needs) - set(CATEGORIES):
            raise ValidationFailed(
                _("Besoins attendus par usage : %(c)s.", c=", ".join(CATEGORIES)), field="needs"
            )
        for category in CATEGORIES:
            if category in needs or not partial:
                values[f"need_{category}"] = whole_litres(
                    needs.get(category), f"need_{category}", 10**10
                )
    return values


def _meter_free(meter: str | None, exclude: int | None = None) -> None:
    if not meter:
        return
    query = select(WaterUser.id).where(WaterUser.meter_code == meter)
    if exclude is not None:
        query = query.where(WaterUser.id != exclude)
    if db.session.scalar(query):
        raise Conflict(_("Ce compteur est déjà attribué."), field="meter_code")


def create_water_user(data: dict[str, Any], actor: Any = None) -> WaterUser:
    values = _user_fields({"needs": {}, **data}, partial=False)
    _meter_free(values.get("meter_code"))
    row = WaterUser(**values)
    db.session.add(row)
    db.session.flush()
    recompute(db.session.get(WaterResource, row.resource_id), trigger="need", actor=actor)
    return row


def update_water_user(row: WaterUser, data: dict[str, Any], actor: Any = None) -> bool:
    """Change a user; new needs, people or resource recompute the allocations concerned."""
    values = _user_fields(data, partial=True)
    if "meter_code" in values:
        _meter_free(values["meter_code"], exclude=row.id)
    watched = ("people", "resource_id", "active", *(f"need_{c}" for c in CATEGORIES))
    changed = any(k in values and values[k] != getattr(row, k) for k in watched)
    before = row.resource_id
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    if changed:
        for resource_id in sorted({before, row.resource_id}):
            recompute(db.session.get(WaterResource, resource_id), trigger="need", actor=actor)
    return changed


# --- drought levels and restriction rules -------------------------------------------------


def active_levels(today: date) -> list[DroughtLevel]:
    return list(
        db.session.scalars(
            select(DroughtLevel)
            .where(
                DroughtLevel.starts_on <= today,
                (DroughtLevel.ends_on.is_(None)) | (DroughtLevel.ends_on >= today),
            )
            .order_by(DroughtLevel.starts_on.desc(), DroughtLevel.id.desc())
        )
    )


def levels_in_force(
    resource_list: list[WaterResource],
    today: date | None = None,
    rows: list[DroughtLevel] | None = None,
) -> dict[int, tuple[str, DroughtLevel | None]]:
    """resource id → (level, the row that sets it), in one query for all resources.

    The latest active level of each target counts (the resource itself, its commune's part
    of its basin, its whole commune); the strictest of those applies. Works in a commune's
    scope and in a federation's (each commune's levels apply to its own resources).
    """
    today = today or date.today()
    latest: dict[tuple[Any, ...], DroughtLevel] = {}
    for row in rows if rows is not None else active_levels(today):
        if row.resource_id is not None:
            key: tuple[Any, ...] = ("resource", row.resource_id)
        elif row.federation_id is not None:
            key = ("basin", row.commune_id, row.federation_id)
        else:
            key = ("commune", row.commune_id)
        latest.setdefault(key, row)
    result: dict[int, tuple[str, DroughtLevel | None]] = {}
    for resource in resource_list:
        candidates = [
            latest.get(("resource", resource.id)),
            latest.get(("basin", resource.commune_id, resource.federation_id)),
            latest.get(("commune", resource.commune_id)),
        ]
        best: tuple[str, DroughtLevel | None] = ("normal", None)
        for row in candidates:
            if row is not None and LEVELS.index(row.level) > LEVELS.index(best[0]):
                best = (row.level, row)
        result[resource.id] = best
    return result


def level_in_force(resource: WaterResource, today: date | None = None) -> str:
    return levels_in_force([resource], today)[resource.id][0]


def level_history(limit: int = 50) -> list[DroughtLevel]:
    return list(
        db.session.scalars(
            select(DroughtLevel)
            .order_by(DroughtLevel.starts_on.desc(), DroughtLevel.id.desc())
            .limit(limit)
        )
    )


def _target_resources(resource_id: int | None, federation_id: int | None) -> list[WaterResource]:
    if resource_id is not None:
        return [get_resource(resource_id)]
    query = select(WaterResource).order_by(WaterResource.id)
    if federation_id is not None:
        query = query.where(WaterResource.federation_id == federation_id)
    return list(db.session.scalars(query))


def validate_level_target(data: dict[str, Any]) -> dict[str, Any]:
    """``{"level", "resource_id" | "basin" | nothing}`` → clean values (for proposals too)."""
    level = _choice(data.get("level"), LEVELS, "level")
    resource_id = data.get("resource_id")
    basin = data.get("basin", data.get("federation_id"))
    if resource_id not in (None, "", 0, "0") and basin not in (None, "", 0, "0"):
        raise ValidationFailed(
            _("Choisissez une ressource ou un bassin, pas les deux."), field="resource_id"
        )
    clean: dict[str, Any] = {"level": level}
    if resource_id not in (None, "", 0, "0"):
        clean["resource_id"] = get_resource(resource_id).id
    elif basin not in (None, "", 0, "0"):
        clean["basin"] = _federation_of_commune(basin, "basin")
    return clean


def _target_name(resource_id: int | None, federation_id: int | None) -> str | None:
    """The name people gave the resource or the basin a level applies to."""
    if resource_id is not None:
        resource = db.session.get(WaterResource, resource_id)
        return resource.name if resource else None
    if federation_id is not None:
        federation = db.session.get(Federation, federation_id)
        return federation.name if federation else None
    return None


def target_label(resource_id: int | None, federation_id: int | None) -> str:
    if resource_id is not None:
        resource = db.session.get(WaterResource, resource_id)
        return resource.name if resource else _("ressource supprimée")
    if federation_id is not None:
        federation = db.session.get(Federation, federation_id)
        name = federation.name if federation else "?"
        return _("la part communale du bassin « %(b)s »", b=name)
    return _("toute la commune")


def declare_level(
    data: dict[str, Any],
    *,
    source: str,
    actor: Any = None,
    decision_id: int | None = None,
    today: date | None = None,
) -> DroughtLevel:
    """Set a drought level (resource, basin part or whole commune); journaled; the
    allocations of the resources concerned are recomputed."""
    today = today or date.today()
    target = validate_level_target(data)
    source = _choice(source, LEVEL_SOURCES, "source")
    starts_on = (
        parse_day(data["starts_on"], "starts_on")
        if data.get("starts_on") not in (None, "")
        else today
    )
    ends_on = (
        parse_day(data["ends_on"], "ends_on") if data.get("ends_on") not in (None, "") else None
    )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed(_("La fin précède le début."), field="ends_on")
    row = DroughtLevel(
        resource_id=target.get("resource_id"),
        federation_id=target.get("basin"),
        level=target["level"],
        starts_on=starts_on,
        ends_on=ends_on,
        source=source,
        decision_id=decision_id,
        reference=_text(data.get("reference"), "reference", 200),
        note=_text(data.get("note"), "note", 5000),
        created_by_id=getattr(actor, "id", None),
    )
    targets = _target_resources(row.resource_id, row.federation_id)
    before = levels_in_force(targets, today)
    db.session.add(row)
    db.session.flush()
    record(
        "water.level",
        payload={
            "level": row.level,
            "target_name": _target_name(row.resource_id, row.federation_id),
            "resource": row.resource_id,
            "basin": row.federation_id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
            "source": source,
            "decision": decision_id,
            "reference": row.reference,
        },
        commune_id=commune_id(),
        actor=getattr(actor, "display_name", "") or "@water.module",
    )
    after = levels_in_force(targets, today)
    for resource in targets:
        if after[resource.id][0] != before[resource.id][0]:
            recompute(resource, trigger="level", actor=actor, today=today, force=True)
    return row


def effective_rules() -> dict[str, dict[str, Rule]]:
    """level → category → rule: the defaults, overlaid by the circle's own rules."""
    table = {
        level: {c: Rule(p, f, str(h)) for c, (p, f, h) in DEFAULT_RULES[level].items()}
        for level in LEVELS
    }
    for row in db.session.scalars(select(RestrictionRule)):
        if row.level in table and row.category in CATEGORIES:
            table[row.level][row.category] = Rule(row.reduction_pct, row.forbidden, row.hours)
    return table


def set_rule(
    level: Any,
    category: Any,
    *,
    reduction_pct: Any,
    forbidden: Any = False,
    hours: Any = "",
    actor: Any = None,
) -> RestrictionRule:
    """The circle edits a rule; allocations under that level are recomputed."""
    level = _choice(level, LEVELS, "level")
    category = _choice(category, CATEGORIES, "category")
    pct = whole_litres(reduction_pct, "reduction_pct", 100)
    forbid = forbidden in (True, "on", "true", "1", 1, "yes")
    row = db.session.scalar(
        select(RestrictionRule).where(
            RestrictionRule.level == level, RestrictionRule.category == category
        )
    )
    if row is None:
        row = RestrictionRule(level=level, category=category)
        db.session.add(row)
    row.reduction_pct = 100 if forbid else pct
    row.forbidden = forbid
    row.hours = _text(hours, "hours", 200)
    db.session.flush()
    _recompute_where(lambda lvl: lvl == level, trigger="level", actor=actor)
    return row


def set_policy(
    *, priority: Any = None, vital_litres: Any = None, actor: Any = None
) -> dict[str, Any]:
    """The circle's priority order and vital volume (the plugin's settings of the commune)."""
    current = dict(settings())
    if priority is not None:
        current["priority"] = ",".join(parse_priority(priority))
    if vital_litres is not None:
        current["vital_litres"] = whole_litres(vital_litres, "vital_litres", 1000)
    update_settings(current_commune_row(), PLUGIN, current, actor=actor)
    _recompute_where(lambda _lvl: True, trigger="level", actor=actor)
    return current


def _recompute_where(test: Any, *, trigger: str, actor: Any = None) -> None:
    all_resources = resources()
    levels = levels_in_force(all_resources)
    for resource in all_resources:
        if test(levels[resource.id][0]):
            recompute(resource, trigger=trigger, actor=actor)


# --- allocation runs ----------------------------------------------------------------------

_USER_COLUMNS = (
    WaterUser.id,
    WaterUser.people,
    WaterUser.need_drinking,
    WaterUser.need_livestock,
    WaterUser.need_irrigation,
    WaterUser.need_economic,
    WaterUser.need_leisure,
)


def get_run(run_id: Any) -> AllocationRun:
    try:
        run = db.session.get(AllocationRun, int(run_id))
    except (TypeError, ValueError):
        run = None
    if run is None:
        raise NotFound(_("Allocation introuvable."), field="run_id")
    return run


def runs(resource_id: int | None = None, limit: int = 50) -> list[AllocationRun]:
    query = select(AllocationRun).order_by(AllocationRun.id.desc()).limit(limit)
    if resource_id is not None:
        query = query.where(AllocationRun.resource_id == resource_id)
    return list(db.session.scalars(query))


def applied_runs() -> dict[int, AllocationRun]:
    """resource id → its allocation in force."""
    rows = db.session.scalars(select(AllocationRun).where(AllocationRun.status == "applied"))
    return {run.resource_id: run for run in rows}


def resources_and_applied_runs() -> tuple[list[WaterResource], dict[int, AllocationRun]]:
    """:func:`resources` and :func:`applied_runs` in one query (pages and the widget)."""
    rows = db.session.execute(
        select(WaterResource, AllocationRun)
        .select_from(WaterResource)
        .outerjoin(
            AllocationRun,
            (AllocationRun.resource_id == WaterResource.id) & (AllocationRun.status == "applied"),
        )
        .order_by(WaterResource.name, WaterResource.id, AllocationRun.id)
    ).all()
    found: list[WaterResource] = []
    applied: dict[int, AllocationRun] = {}
    for resource, run in rows:
        if not found or found[-1] is not resource:
            found.append(resource)
        if run is not None:
            applied[resource.id] = run
    return found, applied


def own_allocations(
    user_id: int,
) -> list[tuple[WaterUser, tuple[AllocationRun, AllocationLine] | None]]:
    """The person's meters (:func:`users_of_account`), each with its allocation in force
    (:func:`current_lines`), in one query."""
    applied = select(AllocationRun.id).where(AllocationRun.status == "applied")
    rows = db.session.execute(
        select(WaterUser, AllocationLine, AllocationRun)
        .select_from(WaterUser)
        .outerjoin(
            AllocationLine,
            (AllocationLine.water_user_id == WaterUser.id) & AllocationLine.run_id.in_(applied),
        )
        .outerjoin(AllocationRun, AllocationRun.id == AllocationLine.run_id)
        .where(WaterUser.account_id == user_id)
        .order_by(WaterUser.id, AllocationLine.id)
    ).all()
    mine: dict[int, tuple[WaterUser, tuple[AllocationRun, AllocationLine] | None]] = {}
    for water_user, line, run in rows:
        found = (run, line) if line is not None and run is not None else None
        if water_user.id not in mine or found is not None:
            mine[water_user.id] = (water_user, found)
    return list(mine.values())


def _users_of(resource_id: int) -> np.ndarray:
    """(user id, people, needs…) of a resource's active users, as one int64 array."""
    rows = db.session.execute(
        select(*_USER_COLUMNS)
        .where(WaterUser.resource_id == resource_id, WaterUser.active.is_(True))
        .order_by(WaterUser.id)
    ).all()
    return np.array([tuple(row) for row in rows], dtype=np.int64).reshape(-1, 2 + len(CATEGORIES))


def _rules_of(run: AllocationRun) -> dict[str, Rule]:
    return {
        c: Rule(int(r["reduction_pct"]), bool(r["forbidden"]), str(r.get("hours", "")))
        for c, r in (run.rules or {}).items()
    }


def simulate(run: AllocationRun) -> tuple[np.ndarray, Allocation]:
    """Run the allocation again with the run's own parameters (volume, level rules,
    priority, vital volume) on the users' current needs."""
    data = _users_of(run.resource_id)
    result = allocate(
        data[:, 1],
        data[:, 2:],
        run.available,
        vital_litres=run.vital_litres,
        rules=_rules_of(run),
        priority=run.priority,
    )
    return data[:, 0], result


def _summarise(run: AllocationRun, users: int, result: Allocation) -> None:
    run.tiers = [
        {"category": t.category, "demand": t.demand, "served": t.served} for t in result.tiers
    ]
    run.users_count = users
    run.need_total = int(result.needs.sum())
    run.allocated = result.allocated


def compute_run(
    resource: WaterResource,
    *,
    trigger: str = "manual",
    actor: Any = None,
    available_m3: Any = None,
    today: date | None = None,
) -> AllocationRun:
    """Compute a proposed allocation of a resource for its users (replacing the previous
    proposal that is not in a vote). Nothing applies until :func:`apply_run`.

    A proposal keeps its parameters and totals only: any change of a level, a yield or a
    need replaces it, so its lines are recomputed on demand (in milliseconds); they are
    stored, frozen, when the proposal goes to a vote or applies (:func:`freeze`).
    """
    from convergence_water.basin import is_basin_managed

    if is_basin_managed(resource):
        raise Conflict(
            _("Cette ressource est partagée : le cercle de l'eau du bassin l'alloue."),
            field="resource_id",
        )
    today = today or date.today()
    level = level_in_force(resource, today)
    rules = effective_rules()[level]
    order = priority_order()
    vital_litres = int(settings().get("vital_litres", 50))
    if available_m3 not in (None, ""):
        available, source = m3_to_litres(available_m3, "available_m3"), "override"
    else:
        available, source = available_volume(resource, today)
    data = _users_of(resource.id)
    result = allocate(
        data[:, 1],
        data[:, 2:],
        available,
        vital_litres=vital_litres,
        rules=rules,
        priority=order,
    )
    _drop_proposals(resource.id)
    run = AllocationRun(
        resource_id=resource.id,
        status="proposed",
        level=level,
        season=season_of(today),
        available=available,
        available_source=source,
        vital_litres=vital_litres,
        priority=order,
        rules={
            c: {"reduction_pct": r.reduction_pct, "forbidden": r.forbidden, "hours": r.hours}
            for c, r in rules.items()
        },
        trigger=trigger,
        lines_stored=False,
        created_by_id=getattr(actor, "id", None),
    )
    _summarise(run, len(data), result)
    db.session.add(run)
    db.session.flush()
    return run


def freeze(run: AllocationRun) -> None:
    """Store the run's lines (when it goes to a vote or applies): from then on what people
    voted on and what applies no longer moves with later changes of needs."""
    if run.lines_stored:
        return
    user_ids, result = simulate(run)
    _summarise(run, len(user_ids), result)
    run.lines_stored = True
    db.session.flush()
    _store_lines(run, user_ids, result)


LINE_COLUMNS = (
    "commune_id",
    "run_id",
    "water_user_id",
    "people",
    "vital_need",
    "vital",
    *(f"need_{c}" for c in CATEGORIES),
    *(f"alloc_{c}" for c in CATEGORIES),
    "total",
)


def _store_lines(run: AllocationRun, user_ids: np.ndarray, result: Any) -> None:
    """One row per user, in bulk (the commune id is explicit)."""
    if not len(user_ids):
        return
    count = len(user_ids)
    columns = np.column_stack(
        [
            np.full(count, run.commune_id, dtype=np.int64),
            np.full(count, run.id, dtype=np.int64),
            user_ids,
            result.people,
            result.vital_need,
            result.vital,
            result.needs,
            result.alloc,
            result.totals,
        ]
    ).tolist()
    bulk_insert(AllocationLine.__table__, LINE_COLUMNS, columns)


def _drop_proposals(resource_id: int) -> None:
    stale = list(
        db.session.scalars(
            select(AllocationRun.id).where(
                AllocationRun.resource_id == resource_id,
                AllocationRun.status == "proposed",
                AllocationRun.proposal_id.is_(None),
            )
        )
    )
    if stale:
        db.session.execute(
            delete(AllocationLine)
            .where(AllocationLine.run_id.in_(stale))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(AllocationRun).where(AllocationRun.id.in_(stale)))


def recompute(
    resource: WaterResource | None,
    *,
    trigger: str,
    actor: Any = None,
    today: date | None = None,
    force: bool = False,
) -> AllocationRun | None:
    """A level, a yield or a need changed: propose a fresh allocation — unless the resource
    has never been allocated and is at the normal level (no scarcity, nothing to share).
    The commune may choose to apply recomputed allocations without a vote."""
    if resource is None:
        return None
    from convergence_water.basin import is_basin_managed

    if is_basin_managed(resource):  # the basin's circle allocates it (convergence_water.basin)
        return None
    has_run = db.session.scalar(
        select(AllocationRun.id).where(AllocationRun.resource_id == resource.id).limit(1)
    )
    if not has_run and not force and level_in_force(resource, today) == "normal":
        return None
    run = compute_run(resource, trigger=trigger, actor=actor, today=today)
    if settings().get("apply_without_vote"):
        apply_run(run, actor=actor)
    return run


def apply_run(run: AllocationRun, *, actor: Any = None, decision_id: int | None = None) -> None:
    """Put an allocation in force: the previous one is superseded, the decision journaled
    (aggregates only) and every person linked to a user of the resource notified."""
    if run.status == "applied":
        return
    if run.status in ("superseded", "rejected"):
        raise Conflict(_("Cette allocation a été remplacée."), field="run_id")
    freeze(run)
    db.session.execute(
        update(AllocationRun)
        .where(
            AllocationRun.resource_id == run.resource_id,
            AllocationRun.status == "applied",
            AllocationRun.id != run.id,
        )
        .values(status="superseded")
    )
    run.status = "applied"
    run.applied_at = utcnow()
    if decision_id is not None:
        run.decision_id = decision_id
    db.session.flush()
    resource = db.session.get(WaterResource, run.resource_id)
    record(
        "water.allocation_applied",
        payload={
            "run": run.id,
            "resource_name": resource.name,
            "resource": run.resource_id,
            "level": run.level,
            "available_l": run.available,
            "allocated_l": run.allocated,
            "users": run.users_count,
            "tiers": run.tiers,
            "decision": run.decision_id,
        },
        commune_id=run.commune_id,
        actor=getattr(actor, "display_name", "") or "@water.circle",
    )
    _notify_users(run, resource)
    emit(
        "water.allocation_applied",
        {"run_id": run.id, "resource_id": run.resource_id, "level": run.level},
        commune_id=run.commune_id,
    )


def _notify_users(run: AllocationRun, resource: WaterResource) -> None:
    slug = current_commune_row().slug
    rows = db.session.execute(
        select(WaterUser.account_id, AllocationLine.total)
        .join(AllocationLine, AllocationLine.water_user_id == WaterUser.id)
        .where(AllocationLine.run_id == run.id, WaterUser.account_id.is_not(None))
    ).all()
    for account_id, total in rows:
        notify(
            account_id,
            kind="water.allocation_notice",
            params={"resource_name": resource.name, "level": run.level, "litres": total},
            link=f"/c/{slug}/water/me",
            commune_id=run.commune_id,
        )


@dataclass(frozen=True)
class LineView:
    """An allocation line computed on the fly (a proposal), shaped like AllocationLine."""

    water_user_id: int
    people: int
    vital_need: int
    vital: int
    need: tuple[int, ...]
    alloc: tuple[int, ...]
    total: int

    def needs(self) -> list[int]:
        return list(self.need)

    def allocs(self) -> list[int]:
        return list(self.alloc)


def lines_of(run: AllocationRun) -> list[AllocationLine] | list[LineView]:
    """Every user's line of a run: stored, or computed on the fly for a proposal."""
    if run.lines_stored:
        return list(
            db.session.scalars(
                select(AllocationLine)
                .where(AllocationLine.run_id == run.id)
                .order_by(AllocationLine.water_user_id)
            )
        )
    user_ids, result = simulate(run)
    totals = result.totals
    return [
        LineView(
            int(uid),
            int(result.people[i]),
            int(result.vital_need[i]),
            int(result.vital[i]),
            tuple(int(v) for v in result.needs[i]),
            tuple(int(v) for v in result.alloc[i]),
            int(totals[i]),
        )
        for i, uid in enumerate(user_ids)
    ]


def current_lines(user_ids: list[int]) -> dict[int, tuple[AllocationRun, AllocationLine]]:
    """water user id → (run in force, its line), in one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(AllocationRun, AllocationLine)
        .join(AllocationLine, AllocationLine.run_id == AllocationRun.id)
        .where(AllocationRun.status == "applied", AllocationLine.water_user_id.in_(user_ids))
    ).all()
    return {line.water_user_id: (run, line) for run, line in rows}


def run_category_totals(run: AllocationRun) -> dict[str, dict[str, int]]:
    """category → {"need", "allocated"} for a run, in one grouped query (or computed)."""
    if not run.lines_stored:
        _user_ids, result = simulate(run)
        totals = {
            "vital": {"need": int(result.vital_need.sum()), "allocated": int(result.vital.sum())}
        }
        for j, category in enumerate(CATEGORIES):
            totals[category] = {
                "need": int(result.needs[:, j].sum()),
                "allocated": int(result.alloc[:, j].sum()),
            }
        return totals
    columns = [
        func.coalesce(func.sum(AllocationLine.vital_need), 0),
        func.coalesce(func.sum(AllocationLine.vital), 0),
    ]
    for category in CATEGORIES:
        columns.append(func.coalesce(func.sum(getattr(AllocationLine, f"need_{category}")), 0))
        columns.append(func.coalesce(func.sum(getattr(AllocationLine, f"alloc_{category}")), 0))
    row = db.session.execute(select(*columns).where(AllocationLine.run_id == run.id)).one()
    totals = {"vital": {"need": int(row[0]), "allocated": int(row[1])}}
    for index, category in enumerate(CATEGORIES):
        totals[category] = {"need": int(row[2 + 2 * index]), "allocated": int(row[3 + 2 * index])}
    return totals
