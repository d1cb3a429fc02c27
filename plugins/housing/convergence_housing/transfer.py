"""Commune export/import of the housing data, and a person's own housing data (GDPR).

The commune export carries dwellings (without owners) and their event log, grids,
collective projects with their pledges (amounts and kinds, no persons) and declared rents.
Owners and households' requests are personal data kept with the housing circle: they are
never exported with the commune (a person gets their own through the personal-data export).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_housing.models import (
    Dwelling,
    DwellingEvent,
    Grid,
    HousingRequest,
    Pledge,
    Project,
    RentDeclaration,
)
from federation.db import db
from federation.errors import ValidationFailed

DWELLING_FIELDS = (
    "ref",
    "address",
    "kind",
    "rooms",
    "surface",
    "year_built",
    "comfort",
    "energy_class",
    "accessible",
    "owner_kind",
    "occupancy",
    "vacant_since",
    "status",
    "substatus",
    "levers",
    "blocking",
    "source",
    "confirmed",
    "lovac_year",
)
PROJECT_FIELDS = ("name", "address", "description", "legal_form", "status")
MONEY_FIELDS = ("price", "works", "target")


def export_commune() -> dict[str, Any]:
    dwellings = list(db.session.scalars(select(Dwelling).order_by(Dwelling.id)))
    refs = {d.id: d.ref for d in dwellings}
    projects = list(db.session.scalars(select(Project).order_by(Project.id)))
    names = {p.id: p.name for p in projects}
    return {
        "dwellings": [{k: getattr(d, k) for k in DWELLING_FIELDS} for d in dwellings],
        "events": [
            {
                "dwelling": refs.get(e.dwelling_id),
                "field": e.field,
                "old": e.old,
                "new": e.new,
                "source": e.source,
                "at": e.at.isoformat(),
            }
            for e in db.session.scalars(select(DwellingEvent).order_by(DwellingEvent.id))
        ],
        "grids": [
            {"version": g.version, "criteria": g.criteria, "status": g.status}
            for g in db.session.scalars(select(Grid).order_by(Grid.version))
        ],
        "projects": [
            {
                **{k: getattr(p, k) for k in PROJECT_FIELDS},
                **{k: str(getattr(p, k)) for k in MONEY_FIELDS},
            }
            for p in projects
        ],
        "pledges": [
            {
                "project": names.get(x.project_id),
                "kind": x.kind,
                "amount": str(x.amount),
                "organisation": x.organisation,
                "refunded": x.refunded,
            }
            for x in db.session.scalars(select(Pledge).order_by(Pledge.id))
        ],
        "rents": [
            {"area": r.area, "rooms": r.rooms, "surface": r.surface, "rent": str(r.rent)}
            for r in db.session.scalars(select(RentDeclaration).order_by(RentDeclaration.id))
        ],
    }


def import_commune(data: dict[str, Any]) -> None:
    try:
        ids: dict[str, int] = {}
        for item in data.get("dwellings", []):
            row = Dwelling(**{k: item.get(k) for k in DWELLING_FIELDS if k in item})
            db.session.add(row)
            db.session.flush()
            ids[row.ref] = row.id
        for item in data.get("events", []):
            db.session.add(
                DwellingEvent(
                    dwelling_id=ids[item["dwelling"]],
                    field=str(item["field"]),
                    old=str(item.get("old", "")),
                    new=str(item.get("new", "")),
                    source=str(item.get("source", "import")),
                    at=datetime.fromisoformat(item["at"]),
                )
            )
        for item in data.get("grids", []):
            db.session.add(
                Grid(
                    version=int(item["version"]),
                    criteria=dict(item["criteria"]),
                    status=str(item.get("status", "in_force")),
                )
            )
        projects: dict[str, int] = {}
        for item in data.get("projects", []):
            pledged = [
                p
                for p in data.get("pledges", [])
                if p.get("project") == item["name"] and not p.get("refunded")
            ]
            row = Project(
                **{k: item[k] for k in PROJECT_FIELDS},
                **{k: Decimal(item[k]) for k in MONEY_FIELDS},
                pledged=sum((Decimal(p["amount"]) for p in pledged), Decimal("0")),
                pledges_count=len(pledged),
            )
            db.session.add(row)
            db.session.flush()
            projects[row.name] = row.id
        for item in data.get("pledges", []):
            db.session.add(
                Pledge(
                    project_id=projects[item["project"]],
                    kind=str(item["kind"]),
                    amount=Decimal(item["amount"]),
                    organisation=str(item.get("organisation", "")),
                    refunded=bool(item.get("refunded")),
                )
            )
        for item in data.get("rents", []):
            db.session.add(
                RentDeclaration(
                    area=str(item["area"]),
                    rooms=int(item["rooms"]),
                    surface=int(item["surface"]),
                    rent=Decimal(item["rent"]),
                )
            )
        db.session.flush()
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationFailed(
            _("Données du logement invalides : %(e)s", e=str(exc)[:100]), field="housing"
        ) from exc


def personal_data(user: Any) -> dict[str, Any]:
    """The person's requests, pledges and reports, in every commune."""
    requests = db.session.scalars(
        select(HousingRequest).where(HousingRequest.applicant_id == user.id)
    ).all()
    pledges = db.session.scalars(select(Pledge).where(Pledge.user_id == user.id)).all()
    reports = db.session.scalars(select(Dwelling).where(Dwelling.reported_by_id == user.id)).all()

    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    return {
        "housing_requests": [
            {
                k: plain(getattr(r, k))
                for k in (
                    "commune_id",
                    "household",
                    "people",
                    "rooms_needed",
                    "needs",
                    "urgency",
                    "accessibility",
                    "communes",
                    "status",
                    "submitted_on",
                )
            }
            for r in requests
        ],
        "housing_pledges": [
            {
                "commune_id": p.commune_id,
                "project_id": p.project_id,
                "kind": p.kind,
                "amount": str(p.amount),
                "refunded": p.refunded,
            }
            for p in pledges
        ],
        "housing_reports": [
            {"commune_id": d.commune_id, "ref": d.ref, "address": d.address, "note": d.report_note}
            for d in reports
        ],
    }


def erase_personal_data(user: Any) -> None:
    """Requests are anonymised (the allocations decided stay, with their numbers); pledges
    and reports lose the link to the person."""
    for row in db.session.scalars(
        select(HousingRequest).where(HousingRequest.applicant_id == user.id)
    ):
        row.applicant_id = None
        row.household = _("Foyer anonymisé")
        row.needs = ""
        if row.status == "open":
            row.status = "withdrawn"
    for row in db.session.scalars(select(Pledge).where(Pledge.user_id == user.id)):
        row.user_id = None
    for row in db.session.scalars(select(Dwelling).where(Dwelling.reported_by_id == user.id)):
        row.reported_by_id = None
        row.report_note = ""
    db.session.flush()
