"""The open budget: lines, amendments, spending entries written to the public journal, CSV
import with a preview, spending decided collectively (governance events) and pooled
intercommunal contributions. No Flask request objects here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from federation import csvio
from federation.db import db, lock_row
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.formatting import money as format_money
from federation.journal.services import record
from federation.tenancy.context import current_commune
from federation.validation import CENT, money
from federation.validation import text_field as _text

from . import nomenclature as m57
from .models import (
    AUTHORITY_KINDS,
    SECTIONS,
    BudgetAmendment,
    BudgetEntry,
    BudgetLine,
    PBProcess,
)

log = logging.getLogger(__name__)
SECTION_LABELS = {"operation": _l("fonctionnement"), "investment": _l("investissement")}
KIND_LABELS = {
    "decision": _l("décision de l'assemblée"),
    "pb": _l("budget participatif"),
    "pooled": _l("projet intercommunal mutualisé"),
    "line": _l("ligne votée du budget (dépense courante)"),
    "manual": _l("sans décision (inscrite avant la règle)"),
}
DIRECTION_LABELS = {"expense": _l("dépense"), "revenue": _l("recette")}


def _year(value: Any, field: str = "year") -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Année invalide."), field=field) from None
    if not 1990 <= year <= 2200:
        raise ValidationFailed(_("Année invalide."), field=field)
    return year


def _code(value: Any, field: str, required: bool = True) -> str:
    code = str(value or "").strip()
    if required and not code:
        raise ValidationFailed(_("Ce champ est obligatoire."), field=field)
    if len(code) > 10 or not all(c.isalnum() or c in ".-" for c in code):
        raise ValidationFailed(
            _("Code M57 invalide (chiffres, 10 caractères au plus)."), field=field
        )
    return code


SECTION_WORDS = {
    "operation": "operation",
    "fonctionnement": "operation",
    "f": "operation",
    "investment": "investment",
    "investissement": "investment",
    "i": "investment",
}


def _word(words: dict[str, str], value: Any, field: str, unknown: str) -> str:
    found = words.get(str(value or "").strip().lower())
    if found is None:
        raise ValidationFailed(unknown, field=field)
    return found


def _section(value: Any, field: str = "section") -> str:
    return _word(
        SECTION_WORDS, value, field, _("Section inconnue : fonctionnement ou investissement.")
    )


DIRECTION_WORDS = {
    "expense": "expense",
    "dépense": "expense",
    "depense": "expense",
    "dépenses": "expense",
    "depenses": "expense",
    "d": "expense",
    "revenue": "revenue",
    "recette": "revenue",
    "recettes": "revenue",
    "r": "revenue",
}


def _direction(value: Any, field: str = "direction") -> str:
    return _word(DIRECTION_WORDS, value, field, _("Sens inconnu : dépense ou recette."))


# --- lines ---------------------------------------------------------------------------------


def create_line(
    year: Any,
    section: Any,
    chapter: Any,
    function: Any,
    label: Any,
    planned: Any,
    theme: Any = "",
    *,
    direction: Any = None,
    nature: Any = "",
    actor: str = "",
) -> BudgetLine:
    """A line of the budget, checked against the M57 nomenclature (422 naming the field)."""
    values = line_values(section, direction, chapter, function, nature)
    line = BudgetLine(
        year=_year(year),
        label=_text(label, "label", 200, required=True),
        theme=_text(theme, "theme", 40),
        planned=money(planned, "planned", allow_zero=True, allow_negative=True),
        **values,
    )
    if line.planned < 0:
        raise ValidationFailed(_("Le montant prévu ne peut pas être négatif."), field="planned")
    try:
        with db.session.begin_nested():
            db.session.add(line)
    except IntegrityError:
        raise Conflict(
            _("Cette ligne existe déjà au budget %(y)s.", y=line.year), field="label"
        ) from None
    return line


def line_values(
    section: Any, direction: Any, chapter: Any, function: Any, nature: Any
) -> dict[str, str]:
    """Section, direction, chapter, function and nature of a line, checked against M57;
    the first fault raises :class:`ValidationFailed` naming its field."""
    values, faults = _nomenclature_values(section, direction, chapter, function, nature)
    if faults:
        field_name, message = faults[0]
        raise ValidationFailed(message, field=field_name, errors=_by_field(faults))
    return values


def _by_field(faults: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field_name, message in faults:
        found.setdefault(field_name, []).append(message)
    return found


def _nomenclature_values(
    section: Any, direction: Any, chapter: Any, function: Any, nature: Any
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    faults: list[tuple[str, str]] = []
    try:
        chapter = _code(chapter, "chapter")
    except ValidationFailed as exc:
        return {}, [("chapter", str(exc.message))]
    try:
        function = _code(function, "function", required=False)
    except ValidationFailed as exc:
        faults.append(("function", str(exc.message)))
        function = ""
    nature = str(nature or "").strip()
    known = m57.chapters().get(chapter)
    if str(section or "").strip():
        try:
            section = _section(section)
        except ValidationFailed as exc:
            faults.append(("section", str(exc.message)))
            section = known.section if known else "operation"
    else:
        section = known.section if known else "operation"
    if str(direction or "").strip():
        try:
            direction = _direction(direction)
        except ValidationFailed as exc:
            faults.append(("direction", str(exc.message)))
            direction = m57.default_direction(chapter) or "expense"
    else:
        direction = m57.default_direction(chapter)
        if direction is None and known is not None:
            faults.append(
                (
                    "direction",
                    _(
                        "sens manquant : le chapitre %(c)s porte des dépenses et des "
                        "recettes (dépense ou recette)",
                        c=chapter,
                    ),
                )
            )
        direction = direction or "expense"
    checked = m57.check(section, direction, chapter, function, nature)
    faults += checked.errors
    values = {
        "section": section,
        "direction": direction,
        "chapter": chapter,
        "function": function,
        "nature": nature,
    }
    return values, faults


def get_line(line_id: int) -> BudgetLine:
    line = db.session.get(BudgetLine, line_id)
    if line is None:
        raise NotFound(_("Ligne budgétaire introuvable."), field="line_id")
    return line


def years() -> list[int]:
    return list(
        db.session.scalars(select(BudgetLine.year).distinct().order_by(BudgetLine.year.desc()))
    )


def current_year(found: list[int] | None = None) -> int | None:
    """The year shown by default: this calendar year if it has lines, else the latest
    (``found``: :func:`years`, when the caller has read them already)."""
    found = years() if found is None else found
    if not found:
        return None
    today = date.today().year
    return today if today in found else found[0]


@dataclass
class LineFigures:
    line: BudgetLine
    amended: Decimal = Decimal("0.00")
    executed: Decimal = Decimal("0.00")

    @property
    def planned(self) -> Decimal:
        return self.line.planned + self.amended

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.executed

    @property
    def rate(self) -> float | None:
        return float(self.executed / self.planned * 100) if self.planned else None


def figures(year: int | None) -> list[LineFigures]:
    """Every line of a year with its amendments and executed total: one query."""
    if year is None:
        return []
    amended = (
        select(func.sum(BudgetAmendment.amount))
        .where(BudgetAmendment.line_id == BudgetLine.id)
        .correlate(BudgetLine)
        .scalar_subquery()
    )
    executed = (
        select(func.sum(BudgetEntry.amount))
        .where(BudgetEntry.line_id == BudgetLine.id)
        .correlate(BudgetLine)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(BudgetLine, amended, executed)
        .where(BudgetLine.year == year)
        .order_by(BudgetLine.section, BudgetLine.chapter, BudgetLine.function, BudgetLine.id)
    ).all()
    return [
        LineFigures(line, Decimal(amends or 0).quantize(CENT), Decimal(spent or 0).quantize(CENT))
        for line, amends, spent in rows
    ]


def line_figures(line: BudgetLine, *, lock: bool = False) -> LineFigures:
    if lock:  # two bookings on one line wait for each other (see federation.db.lock_row)
        lock_row(BudgetLine, line.id)
    amended = db.session.scalar(
        select(func.sum(BudgetAmendment.amount)).where(BudgetAmendment.line_id == line.id)
    )
    executed = db.session.scalar(
        select(func.sum(BudgetEntry.amount)).where(BudgetEntry.line_id == line.id)
    )
    return LineFigures(
        line, Decimal(amended or 0).quantize(CENT), Decimal(executed or 0).quantize(CENT)
    )


def group_by(rows: list[LineFigures], key: str) -> list[tuple[str, Decimal, Decimal]]:
    """(label, planned, executed) per chapter or per theme, for the charts."""
    totals: dict[str, list[Decimal]] = {}
    for row in rows:
        if key == "chapter":
            name = row.line.chapter
            label = m57.chapter_label(name)
            name = f"{name} {label}" if label else name
            name = name if len(name) <= 24 else name[:23] + "…"
        else:
            name = row.line.theme or _("(sans thème)")
        bucket = totals.setdefault(name, [Decimal(0), Decimal(0)])
        bucket[0] += row.planned
        bucket[1] += row.executed
    return [(name, p, e) for name, (p, e) in sorted(totals.items())]


def amend(line: BudgetLine, amount: Any, reason: Any, *, actor: str) -> BudgetAmendment:
    """A décision modificative: planned amount up or down, never under what is spent."""
    delta = money(amount, "amount", allow_zero=True, allow_negative=True)
    if delta == 0:
        raise ValidationFailed(_("Le montant ne peut pas être nul."), field="amount")
    reason = _text(reason, "reason", 2000, required=True)
    now = line_figures(line, lock=True)
    if now.planned + delta < now.executed:
        raise Conflict(
            _(
                "Impossible : la ligne serait à %(p)s €, sous ce qui est déjà dépensé (%(e)s €).",
                p=now.planned + delta,
                e=now.executed,
            ),
            field="amount",
        )
    row = BudgetAmendment(line_id=line.id, amount=delta, reason=reason, decided_by=actor)
    db.session.add(row)
    db.session.flush()
    entry = record(
        "budget.amended",
        payload={
            "line": _line_ref(line),
            "amount": str(delta),
            "currency": "EUR",
            "reason": reason,
        },
        commune_id=line.commune_id,
        actor=actor,
    )
    row.journal_seq = entry.seq
    return row


def _line_ref(line: BudgetLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "year": line.year,
        "section": line.section,
        "chapter": line.chapter,
        "function": line.function,
        "label": line.label,
    }


# --- spending ------------------------------------------------------------------------------


def book(
    line: BudgetLine,
    amount: Any,
    label: Any,
    *,
    kind: str,
    decided_by: str = "",
    actor: str = "",
    decision_id: int | None = None,
    proposal_id: int | None = None,
    pooled_project_id: int | None = None,
    pb_project_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> BudgetEntry:
    """Book executed spending on a line and write it to the public journal — the one path
    for every spending entry (page, API, CLI, governance and intercommunal events, the
    participatory budget).

    ``kind`` names what allowed it, and the entry points to it: ``"decision"`` an adopted
    decision (``decision_id``), ``"pb"`` a winning participatory-budget project
    (``pb_project_id``), ``"pooled"`` a ratified pooled project (``pooled_project_id``),
    ``"line"`` the voted line itself, for ordinary operating spending on the chapters the
    commune's settings name. Anything else is refused (422 on ``decision``).

    Refused beyond what remains on the line (planned + amendments − executed), with a
    message that gives the figures. One decision or pooled project is booked once.
    """
    authority = _authority(line, kind, decision_id, pooled_project_id, pb_project_id)
    proposal_id = authority.get("proposal", proposal_id)
    amount = money(amount, "amount")
    label = _text(label, "label", 200, required=True)
    now = line_figures(line, lock=True)
    if amount > now.remaining:
        raise Conflict(
            _(
                "Dépense refusée : %(a)s € dépassent ce qui reste sur la ligne « %(l)s » "
                "(%(r)s € sur %(p)s € prévus).",
                a=amount,
                l=line.label,
                r=now.remaining,
                p=now.planned,
            ),
            field="amount",
        )
    entry = BudgetEntry(
        line_id=line.id,
        amount=amount,
        label=label,
        kind=kind,
        decided_by=_text(decided_by or authority.get("by") or actor, "decided_by", 200),
        decision_id=decision_id,
        proposal_id=proposal_id,
        pooled_project_id=pooled_project_id,
        pb_project_id=pb_project_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise Conflict(_("Cette dépense est déjà inscrite."), field="decision") from None
    authority.pop("by", None)
    journal = record(
        "budget.spending",
        payload={
            "entry": entry.id,
            "amount": str(amount),
            "currency": "EUR",
            "label": entry.label,
            "line": _line_ref(line),
            "kind": kind,
            "decided_by": entry.decided_by,
            "decision": decision_id,
            "proposal": proposal_id,
            "pooled_project": pooled_project_id,
            "pb_project": pb_project_id,
            "authority": authority,
            **(extra or {}),
        },
        commune_id=line.commune_id,
        actor=actor or entry.decided_by,
    )
    entry.journal_seq = journal.seq
    return entry


def _no_decision() -> ValidationFailed:
    return ValidationFailed(
        _(
            "Une dépense doit pointer vers la décision qui l'a permise : une décision adoptée, "
            "un projet intercommunal ratifié, un projet lauréat du budget participatif, ou la "
            "ligne votée quand les règles de la commune le permettent."
        ),
        field="decision",
    )


def _authority(
    line: BudgetLine,
    kind: str,
    decision_id: int | None,
    pooled_project_id: int | None,
    pb_project_id: int | None,
) -> dict[str, Any]:
    """What allowed a spending, checked; the journal's ``authority`` (with ``by``, the
    default "decided by" text, removed before it is written)."""
    if kind not in AUTHORITY_KINDS:
        raise _no_decision()
    if line.direction != "expense":
        raise ValidationFailed(
            _("On n'inscrit une dépense que sur une ligne de dépenses."), field="line_id"
        )
    if kind == "decision":
        return _decision_authority(decision_id)
    if kind == "pb":
        from .models import PBProject

        project = db.session.get(PBProject, int(pb_project_id or 0))
        if project is None or not project.selected:
            raise _no_decision()
        return {"kind": "pb", "pb_project": project.id, "process": project.process_id}
    if kind == "pooled":
        # booked on the event of the intercommunal ratification, which carries the id
        if not pooled_project_id:
            raise _no_decision()
        return {"kind": "pooled", "pooled_project": int(pooled_project_id)}
    if not voted_line_allows(line):
        raise ValidationFailed(
            _(
                "Les règles de la commune ne permettent pas de dépenser sur la seule ligne "
                "votée pour le chapitre %(c)s : choisissez la décision qui permet cette "
                "dépense.",
                c=line.chapter,
            ),
            field="decision",
        )
    return {
        "kind": "line",
        "line": line.id,
        "year": line.year,
        "chapter": line.chapter,
        "by": _("Budget %(y)s voté (ligne « %(l)s »)", y=line.year, l=line.label)[:200],
    }


def _decision_authority(decision_id: Any) -> dict[str, Any]:
    from federation.governance.models import Decision

    try:
        decision = db.session.get(Decision, int(decision_id or 0))
    except (TypeError, ValueError):
        decision = None
    if decision is None:  # tenant-scoped: another commune's decision is not found either
        raise _no_decision()
    return {
        "kind": "decision",
        "decision": decision.id,
        "proposal": decision.proposal_id,
        **decision.title_data(),  # title (with its kind and params when generated)
        "journal_decision_seq": decision.journal_seq,
        "by": decision.body.name if decision.body else "",
    }


def voted_line_chapters(commune_id: int | None = None) -> list[str]:
    """The operating chapters on which the voted line itself allows ordinary spending
    (setting ``voted_line_chapters``, e.g. "011,012")."""
    from federation.plugins.services import plugin_settings

    settings = plugin_settings(commune_id or _commune_of_session(), "budget")
    raw = str(settings.get("voted_line_chapters") or "")
    return [c.strip() for c in raw.replace(";", ",").split(",") if c.strip()]


def voted_line_allows(line: BudgetLine) -> bool:
    return (
        line.section == "operation"
        and line.direction == "expense"
        and line.chapter in voted_line_chapters(line.commune_id)
    )


def bookable_decisions(limit: int = 50) -> list[Any]:
    """Adopted decisions not booked yet, newest first (one query): what a spending may
    point to on the booking form."""
    from federation.governance.models import Decision

    booked = select(BudgetEntry.decision_id).where(BudgetEntry.decision_id.is_not(None))
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.id.not_in(booked))
            .order_by(Decision.id.desc())
            .limit(limit)
        )
    )


def book_for(
    line: BudgetLine, amount: Any, label: Any, authority: Any, *, decision_id: Any, actor: str
) -> BudgetEntry:
    """A booking asked by a person (page, API, CLI): ``authority`` is ``"decision"`` (with
    ``decision_id``) or ``"line"`` (the voted line)."""
    if authority == "line":
        return book(line, amount, label, kind="line", actor=actor)
    if authority != "decision" or decision_id in (None, ""):
        raise _no_decision()
    try:
        decision = int(decision_id)
    except (TypeError, ValueError):
        raise _no_decision() from None
    return book(line, amount, label, kind="decision", decision_id=decision, actor=actor)


def without_decision(year: int | None = None) -> list[tuple[BudgetEntry, BudgetLine]]:
    """Entries booked before every spending had to point to a decision (kind "manual"):
    kept, and listed as such."""
    query = (
        select(BudgetEntry, BudgetLine)
        .join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
        .where(BudgetEntry.kind.not_in(AUTHORITY_KINDS))
        .order_by(BudgetEntry.id)
    )
    if year is not None:
        query = query.where(BudgetLine.year == year)
    return [(e, line) for e, line in db.session.execute(query).all()]


def entries(line: BudgetLine | None = None, year: int | None = None, limit: int = 200):
    query = select(BudgetEntry, BudgetLine).join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
    if line is not None:
        query = query.where(BudgetEntry.line_id == line.id)
    if year is not None:
        query = query.where(BudgetLine.year == year)
    return db.session.execute(
        query.order_by(BudgetEntry.created_at.desc(), BudgetEntry.id.desc()).limit(limit)
    ).all()


def get_entry(entry_id: int) -> BudgetEntry:
    entry = db.session.get(BudgetEntry, entry_id)
    if entry is None:
        raise NotFound(_("Dépense introuvable."), field="entry")
    return entry


def amendments(line: BudgetLine) -> list[BudgetAmendment]:
    return list(
        db.session.scalars(
            select(BudgetAmendment)
            .where(BudgetAmendment.line_id == line.id)
            .order_by(BudgetAmendment.id)
        )
    )


# --- CSV import ----------------------------------------------------------------------------

#: Column names accepted, lower-cased. Three shapes:
#: - this platform's: section;chapitre;fonction;nature;sens;libelle;prevu;realise;theme
#: - the SCDL "budget" open-data file (columns BGT_*), as converted from a commune's TOTEM
#:   XML budget document by yatotem2scdl 0.1.5 (xsl/totem2xmlcsv.xsl): BGT_CONTNAT (chapter),
#:   BGT_NATURE, BGT_NATURE_LABEL, BGT_FONCTION, BGT_SECTION (fonctionnement /
#:   investissement), BGT_CODRD (dépense / recette), BGT_OPBUDG (réel / ordre),
#:   BGT_MTPREV, BGT_CREDOUV, BGT_MTREAL, BGT_ANNEE;
#: - the TOTEM ``LigneBudget`` elements themselves (DocumentBudgetaire): ContNat, Nature,
#:   Fonction, CodRD (D / R), OpBudg (0 / 1), MtPrev, CredOuv, MtReal.
CSV_COLUMNS = {
    "section": "section",
    "bgt_section": "section",
    "chapitre": "chapter",
    "chapter": "chapter",
    "bgt_contnat": "chapter",
    "contnat": "chapter",
    "fonction": "function",
    "function": "function",
    "bgt_fonction": "function",
    "nature": "nature",
    "compte": "nature",
    "bgt_nature": "nature",
    "sens": "direction",
    "direction": "direction",
    "bgt_codrd": "direction",
    "codrd": "direction",
    "libelle": "label",
    "libellé": "label",
    "label": "label",
    "bgt_nature_label": "label",
    "theme": "theme",
    "thème": "theme",
    "prevu": "planned",
    "prévu": "planned",
    "montant_prevu": "planned",
    "montant prévu": "planned",
    "planned": "planned",
    "bgt_mtprev": "planned",
    "mtprev": "planned",
    "bgt_credouv": "credits",
    "credouv": "credits",
    "realise": "executed",
    "réalisé": "executed",
    "montant_realise": "executed",
    "montant réalisé": "executed",
    "executed": "executed",
    "bgt_mtreal": "executed",
    "mtreal": "executed",
    "bgt_opbudg": "operation",
    "opbudg": "operation",
    "bgt_annee": "file_year",
    "exer": "file_year",
    # the DGFiP open data "balances comptables des communes" (one row per account): net
    # budgetary debit / credit, of which order operations (COMPTE and FONCTION above)
    "obnetdeb": "debit",
    "oobdeb": "order_debit",
    "obnetcre": "credit",
    "oobcre": "order_credit",
}
REQUIRED_COLUMNS = ("chapter",)
EXPECTED_HEADER = "section;chapitre;fonction;nature;sens;libelle;prevu;realise;theme"
MAX_CSV_ROWS = 5000
ORDER_WORDS = {"ordre", "1", "order"}


@dataclass
class CsvRow:
    number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class CsvPreview:
    year: int
    rows: list[CsvRow]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors and all(not r.errors for r in self.rows)

    def messages(self) -> list[str]:
        found = list(self.errors)
        for row in self.rows:
            found += [_("Ligne %(n)d : %(m)s", n=row.number, m=m) for m in row.errors]
        return found

    def notes(self) -> list[str]:
        return [
            _("Ligne %(n)d : %(m)s", n=row.number, m=m) for row in self.rows for m in row.warnings
        ]

    def _total(self, key: str, direction: str | None = None) -> Decimal:
        return sum(
            (
                r.values[key]
                for r in self.rows
                if not r.errors and (direction is None or r.values["direction"] == direction)
            ),
            Decimal(0),
        )

    @property
    def total_planned(self) -> Decimal:
        return self._total("planned")

    @property
    def planned_expenses(self) -> Decimal:
        return self._total("planned", "expense")

    @property
    def planned_revenue(self) -> Decimal:
        return self._total("planned", "revenue")

    @property
    def executed_without_decision(self) -> Decimal:
        """The file's executed spending: not booked by the import (no decision points to
        it) — listed for the reconciliation."""
        return self._total("executed", "expense")


def _columns(header: list[str], required: tuple[str, ...], expected: str) -> list[str | None]:
    columns = [CSV_COLUMNS.get(h.strip().lower()) for h in header]
    missing = [c for c in required if c not in columns]
    if "planned" in required and "planned" in missing and "credits" in columns:
        missing.remove("planned")
    if missing:
        raise ValidationFailed(
            _(
                "Colonnes manquantes : %(c)s. En-tête attendu : %(h)s (ou les colonnes BGT_… "
                "du budget SCDL, ou ContNat, Nature, Fonction, CodRD, MtPrev, MtReal de TOTEM)",
                c=", ".join(missing),
                h=expected,
            ),
            field="csv",
        )
    return columns


def preview_csv(text: str, year: Any) -> CsvPreview:
    """Read a budget CSV and check every line against M57; nothing is written."""
    year = _year(year)
    # federation.csvio: size, sniffed delimiter, line numbers, a clear error on bad CSV
    table = csvio.read_table(text or "", field_name="csv", max_rows=MAX_CSV_ROWS)
    columns = _columns(table.header, ("chapter", "planned"), EXPECTED_HEADER)
    existing = {
        (line.section, line.direction, line.chapter, line.function, line.nature, line.label)
        for line in db.session.scalars(select(BudgetLine).where(BudgetLine.year == year))
    }
    seen: dict[tuple, int] = {}
    rows = [_csv_row(number, cells, columns, existing, seen, year) for number, cells in table.rows]
    errors = [] if rows else [_("Aucune ligne de budget dans le fichier.")]
    return CsvPreview(year, rows, errors)


CSV_FIELD_NAMES = {
    "section": _l("section"),
    "direction": _l("sens"),
    "chapter": _l("chapitre"),
    "function": _l("fonction"),
    "nature": _l("nature"),
    "label": _l("libellé"),
    "theme": _l("thème"),
    "planned": _l("prévu"),
    "executed": _l("réalisé"),
    "file_year": _l("exercice"),
}


def _raw(cells: list[str], columns: list[str | None]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for i, col in enumerate(columns):
        if col and i < len(cells) and cells[i].strip():
            raw.setdefault(col, cells[i].strip())
    return raw


def _csv_row(
    number: int,
    cells: list[str],
    columns: list[str | None],
    existing: set,
    seen: dict,
    year: int,
) -> CsvRow:
    raw = _raw(cells, columns)
    row = CsvRow(number, dict(raw))

    def fault(name: str, message: Any) -> None:
        row.errors.append(f"{CSV_FIELD_NAMES[name]} — {message}")

    values, faults = _nomenclature_values(
        raw.get("section"),
        raw.get("direction"),
        raw.get("chapter"),
        raw.get("function"),
        raw.get("nature"),
    )
    for name, message in faults:
        fault(name, message)
    if values:
        row.warnings += m57.check(
            values["section"],
            values["direction"],
            values["chapter"],
            values["function"],
            values["nature"],
        ).warnings
    row.values.update(values)
    label = raw.get("label") or _default_label(values)
    amounts = (
        ("planned", raw.get("planned") or raw.get("credits") or ""),
        ("executed", raw.get("executed") or "0"),
    )
    for name, value in amounts:
        try:
            row.values[name] = money(value, name, allow_zero=True, allow_negative=True)
        except ValidationFailed as exc:
            fault(name, exc.message)
    for name, check in (
        ("label", lambda: _text(label, "label", 200, required=True)),
        ("theme", lambda: _text(raw.get("theme", ""), "theme", 40)),
    ):
        try:
            row.values[name] = check()
        except ValidationFailed as exc:
            fault(name, exc.message)
    if raw.get("file_year") and raw["file_year"].strip() != str(year):
        fault(
            "file_year",
            _("le fichier est de l'exercice %(f)s, pas %(y)s", f=raw["file_year"], y=year),
        )
    row.values["order"] = str(raw.get("operation", "")).strip().lower() in ORDER_WORDS
    if row.errors:
        return row
    values = row.values
    if values["planned"] < 0 or values["executed"] < 0:
        row.errors.append(_("les montants ne peuvent pas être négatifs"))
    elif values["direction"] == "expense" and values["executed"] > values["planned"]:
        row.errors.append(
            _(
                "réalisé (%(e)s) supérieur au prévu (%(p)s)",
                e=format_money(values["executed"]),
                p=format_money(values["planned"]),
            )
        )
    key = (
        values["section"],
        values["direction"],
        values["chapter"],
        values["function"],
        values["nature"],
        values["label"],
    )
    if key in existing:
        row.errors.append(_("cette ligne existe déjà au budget (passez par un amendement)"))
    elif key in seen:
        row.errors.append(_("même ligne que la ligne %(n)d du fichier", n=seen[key]))
    seen.setdefault(key, number)
    return row


def _decimal_or_zero(value: Any) -> Decimal:
    """A money cell that may be empty or negative (the DGFiP balance's amounts)."""
    if not str(value or "").strip():
        return Decimal("0.00")
    return money(value, "executed", allow_zero=True, allow_negative=True)


def _default_label(values: dict[str, str]) -> str:
    """A line without a label is named after its nature, else its chapter."""
    if not values:
        return ""
    nature = m57.natures().get(values.get("nature", ""))
    if nature is not None:
        return f"{nature.code} {nature.label}"[:200]
    chapter = values["chapter"]
    text = f"{chapter} {m57.chapter_label(chapter)}".strip()
    if values.get("nature"):
        text = f"{text} — {values['nature']}"
    if values.get("function"):
        text = f"{text} ({_('fonction')} {values['function']})"
    return text[:200]


def import_csv(text: str, year: Any, *, actor: str, dry_run: bool = False) -> CsvPreview:
    """Import every line or none: any error refuses the whole file, line by line.

    A "réalisé" column books nothing: executed spending needs the decision that allowed
    it. What the file says was executed is listed (:attr:`CsvPreview.executed_without_decision`
    and the reconciliation, :func:`convergence_budget.execution.reconcile`)."""
    preview = preview_csv(text, year)
    if not preview.ok:
        raise ValidationFailed(
            _("Le fichier contient des erreurs ; rien n'a été importé."),
            errors={"csv": preview.messages()},
        )
    if dry_run:
        return preview
    for row in preview.rows:
        values = row.values
        db.session.add(
            BudgetLine(
                year=preview.year,
                section=values["section"],
                direction=values["direction"],
                chapter=values["chapter"],
                function=values["function"],
                nature=values["nature"],
                label=values["label"],
                theme=values["theme"],
                planned=values["planned"],
            )
        )
    db.session.flush()
    commune_id = current_commune.id if current_commune else None
    record(
        "budget.imported",
        payload={
            "year": preview.year,
            "lines": len(preview.rows),
            "planned": str(preview.total_planned),
            "planned_expenses": str(preview.planned_expenses),
            "planned_revenue": str(preview.planned_revenue),
            "executed_without_decision": str(preview.executed_without_decision),
            "nomenclature": f"{m57.NORM} {m57.EXERCISE}",
            "currency": "EUR",
        },
        commune_id=commune_id or _commune_of_session(),
        actor=actor,
    )
    return preview


def _commune_of_session() -> int:
    from federation.tenancy.context import session

    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("budget import needs a commune scope")
    return scope.commune_id


# --- spending decided collectively (governance) ------------------------------------------


def attach_to_proposal(proposal: Any, line_id: Any, amount: Any, user: Any, *, may_manage: bool):
    """Attach spending (a line and an amount) to a proposal, in ``extra['budget']``."""
    if proposal.status not in ("draft", "deliberation"):
        raise Conflict(
            _("La dépense se rattache avant le vote (brouillon ou délibération)."),
            field="proposal",
        )
    if not may_manage and proposal.author_id != user.id:
        raise Forbidden(_("Seul·e l'auteur·rice ou les services rattachent une dépense."))
    try:
        line = get_line(int(line_id))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Choisissez une ligne budgétaire."), field="line_id") from None
    amount = money(amount)
    extra = dict(proposal.extra or {})
    extra["budget"] = {"line_id": line.id, "amount": str(amount)}
    proposal.extra = extra
    if proposal.cost is None:
        proposal.cost = amount
    return line_figures(line)


def _refuse(commune: Any, payload: dict[str, Any], proposal: Any, reason: str) -> None:
    """The decision is adopted but cannot be booked: say so publicly and to the people."""
    from federation.identity.notifications import notify

    record(
        "budget.booking_refused",
        payload={
            "decision": payload.get("decision_id"),
            "proposal": payload.get("proposal_id"),
            "reason": reason,
        },
        commune_id=commune.id,
        actor="budget",
    )
    link = f"/c/{commune.slug}/proposals/{payload.get('proposal_id')}"
    params = {"title": proposal.title if proposal else "", "reason": reason}
    for user_id in sorted(_people_to_tell(commune.id, proposal)):
        notify(
            user_id,
            kind="budget.booking_refused_notice",
            params=params,
            link=link,
            commune_id=commune.id,
        )


def _people_to_tell(commune_id: int, proposal: Any) -> set[int]:
    from federation.identity.models import Membership, MembershipRole

    people = set(
        db.session.scalars(
            select(Membership.user_id)
            .join(MembershipRole, MembershipRole.membership_id == Membership.id)
            .where(
                Membership.commune_id == commune_id,
                Membership.status == "active",
                MembershipRole.role.in_(("facilitator", "agent")),
            )
        )
    )
    if proposal is not None and proposal.author_id:
        people.add(proposal.author_id)
    return people


def on_decision_adopted(payload: dict[str, Any], commune: Any) -> BudgetEntry | None:
    """Book the spending a proposal carried, once its decision is adopted."""
    from federation.governance.models import Decision, Proposal

    spending = (payload.get("extra") or {}).get("budget")
    if not isinstance(spending, dict):
        return None
    decision_id = payload.get("decision_id")
    if db.session.scalar(select(BudgetEntry.id).where(BudgetEntry.decision_id == decision_id)):
        return None  # delivered twice: booked already
    proposal = db.session.get(Proposal, payload.get("proposal_id") or 0)
    decision = db.session.get(Decision, decision_id or 0)
    try:
        line = get_line(int(spending.get("line_id")))
        with db.session.begin_nested():
            return book(
                line,
                spending.get("amount"),
                proposal.title if proposal else _("Décision %(d)s", d=decision_id),
                kind="decision",
                decided_by=decision.body.name if decision else "",
                actor=decision.body.name if decision else "governance",
                decision_id=decision.id if decision else None,
                proposal_id=proposal.id if proposal else None,
                extra={"journal_decision_seq": decision.journal_seq if decision else None},
            )
    except (NotFound, ValidationFailed, Conflict, TypeError, ValueError) as exc:
        reason = str(getattr(exc, "message", exc))
        _refuse(commune, payload, proposal, reason)
        return None


# --- pooled intercommunal funding ---------------------------------------------------------


def pooled_line(amount: Decimal, line_id: Any = None) -> BudgetLine | None:
    """The line a pooled contribution goes on: the one given, else this year's (or the
    latest year's) line of the chapter set in the settings with room enough."""
    if line_id:
        return db.session.get(BudgetLine, int(line_id))
    from federation.plugins.services import plugin_settings

    settings = plugin_settings(_commune_of_session(), "budget")
    year = current_year()
    if year is None:
        return None
    candidates = [
        row
        for row in figures(year)
        if row.line.chapter == settings.get("pooled_chapter", "204")
        and row.line.section == settings.get("pooled_section", "investment")
    ]
    for row in candidates:
        if row.remaining >= amount:
            return row.line
    return candidates[0].line if candidates else None


def book_pooled_contribution(
    line: BudgetLine,
    amount: Any,
    pooled_project_id: int,
    label: Any,
    *,
    federation_id: int | None = None,
    decided_by: str = "",
) -> BudgetEntry:
    """Book this commune's contribution to a ratified pooled project on its own line."""
    return book(
        line,
        amount,
        label,
        kind="pooled",
        decided_by=decided_by or _("Assemblée (ratification intercommunale)"),
        actor="intercommunal",
        pooled_project_id=int(pooled_project_id),
        extra={"federation": federation_id},
    )


def on_pooled_project_ratified(payload: dict[str, Any], commune: Any) -> BudgetEntry | None:
    """Event ``intercommunal.pooled_project_ratified`` (one per contributing commune):
    ``{"project_id", "federation_id", "title", "amount"[, "line_id"]}``."""
    project_id = payload.get("project_id")
    if project_id is None:
        return None
    if db.session.scalar(
        select(BudgetEntry.id).where(BudgetEntry.pooled_project_id == int(project_id))
    ):
        return None
    title = str(payload.get("title") or _("Projet intercommunal %(p)s", p=project_id))[:200]
    try:
        amount = money(payload.get("amount"))
        line = pooled_line(amount, payload.get("line_id"))
        if line is None:
            raise NotFound(
                _("aucune ligne budgétaire pour les contributions intercommunales (chapitre 204)."),
                field="line_id",
            )
        with db.session.begin_nested():
            return book_pooled_contribution(
                line,
                amount,
                int(project_id),
                _("Contribution : %(t)s", t=title)[:200],
                federation_id=payload.get("federation_id"),
            )
    except (NotFound, ValidationFailed, Conflict) as exc:
        _refuse(
            commune, {"proposal_id": None, "decision_id": None, **payload}, None, str(exc.message)
        )
        return None


# --- home page -----------------------------------------------------------------------------


@dataclass
class Summary:
    year: int | None
    planned: Decimal
    executed: Decimal
    process: PBProcess | None

    @property
    def rate(self) -> float | None:
        return float(self.executed / self.planned * 100) if self.planned else None


def home_summary() -> Summary | None:
    """The widget's figures in three queries (no query per line)."""
    year = db.session.scalar(select(func.max(BudgetLine.year)))
    planned = executed = Decimal(0)
    if year is not None:
        planned = Decimal(
            db.session.scalar(
                select(func.coalesce(func.sum(BudgetLine.planned), 0)).where(
                    BudgetLine.year == year, BudgetLine.direction == "expense"
                )
            )
        )
        planned += Decimal(
            db.session.scalar(
                select(func.coalesce(func.sum(BudgetAmendment.amount), 0))
                .join(BudgetLine, BudgetLine.id == BudgetAmendment.line_id)
                .where(BudgetLine.year == year, BudgetLine.direction == "expense")
            )
        )
        executed = Decimal(
            db.session.scalar(
                select(func.coalesce(func.sum(BudgetEntry.amount), 0))
                .join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
                .where(BudgetLine.year == year)
            )
        )
    process = db.session.scalar(select(PBProcess).order_by(PBProcess.id.desc()).limit(1))
    if year is None and process is None:
        return None
    return Summary(year, planned.quantize(CENT), executed.quantize(CENT), process)


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section, section))


__all__ = ["SECTIONS"]
