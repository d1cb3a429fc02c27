"""Federation indicators: share of the budget decided participatively, execution rate and
participation in the last participatory vote — for every member commune in five grouped
queries, whatever the number of communes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from federation.db import db
from federation.plugins import Indicator, Threshold

from .models import (
    BudgetAmendment,
    BudgetEntry,
    BudgetLine,
    PBParticipation,
    PBProcess,
)

COLLECTIVE = ("decision", "pb", "pooled")


def indicators(commune_ids: list[int]) -> list[Indicator]:
    latest = (
        select(BudgetLine.commune_id, func.max(BudgetLine.year).label("year"))
        .group_by(BudgetLine.commune_id)
        .subquery()
    )
    on_latest = (BudgetLine.commune_id == latest.c.commune_id) & (BudgetLine.year == latest.c.year)
    planned = dict(
        db.session.execute(
            select(BudgetLine.commune_id, func.sum(BudgetLine.planned))
            .join(latest, on_latest)
            .where(BudgetLine.direction == "expense")  # planned spending, not revenue
            .group_by(BudgetLine.commune_id)
        ).all()
    )
    amended = dict(
        db.session.execute(
            select(BudgetLine.commune_id, func.sum(BudgetAmendment.amount))
            .join(BudgetAmendment, BudgetAmendment.line_id == BudgetLine.id)
            .join(latest, on_latest)
            .where(BudgetLine.direction == "expense")
            .group_by(BudgetLine.commune_id)
        ).all()
    )
    executed: dict[int, Decimal] = {}
    collective: dict[int, Decimal] = {}
    for commune_id, kind, total in db.session.execute(
        select(BudgetLine.commune_id, BudgetEntry.kind, func.sum(BudgetEntry.amount))
        .join(BudgetEntry, BudgetEntry.line_id == BudgetLine.id)
        .join(latest, on_latest)
        .group_by(BudgetLine.commune_id, BudgetEntry.kind)
    ).all():
        amount = Decimal(total or 0)
        executed[commune_id] = executed.get(commune_id, Decimal(0)) + amount
        if kind in COLLECTIVE:
            collective[commune_id] = collective.get(commune_id, Decimal(0)) + amount
    last_vote = (
        select(PBProcess.commune_id, func.max(PBProcess.id).label("process_id"))
        .where(PBProcess.phase.in_(("results", "follow_up")))
        .group_by(PBProcess.commune_id)
        .subquery()
    )
    participation: dict[int, tuple[int, int]] = {}
    for commune_id, eligible, imported, voters in db.session.execute(
        select(
            PBProcess.commune_id,
            PBProcess.eligible_count,
            PBProcess.imported_ballots,
            func.count(PBParticipation.id),
        )
        .join(last_vote, last_vote.c.process_id == PBProcess.id)
        .outerjoin(PBParticipation, PBParticipation.process_id == PBProcess.id)
        .group_by(PBProcess.id, PBProcess.commune_id, PBProcess.eligible_count)
    ).all():
        participation[commune_id] = (int(voters or 0) + int(imported or 0), int(eligible or 0))

    share: dict[int, float | None] = {}
    rate: dict[int, float | None] = {}
    turnout: dict[int, float | None] = {}
    budget_weights: dict[int, float] = {}
    turnout_weights: dict[int, float] = {}
    for cid in commune_ids:
        total = Decimal(planned.get(cid) or 0) + Decimal(amended.get(cid) or 0)
        if total > 0:
            share[cid] = float(collective.get(cid, Decimal(0)) / total * 100)
            rate[cid] = float(executed.get(cid, Decimal(0)) / total * 100)
            budget_weights[cid] = float(total)
        else:
            share[cid] = rate[cid] = None
        voters, eligible = participation.get(cid, (0, 0))
        turnout[cid] = voters / eligible * 100 if eligible else None
        if eligible:
            turnout_weights[cid] = float(eligible)
    return [
        Indicator(
            "budget.participatory_share",
            _l("Part du budget décidée collectivement"),
            share,
            unit="%",
            aggregate="ratio",
            weights=budget_weights,
            weight=20,
            plugin="budget",
        ),
        Indicator(
            "budget.execution_rate",
            _l("Taux d'exécution du budget"),
            rate,
            unit="%",
            aggregate="ratio",
            weights=budget_weights,
            threshold=Threshold(30, "below", _l("budget peu exécuté")),
            weight=21,
            plugin="budget",
        ),
        Indicator(
            "budget.pb_participation",
            _l("Participation au dernier vote du budget participatif"),
            turnout,
            unit="%",
            aggregate="ratio",
            weights=turnout_weights,
            weight=22,
            plugin="budget",
        ),
    ]


def home_summary() -> Any:
    """The commune home widget's figures (``services.Summary``) in one query: the latest
    year's planned amounts with their amendments, what was spent, and the latest
    participatory budget, as scalar subqueries of one statement (the commune's criteria
    apply inside each)."""
    from .services import CENT, Summary

    year = select(func.max(BudgetLine.year)).scalar_subquery()
    expense = BudgetLine.direction == "expense"  # planned spending, not revenue
    planned = (
        select(func.coalesce(func.sum(BudgetLine.planned), 0))
        .where(BudgetLine.year == year, expense)
        .scalar_subquery()
    )
    amended = (
        select(func.coalesce(func.sum(BudgetAmendment.amount), 0))
        .join(BudgetLine, BudgetLine.id == BudgetAmendment.line_id)
        .where(BudgetLine.year == year, expense)
        .scalar_subquery()
    )
    executed = (
        select(func.coalesce(func.sum(BudgetEntry.amount), 0))
        .join(BudgetLine, BudgetLine.id == BudgetEntry.line_id)
        .where(BudgetLine.year == year)
        .scalar_subquery()
    )
    figures = select(year.label("year"), planned, amended, executed).subquery()
    latest = select(func.max(PBProcess.id)).scalar_subquery()
    row = db.session.execute(
        select(figures, PBProcess).select_from(figures).outerjoin(PBProcess, PBProcess.id == latest)
    ).one()
    found_year, found_planned, found_amended, found_executed, process = row
    if found_year is None and process is None:
        return None
    return Summary(
        found_year,
        (Decimal(str(found_planned)) + Decimal(str(found_amended))).quantize(CENT),
        Decimal(str(found_executed)).quantize(CENT),
        process,
    )
