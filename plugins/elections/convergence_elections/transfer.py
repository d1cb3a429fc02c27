"""Commune export/import of the programme and the published draws, and a person's own
elections data (GDPR).

The commune export carries the programme (axes, measures and their history) and each draw's
published record; lists and candidacies stay with the commune that holds them, and the
filing data (name, birth, nationality, address) never leaves it: a person gets their own
through the personal-data export.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_elections.draws import published
from convergence_elections.models import (
    Axis,
    Candidacy,
    Draw,
    Filing,
    Measure,
    MeasureVersion,
    Volunteer,
)
from federation.db import db
from federation.errors import ValidationFailed

AXIS_FIELDS = ("position", "title", "text", "status")
MEASURE_FIELDS = ("title", "text", "sources", "version", "follow_up", "follow_up_reason")


def export_commune() -> dict[str, Any]:
    axes = list(db.session.scalars(select(Axis).order_by(Axis.id)))
    measures = list(db.session.scalars(select(Measure).order_by(Measure.id)))
    versions = list(db.session.scalars(select(MeasureVersion).order_by(MeasureVersion.id)))
    axis_pos = {a.id: n for n, a in enumerate(axes)}
    measure_pos = {m.id: n for n, m in enumerate(measures)}
    return {
        "axes": [{k: getattr(a, k) for k in AXIS_FIELDS} for a in axes],
        "measures": [
            {"axis": axis_pos[m.axis_id], **{k: getattr(m, k) for k in MEASURE_FIELDS}}
            for m in measures
        ],
        "versions": [
            {
                "measure": measure_pos[v.measure_id],
                "version": v.version,
                "title": v.title,
                "text": v.text,
                "sources": v.sources,
                "follow_up": v.follow_up,
                "follow_up_reason": v.follow_up_reason,
            }
            for v in versions
        ],
        "draws": [published(d) for d in db.session.scalars(select(Draw).order_by(Draw.id))],
    }


def import_commune(data: dict[str, Any]) -> None:
    """The programme comes back (sources keep their ids); draws stay in the journal."""
    try:
        axes = []
        for item in data.get("axes") or []:
            axis = Axis(**{k: item[k] for k in AXIS_FIELDS})
            db.session.add(axis)
            axes.append(axis)
        db.session.flush()
        measures = []
        for item in data.get("measures") or []:
            measure = Measure(axis_id=axes[item["axis"]].id, **{k: item[k] for k in MEASURE_FIELDS})
            db.session.add(measure)
            measures.append(measure)
        db.session.flush()
        for item in data.get("versions") or []:
            db.session.add(
                MeasureVersion(
                    measure_id=measures[item["measure"]].id,
                    **{k: v for k, v in item.items() if k != "measure"},
                )
            )
        db.session.flush()
    except (KeyError, IndexError, TypeError) as exc:
        raise ValidationFailed(_("Export des élections illisible."), field="elections") from exc


def personal_data(user: Any) -> dict[str, Any]:
    """The person's candidacies (with the filing details they gave) and volunteerings."""
    mine = list(db.session.scalars(select(Candidacy).where(Candidacy.user_id == user.id)))
    filings = {
        f.candidacy_id: f
        for f in db.session.scalars(
            select(Filing).where(Filing.candidacy_id.in_([c.id for c in mine]))
        )
    }
    out = []
    for c in mine:
        f = filings.get(c.id)
        out.append(
            {
                "list": c.list_id,
                "sex": c.sex,
                "statement": c.statement,
                "themes": c.themes,
                "declared_adult": c.declared_adult,
                "declared_on_roll": c.declared_on_roll,
                "filing": None
                if f is None
                else {
                    "last_name": f.last_name,
                    "first_names": f.first_names,
                    "birth_date": f.birth_date.isoformat(),
                    "birth_place": f.birth_place,
                    "nationality": f.nationality,
                    "address": f.address,
                },
            }
        )
    volunteering = [
        {"draw": v.draw_id, "attributes": v.attributes}
        for v in db.session.scalars(select(Volunteer).where(Volunteer.user_id == user.id))
    ]
    return {"candidacies": out, "draw_volunteers": volunteering}


def erase_personal_data(user: Any) -> None:
    """Filing details are deleted; candidacies and volunteerings lose the person (a list
    already adopted keeps its length, a draw already published keeps its references)."""
    mine = list(db.session.scalars(select(Candidacy).where(Candidacy.user_id == user.id)))
    for filing in db.session.scalars(
        select(Filing).where(Filing.candidacy_id.in_([c.id for c in mine]))
    ):
        db.session.delete(filing)
    for c in mine:
        c.user_id, c.name, c.statement, c.themes = None, _("Candidature anonymisée"), "", []
        c.withdrawn = True
    for v in db.session.scalars(select(Volunteer).where(Volunteer.user_id == user.id)):
        v.user_id, v.name = None, _("Volontaire anonymisé·e")
    db.session.flush()
