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

from .models import (
    ENTRY_KINDS,
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
    "manual": _l("engagement des services"),
}
#: M57 chapters most communes use (label shown next to the code)
M57_CHAPTERS = {
    "011": _l("Charges à caractère général"),
    "012": _l("Charges de personnel"),
    "65": _l("Autres charges de gestion courante"),
    "66": _l("Charges financières"),
    "67": _l("Charges spécifiques"),
    "70": _l("Produits des services"),
    "73": _l("Impôts et taxes"),
    "74": _l("Dotations et participations"),
    "20": _l("Immobilisations incorporelles"),
    "204": _l("Subventions d'équipement versées"),
    "21": _l("Immobilisations corporelles"),
    "23": _l("Immobilisations en cours"),
    "16": _l("Emprunts et dettes"),
}
#: M57 functions (first digit)
M57_FUNCTIONS = {
    "0": _l("Services généraux"),
    "1": _l("Sécurité"),
    "2": _l("Enseignement, formation"),
    "3": _l("Culture, vie sociale, sport"),
    "4": _l("Santé, action sociale"),
    "5": _l("Aménagement des territoires, habitat"),
    "6": _l("Action économique"),
    "7": _l("Environnement"),
    "8": _l("Transports"),
}


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


def _section(value: Any, field: str = "section") -> str:
    section = SECTION_WORDS.get(str(value or "").strip().lower())
    if section is None:
        raise ValidationFailed(
            _("Section inconnue : fonctionnement ou investissement."), field=field
        )
    return section


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
    actor: str = "",
) -> BudgetLine:
    line = BudgetLine(
        year=_year(year),
        section=_section(section),
        chapter=_code(chapter, "chapter"),
        function=_code(function, "function", required=False),
        label=_text(label, "label", 200, required=True),
        theme=_text(theme, "theme", 40),
        planned=money(planned, "planned", allow_zero=True, allow_negative=True),
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
            label = str(M57_CHAPTERS.get(name) or "")
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
    kind: str = "manual",
    decided_by: str = "",
    actor: str = "",
    decision_id: int | None = None,
    proposal_id: int | None = None,
    pooled_project_id: int | None = None,
    pb_project_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> BudgetEntry:
    """Book executed spending on a line and write it to the public journal.

    Refused beyond what remains on the line (planned + amendments − executed), with a
    message that gives the figures. One decision or pooled project is booked once.
    """
    if kind not in ENTRY_KINDS:
        raise ValidationFailed(_("Type de dépense inconnu."), field="kind")
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
        decided_by=_text(decided_by or actor, "decided_by", 200),
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
            **(extra or {}),
        },
        commune_id=line.commune_id,
        actor=actor or entry.decided_by,
    )
    entry.journal_seq = journal.seq
    return entry


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

CSV_COLUMNS = {
    "section": "section",
    "chapitre": "chapter",
    "chapter": "chapter",
    "fonction": "function",
    "function": "function",
    "libelle": "label",
    "libellé": "label",
    "label": "label",
    "theme": "theme",
    "thème": "theme",
    "prevu": "planned",
    "prévu": "planned",
    "montant_prevu": "planned",
    "montant prévu": "planned",
    "planned": "planned",
    "realise": "executed",
    "réalisé": "executed",
    "montant_realise": "executed",
    "montant réalisé": "executed",
    "executed": "executed",
}
REQUIRED_COLUMNS = ("section", "chapter", "label", "planned")
MAX_CSV_ROWS = 5000


@dataclass
class CsvRow:
    number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


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

    @property
    def total_planned(self) -> Decimal:
        return sum((r.values["planned"] for r in self.rows if not r.errors), Decimal(0))


