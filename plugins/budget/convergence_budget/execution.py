"""Planned vs executed in the budget's own terms, and the reconciliation of an accounting
export with the spending booked here.

- :func:`report`: per section, revenue and expenses apart with the balance; per chapter
  and per function (and function group), planned and executed — two queries.
- :func:`reconcile`: the executed amounts of a file (this platform's CSV, the SCDL budget
  columns, TOTEM's ``MtReal``) against the entries booked here under a decision; lists
  what has no decision, books nothing.

No Flask request objects here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from federation import csvio
from federation.db import db
from federation.errors import ValidationFailed
from federation.validation import CENT, money

from . import nomenclature as m57
from . import services
from .models import AUTHORITY_KINDS, SECTIONS, BudgetEntry, BudgetLine

ZERO = Decimal("0.00")


@dataclass
class Figure:
    """Planned (with amendments) and executed amounts of a group of lines."""

    key: str
    label: str
    planned: Decimal = ZERO
    executed: Decimal = ZERO

    @property
    def rate(self) -> float | None:
        return float(self.executed / self.planned * 100) if self.planned else None


@dataclass
class SectionBalance:
    section: str
    revenue: Decimal = ZERO
    expenses: Decimal = ZERO
    executed_expenses: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        """Planned revenue minus planned expenses (0 when the section is balanced)."""
        return self.revenue - self.expenses


@dataclass
class Report:
    year: int | None
    sections: list[SectionBalance]
    chapters: dict[str, list[Figure]]  # "expense" / "revenue" → per chapter
    functions: list[Figure]  # expenses per function
    function_groups: list[Figure]  # expenses per top-level function
    without_decision: Decimal = ZERO

    @property
    def revenue(self) -> Decimal:
        return sum((s.revenue for s in self.sections), ZERO)

    @property
    def expenses(self) -> Decimal:
        return sum((s.expenses for s in self.sections), ZERO)


def report(year: int | None) -> Report:
    """The year's figures: two queries whatever the number of lines."""
    sections = {name: SectionBalance(name) for name in SECTIONS}
    chapters: dict[str, dict[str, Figure]] = {"expense": {}, "revenue": {}}
    functions: dict[str, Figure] = {}
    groups: dict[str, Figure] = {}
    without = ZERO
    if year is None:
        return Report(None, list(sections.values()), {"expense": [], "revenue": []}, [], [])
    rows = services.figures(year)  # one query: lines, amendments, executed
    for row in rows:
        line = row.line
        section = sections.setdefault(line.section, SectionBalance(line.section))
        if line.direction == "revenue":
            section.revenue += row.planned
        else:
            section.expenses += row.planned
            section.executed_expenses += row.executed
        chapter = chapters.setdefault(line.direction, {}).setdefault(
            f"{line.section}:{line.chapter}",
            Figure(line.chapter, m57.chapter_label(line.chapter)),
        )
        chapter.planned += row.planned
        chapter.executed += row.executed
        if line.direction == "expense":
            code = line.function or "—"
            _add(functions, code, m57.function_label(line.function), row)
            top = m57.function_group(line.function) if line.function else "—"
            _add(groups, top, m57.function_label(top), row)
    without = Decimal(
        db.session.scalar(
            select(func.coalesce(func.sum(BudgetEntry.amount), 0))
            .join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
            .where(BudgetLine.year == year, BudgetEntry.kind.not_in(AUTHORITY_KINDS))
        )
    ).quantize(CENT)
    return Report(
        year,
        list(sections.values()),
        {d: [f for _k, f in sorted(found.items())] for d, found in chapters.items()},
        [f for _k, f in sorted(functions.items())],
        [f for _k, f in sorted(groups.items())],
        without,
    )


def _add(table: dict[str, Figure], code: str, label: str, row: services.LineFigures) -> None:
    figure = table.setdefault(code, Figure(code, label))
    figure.planned += row.planned
    figure.executed += row.executed


def _figure_json(figure: Figure) -> dict[str, Any]:
    return {
        "code": figure.key,
        "label": figure.label,
        "planned": str(figure.planned),
        "executed": str(figure.executed),
    }


