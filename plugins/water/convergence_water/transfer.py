"""Commune export/import of the water data, and a person's own water data (GDPR).

The export carries resources, users and needs, flow and meter readings, drought levels
and the circle's rules. Allocation runs and alerts are not exported: they are recomputed
from those. Links to personal accounts are not exported either.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select

from convergence_water import services
from convergence_water.constants import CATEGORIES, SEASONS
from convergence_water.models import (
    DroughtLevel,
    MeterReading,
    ResourceReading,
    RestrictionRule,
    WaterResource,
    WaterUser,
)
from federation.db import db
from federation.errors import ValidationFailed
from federation.tenancy.models import Federation

USER_FIELDS = ("kind", "name", "address", "people", "crops", "livestock", "activity", "meter_code")


def export_commune() -> dict[str, Any]:
    resources = services.resources()
    codes = {r.id: r.code for r in resources}
    federations = {
        f.id: f.slug
        for f in db.session.scalars(
            select(Federation).where(
                Federation.id.in_([r.federation_id for r in resources if r.federation_id])
            )
        )
    }
    users = services.water_users()
    meters = {u.id: u.meter_code for u in users}
    return {
        "resources": [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "status": r.status,
                "description": r.description,
                "basin": federations.get(r.federation_id),
                **{f"yield_{s}_l": r.yield_for(s) for s in SEASONS},
            }
            for r in resources
        ],
        "resource_readings": [
            {
                "resource": codes.get(x.resource_id),
                "measured_on": x.measured_on.isoformat(),
                "flow_l": x.flow,
                "level_cm": x.level_cm,
                "note": x.note,
            }
            for x in db.session.scalars(select(ResourceReading).order_by(ResourceReading.id))
        ],
        "users": [
            {
                **{k: getattr(u, k) for k in USER_FIELDS},
                "resource": codes.get(u.resource_id),
                "active": u.active,
                "needs_l": dict(zip(CATEGORIES, u.needs(), strict=True)),
            }
            for u in users
        ],
        "meter_readings": [
            {"meter": meters.get(uid), "read_on": day.isoformat(), "index_l": index}
            for uid, day, index in db.session.execute(
                select(
                    MeterReading.water_user_id, MeterReading.read_on, MeterReading.index_l
                ).order_by(MeterReading.water_user_id, MeterReading.read_on)
            )
            if meters.get(uid)
        ],
        "levels": [
            {
                "level": x.level,
                "resource": codes.get(x.resource_id) if x.resource_id else None,
                "basin": federations.get(x.federation_id) if x.federation_id else None,
                "starts_on": x.starts_on.isoformat(),
                "ends_on": x.ends_on.isoformat() if x.ends_on else None,
                "source": x.source,
                "reference": x.reference,
                "note": x.note,
            }
            for x in services.level_history(limit=10_000)
        ],
        "rules": [
            {
                "level": r.level,
                "category": r.category,
                "reduction_pct": r.reduction_pct,
                "forbidden": r.forbidden,
                "hours": r.hours,
            }
            for r in db.session.scalars(select(RestrictionRule).order_by(RestrictionRule.id))
        ],
    }


def _bad(what: str) -> ValidationFailed:
    return ValidationFailed(_("Données de l'eau invalides : %(w)s", w=what), field="water")


def import_commune(data: dict[str, Any]) -> None:
    """Recreate the water data of a commune from :func:`export_commune`'s output."""
    if not isinstance(data, dict):
        raise _bad("format")
    cid = services.commune_id()
    try:
        federations = {f.slug: f.id for f in services.federations_here()}
        resources: dict[str, int] = {}
        for item in data.get("resources", []):
            row = WaterResource(
                code=str(item["code"]),
                name=str(item["name"]),
                kind=str(item["kind"]),
                status=str(item.get("status", "in_service")),
                description=str(item.get("description", "")),
                federation_id=federations.get(item.get("basin")),
                **{f"yield_{s}": int(item.get(f"yield_{s}_l", 0)) for s in SEASONS},
            )
            db.session.add(row)
            db.session.flush()
            resources[row.code] = row.id
        for item in data.get("resource_readings", []):
            db.session.add(
                ResourceReading(
                    resource_id=resources[item["resource"]],
                    measured_on=date.fromisoformat(item["measured_on"]),
                    flow=item.get("flow_l"),
                    level_cm=item.get("level_cm"),
                    note=str(item.get("note", "")),
                )
            )
        users: dict[str, int] = {}
        for item in data.get("users", []):
            needs = item.get("needs_l", {})
            row = WaterUser(
                **{k: item.get(k) for k in USER_FIELDS},
                resource_id=resources[item["resource"]],
                active=bool(item.get("active", True)),
                **{f"need_{c}": int(needs.get(c, 0)) for c in CATEGORIES},
            )
            db.session.add(row)
            db.session.flush()
            if row.meter_code:
                users[row.meter_code] = row.id
        readings = [
            {
                "commune_id": cid,
                "water_user_id": users[item["meter"]],
                "read_on": date.fromisoformat(item["read_on"]),
                "index_l": int(item["index_l"]),
                "source": "csv",
            }
            for item in data.get("meter_readings", [])
        ]
        if readings:
            db.session.execute(insert(MeterReading), readings)
        for item in data.get("levels", []):
            db.session.add(
                DroughtLevel(
                    level=str(item["level"]),
                    resource_id=resources.get(item.get("resource"))
                    if item.get("resource")
                    else None,
                    federation_id=federations.get(item.get("basin")) if item.get("basin") else None,
                    starts_on=date.fromisoformat(item["starts_on"]),
                    ends_on=date.fromisoformat(item["ends_on"]) if item.get("ends_on") else None,
                    source=str(item.get("source", "import")),
                    reference=str(item.get("reference", "")),
                    note=str(item.get("note", "")),
                )
            )
        for item in data.get("rules", []):
            db.session.add(
                RestrictionRule(
                    level=str(item["level"]),
                    category=str(item["category"]),
                    reduction_pct=int(item["reduction_pct"]),
                    forbidden=bool(item.get("forbidden")),
                    hours=str(item.get("hours", "")),
                )
            )
        db.session.flush()
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(str(exc)[:100]) from exc


def personal_data(user: Any) -> dict[str, Any]:
    """The person's meters (in every commune): what they declared, their readings."""
    rows = db.session.scalars(select(WaterUser).where(WaterUser.account_id == user.id)).all()
    result = []
    for row in rows:
        readings = db.session.execute(
            select(MeterReading.read_on, MeterReading.index_l)
            .where(MeterReading.water_user_id == row.id)
            .order_by(MeterReading.read_on)
        ).all()
        result.append(
            {
                "commune_id": row.commune_id,
                **{k: getattr(row, k) for k in USER_FIELDS},
                "needs_l": dict(zip(CATEGORIES, row.needs(), strict=True)),
                "readings": [{"read_on": d.isoformat(), "index_l": i} for d, i in readings],
            }
        )
    return {"water_users": result}


def erase_personal_data(user: Any) -> None:
    """Unlink the person's account; the meter stays (the household still draws water),
    its name and address are anonymised."""
    for row in db.session.scalars(select(WaterUser).where(WaterUser.account_id == user.id)):
        row.account_id = None
        if row.kind == "household":
            row.name = _("Foyer anonymisé")
            row.address = ""