def preview_csv(text: str, year: Any) -> CsvPreview:
    """Read a budget CSV and check every line; nothing is written."""
    year = _year(year)
    # federation.csvio: size, sniffed delimiter, line numbers, a clear error on bad CSV
    table = csvio.read_table(text or "", field_name="csv", max_rows=MAX_CSV_ROWS)
    header = table.header
    columns = [CSV_COLUMNS.get(h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValidationFailed(
            _(
                "Colonnes manquantes : %(c)s. En-tête attendu : "
                "section;chapitre;fonction;libelle;prevu;realise;theme",
                c=", ".join(missing),
            ),
            field="csv",
        )
    existing = {
        (line.section, line.chapter, line.function, line.label)
        for line in db.session.scalars(select(BudgetLine).where(BudgetLine.year == year))
    }
    seen: dict[tuple, int] = {}
    rows = [_csv_row(number, cells, columns, existing, seen) for number, cells in table.rows]
    errors = [] if rows else [_("Aucune ligne de budget dans le fichier.")]
    return CsvPreview(year, rows, errors)


def _csv_row(
    number: int, cells: list[str], columns: list[str | None], existing: set, seen: dict
) -> CsvRow:
    raw = {col: cells[i].strip() for i, col in enumerate(columns) if col and i < len(cells)}
    row = CsvRow(number, dict(raw))
    checks = (
        ("section", lambda v: _section(v)),
        ("chapter", lambda v: _code(v, "chapter")),
        ("function", lambda v: _code(v, "function", required=False)),
        ("label", lambda v: _text(v, "label", 200, required=True)),
        ("theme", lambda v: _text(v, "theme", 40)),
        ("planned", lambda v: money(v, "planned", allow_zero=True, allow_negative=True)),
        ("executed", lambda v: money(v or "0", "executed", allow_zero=True, allow_negative=True)),
    )
    names = {
        "section": _("section"),
        "chapter": _("chapitre"),
        "function": _("fonction"),
        "label": _("libellé"),
        "theme": _("thème"),
        "planned": _("prévu"),
        "executed": _("réalisé"),
    }
    for name, check in checks:
        try:
            row.values[name] = check(raw.get(name, ""))
        except ValidationFailed as exc:
            row.errors.append(f"{names[name]} — {exc.message}")
    if row.errors:
        return row
    values = row.values
    if values["planned"] < 0 or values["executed"] < 0:
        row.errors.append(_("les montants ne peuvent pas être négatifs"))
    elif values["executed"] > values["planned"]:
        row.errors.append(
            _(
                "réalisé (%(e)s) supérieur au prévu (%(p)s)",
                e=format_money(values["executed"]),
                p=format_money(values["planned"]),
            )
        )
    key = (values["section"], values["chapter"], values["function"], values["label"])
    if key in existing:
        row.errors.append(_("cette ligne existe déjà au budget (passez par un amendement)"))
    elif key in seen:
        row.errors.append(_("même ligne que la ligne %(n)d du fichier", n=seen[key]))
    seen.setdefault(key, number)
    return row


def import_csv(text: str, year: Any, *, actor: str, dry_run: bool = False) -> CsvPreview:
    """Import every line or none: any error refuses the whole file, line by line."""
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
        line = BudgetLine(
            year=preview.year,
            section=values["section"],
            chapter=values["chapter"],
            function=values["function"],
            label=values["label"],
            theme=values["theme"],
            planned=values["planned"],
        )
        db.session.add(line)
        db.session.flush()
        if values["executed"] > 0:
            book(
                line,
                values["executed"],
                _("Réalisé à la date de l'import"),
                kind="manual",
                actor=actor,
            )
    commune_id = current_commune.id if current_commune else None
    record(
        "budget.imported",
        payload={
            "year": preview.year,
            "lines": len(preview.rows),
            "planned": str(preview.total_planned),
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
                    BudgetLine.year == year
                )
            )
        )
        planned += Decimal(
            db.session.scalar(
                select(func.coalesce(func.sum(BudgetAmendment.amount), 0))
                .join(BudgetLine, BudgetLine.id == BudgetAmendment.line_id)
                .where(BudgetLine.year == year)
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
