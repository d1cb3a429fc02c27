"""The filing at the préfecture: the list in its order with the fields the form asks.

The form (« déclaration de candidature », code électoral art. L265; filed by the head of
list) asks, for each candidate in the list's order: name, first names, sex, date and place
of birth, nationality and address. These are personal data: each candidate gives their own,
and only the list's coordinators (and the candidate) ever read them — no public page, no
API listing, no commune export, no journal entry carries them. :func:`details` is the one
reader and checks who asks.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_elections import law
from convergence_elections.models import Candidacy, ElectionList, Filing
from convergence_elections.services import (
    candidacies,
    is_coordinator,
    is_member,
    ordered,
)
from federation.db import db
from federation.errors import Forbidden, ValidationFailed
from federation.validation import text_field

FIELDS = (
    "position",
    "last_name",
    "first_names",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "address",
)
#: characters that make a spreadsheet read a cell as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def require_coordinator(row: ElectionList, user: Any) -> None:
    if not is_coordinator(row, user):
        raise Forbidden(_("Réservé aux coordinateur·rices de la liste."))


def give(candidacy: Candidacy, data: dict[str, Any], user: Any) -> Filing:
    """The candidate gives (or corrects) their own details for the form."""
    if not is_member(user) or user.id != candidacy.user_id:
        raise Forbidden(_("Chaque candidat·e saisit ses propres informations."))
    raw = str(data.get("birth_date") or "").strip()
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("Date invalide (AAAA-MM-JJ)."), field="birth_date") from None
    if born > date.today():
        raise ValidationFailed(_("Date invalide (AAAA-MM-JJ)."), field="birth_date")
    row = db.session.scalar(select(Filing).where(Filing.candidacy_id == candidacy.id))
    row = row or Filing(candidacy_id=candidacy.id)
    row.last_name = text_field(data.get("last_name"), "last_name", 200, required=True)
    row.first_names = text_field(data.get("first_names"), "first_names", 200, required=True)
    row.birth_date = born
    row.birth_place = text_field(data.get("birth_place"), "birth_place", 200, required=True)
    row.nationality = text_field(data.get("nationality"), "nationality", 100, required=True)
    row.address = text_field(data.get("address"), "address", 1000, required=True)
    db.session.add(row)
    db.session.flush()
    return row


def own(candidacy: Candidacy, user: Any) -> Filing | None:
    """The candidate's own details (for their form), or None."""
    if not is_member(user) or user.id != candidacy.user_id:
        return None
    return db.session.scalar(select(Filing).where(Filing.candidacy_id == candidacy.id))


def details(row: ElectionList, user: Any) -> list[dict[str, Any]]:
    """Every candidate of the list, in its order, with the form's fields (coordinators only)."""
    require_coordinator(row, user)
    people = ordered(row) if row.order else candidacies(row)
    ids = [c.id for c in people]
    found = {
        f.candidacy_id: f
        for f in db.session.scalars(select(Filing).where(Filing.candidacy_id.in_(ids)))
    }
    out = []
    for position, person in enumerate(people, 1):
        data = found.get(person.id)
        out.append(
            {
                "position": position,
                "candidacy": person.id,
                "name": person.name,
                "last_name": data.last_name if data else "",
                "first_names": data.first_names if data else "",
                "sex": person.sex,
                "birth_date": data.birth_date.isoformat() if data else "",
                "birth_place": data.birth_place if data else "",
                "nationality": data.nationality if data else "",
                "address": data.address if data else "",
                "complete": data is not None,
            }
        )
    return out


def neutralise(value: Any) -> str:
    """A cell no spreadsheet will run as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def headers() -> list[str]:
    return [
        _("Ordre"),
        _("Nom"),
        _("Prénoms"),
        _("Sexe"),
        _("Date de naissance"),
        _("Lieu de naissance"),
        _("Nationalité"),
        _("Adresse"),
    ]


def as_csv(row: ElectionList, user: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers())
    for line in details(row, user):
        writer.writerow([neutralise(line[name]) for name in FIELDS])
    return out.getvalue()


def as_pdf(row: ElectionList, user: Any) -> bytes:
    """The list for filing, as a PDF (fpdf2, imported only when a PDF is asked)."""
    from fpdf import FPDF

    from convergence_elections.texts import latin1

    lines = details(row, user)
    pdf = FPDF(format="A4", orientation="L")
    pdf.set_title(latin1(row.title))
    pdf.set_creator("Convergence")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.multi_cell(
        0,
        7,
        latin1(_("Liste « %(t)s » : dépôt en préfecture", t=row.title)),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(
        0,
        5,
        latin1(
            _(
                "%(n)s noms pour %(s)s sièges ; alternance stricte des sexes (%(law)s). "
                "Déposée par la tête de liste (%(l265)s).",
                n=len(lines),
                s=row.seats,
                law=law.LAW_2025_444,
                l265=law.L265,
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    widths = (12, 38, 45, 12, 28, 45, 30, 67)
    pdf.set_font("Helvetica", style="B", size=8)
    for width, title in zip(widths, headers(), strict=True):
        pdf.cell(width, 6, latin1(title), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=8)
    for line in lines:
        for width, name in zip(widths, FIELDS, strict=True):
            pdf.cell(width, 6, latin1(str(line[name]))[:60], border=1)
        pdf.ln()
    return bytes(pdf.output())