def as_json(found: Report) -> dict[str, Any]:
    return {
        "year": found.year,
        "nomenclature": dict(m57.SOURCE),
        "sections": [
            {
                "section": s.section,
                "revenue": str(s.revenue),
                "expenses": str(s.expenses),
                "balance": str(s.balance),
                "executed_expenses": str(s.executed_expenses),
            }
            for s in found.sections
        ],
        "chapters": {
            direction: [_figure_json(f) for f in items]
            for direction, items in found.chapters.items()
        },
        "functions": [_figure_json(f) for f in found.functions],
        "function_groups": [_figure_json(f) for f in found.function_groups],
        "executed_without_decision": str(found.without_decision),
    }


# --- reconciliation ------------------------------------------------------------------------

RECONCILE_HEADER = "chapitre;nature;fonction;sens;realise"
#: the balance's amounts: real executed = net budgetary operations minus order operations
BALANCE_SIDES = (("expense", "debit", "order_debit"), ("revenue", "credit", "order_credit"))


@dataclass
class ReconRow:
    """One (direction, chapter, nature, function) of the file against the lines here."""

    numbers: list[int]
    direction: str
    chapter: str
    nature: str
    function: str
    reported: Decimal = ZERO
    with_decision: Decimal = ZERO
    without_decision: Decimal = ZERO
    lines: list[int] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.direction == "revenue":
            return "revenue"
        if not self.lines:
            return "no_line"
        if self.reported > self.with_decision:
            return "without_decision"
        if self.reported < self.with_decision:
            return "ahead"
        return "ok"

    @property
    def gap(self) -> Decimal:
        """Executed in the accounts with no decision booked here for it."""
        if self.direction == "revenue":
            return ZERO
        return max(self.reported - self.with_decision, ZERO)


STATUS_LABELS = {
    "ok": _l("justifié par des décisions"),
    "revenue": _l("recette (hors du contrôle des dépenses)"),
    "no_line": _l("aucune ligne de ce budget"),
    "without_decision": _l("réalisé sans décision"),
    "ahead": _l("inscrit ici, pas encore dans la comptabilité"),
}


@dataclass
class Reconciliation:
    year: int
    rows: list[ReconRow]
    errors: list[str]
    without_decision_entries: list[tuple[BudgetEntry, BudgetLine]]

    @property
    def gap(self) -> Decimal:
        return sum((r.gap for r in self.rows), ZERO)

    @property
    def reported(self) -> Decimal:
        return sum((r.reported for r in self.rows if r.direction == "expense"), ZERO)

    @property
    def with_decision(self) -> Decimal:
        return sum((r.with_decision for r in self.rows if r.direction == "expense"), ZERO)


def reconcile(text: str, year: Any) -> Reconciliation:
    """What an accounting export says was executed, against what was booked here with a
    decision. Nothing is written: the rows the file cannot justify are listed."""
    year = services._year(year)
    table = csvio.read_table(text or "", field_name="csv", max_rows=services.MAX_CSV_ROWS)
    found = [services.CSV_COLUMNS.get(h.strip().lower()) for h in table.header]
    balance = "debit" in found and "chapter" not in found
    required = ("nature", "debit") if balance else ("chapter", "executed")
    columns = services._columns(table.header, required, RECONCILE_HEADER)
    errors: list[str] = []
    grouped: dict[tuple[str, str, str, str], ReconRow] = {}
    for number, cells in table.rows:
        raw = services._raw(cells, columns)
        if str(raw.get("operation", "")).strip().lower() in services.ORDER_WORDS:
            continue  # order operations move no money
        parts = _balance_parts(raw) if balance else [(raw, raw.get("executed") or "0")]
        if parts is None:
            errors.append(
                _(
                    "Ligne %(n)d : compte %(c)s absent de l'extrait du plan de comptes "
                    "embarqué : son chapitre n'est pas connu",
                    n=number,
                    c=raw.get("nature", ""),
                )
            )
            continue
        for part, amount in parts:
            faults = _add_part(grouped, number, part, amount)
            errors += [
                _(
                    "Ligne %(n)d : %(f)s — %(m)s",
                    n=number,
                    f=services.CSV_FIELD_NAMES.get(name, name),
                    m=message,
                )
                for name, message in faults
            ]
    if not table.rows:
        errors.append(_("Aucune ligne dans le fichier."))
    rows = list(grouped.values())
    _match(rows, year)
    return Reconciliation(year, rows, errors, services.without_decision(year))


def _add_part(
    grouped: dict[tuple[str, str, str, str], ReconRow], number: int, raw: dict, amount: Any
) -> list[tuple[str, str]]:
    values, faults = services._nomenclature_values(
        raw.get("section"),
        raw.get("direction"),
        raw.get("chapter"),
        raw.get("function"),
        raw.get("nature"),
    )
    try:
        reported = money(amount, "executed", allow_zero=True)
    except ValidationFailed as exc:
        faults.append(("executed", str(exc.message)))
    if faults:
        return faults
    key = (values["direction"], values["chapter"], values["nature"], values["function"])
    row = grouped.setdefault(key, ReconRow([], *key))
    row.numbers.append(number)
    row.reported += reported
    return []


def _balance_parts(raw: dict[str, str]) -> list[tuple[dict[str, str], Any]] | None:
    """A row of the DGFiP balance (one account): its real expense and real revenue, each on
    the chapter the plan gives the account (DR / RR); None for an account outside the
    shipped extract, whose chapter is not known."""
    known = m57.natures().get(str(raw.get("nature") or "").strip())
    if known is None:
        return None
    parts: list[tuple[dict[str, str], Any]] = []
    for direction, net, order in BALANCE_SIDES:
        chapter = known.expense_chapter if direction == "expense" else known.revenue_chapter
        if not chapter:
            continue
        try:
            amount: Any = services._decimal_or_zero(raw.get(net)) - services._decimal_or_zero(
                raw.get(order)
            )
        except ValidationFailed:
            amount = raw.get(net)  # refused, naming the line, by _add_part
        if amount:
            parts.append(({**raw, "chapter": chapter, "direction": direction}, amount))
    return parts


def _match(rows: list[ReconRow], year: int) -> None:
    """The lines of the year each row stands for, and what was booked on them — two
    queries. A row matches the lines of its direction and chapter, narrowed by nature and
    function when the file gives them."""
    lines = list(db.session.scalars(select(BudgetLine).where(BudgetLine.year == year)))
    booked: dict[int, list[Decimal]] = {}
    for line_id, kind, total in db.session.execute(
        select(BudgetEntry.line_id, BudgetEntry.kind, func.sum(BudgetEntry.amount))
        .join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
        .where(BudgetLine.year == year)
        .group_by(BudgetEntry.line_id, BudgetEntry.kind)
    ).all():
        bucket = booked.setdefault(line_id, [ZERO, ZERO])
        bucket[0 if kind in AUTHORITY_KINDS else 1] += Decimal(total or 0).quantize(CENT)
    for row in rows:
        for line in lines:
            if (line.direction, line.chapter) != (row.direction, row.chapter):
                continue
            if row.nature and line.nature and line.nature != row.nature:
                continue
            if row.function and line.function and line.function != row.function:
                continue
            row.lines.append(line.id)
            with_decision, without = booked.get(line.id, [ZERO, ZERO])
            row.with_decision += with_decision
            row.without_decision += without


def reconciliation_json(found: Reconciliation) -> dict[str, Any]:
    return {
        "year": found.year,
        "errors": found.errors,
        "reported": str(found.reported),
        "with_decision": str(found.with_decision),
        "without_decision": str(found.gap),
        "rows": [
            {
                "lines_in_file": r.numbers,
                "direction": r.direction,
                "chapter": r.chapter,
                "nature": r.nature,
                "function": r.function,
                "reported": str(r.reported),
                "with_decision": str(r.with_decision),
                "without_decision": str(r.gap),
                "booked_without_decision": str(r.without_decision),
                "status": r.status,
                "budget_lines": r.lines,
            }
            for r in found.rows
        ],
        "entries_without_decision": [
            {"id": e.id, "line_id": line.id, "amount": str(e.amount), "label": e.label}
            for e, line in found.without_decision_entries
        ],
    }
