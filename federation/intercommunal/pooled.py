"""Pooled projects: funded by several member communes, approved through ratification; once
approved each commune is told its contribution (the budget plugin books it on its own line);
progress and spending are public to every member commune."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from federation import formatting
from federation.db import db, lock_row
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.identity.models import User
from federation.intercommunal.models import (
    FederationProposal,
    PooledContribution,
    PooledExpense,
    PooledProject,
)
from federation.journal.services import record
from federation.plugins.events import emit
from federation.tenancy.models import Federation
from federation.tenancy.services import member_commune_ids

RATIFIED_EVENT = "intercommunal.pooled_project_ratified"
CENT = Decimal("0.01")


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Montant invalide."), field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationFailed(_("Montant invalide."), field=field)
    return amount.quantize(CENT)


def create_project(
    federation: Federation,
    title: str,
    budget: Any,
    contributions: dict[int, Any],
    *,
    description: str = "",
    shares: bool = False,
) -> PooledProject:
    """``contributions``: commune id → amount, or share of the budget when ``shares``.
    Contributions must come from member communes and add up to the budget exactly."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(
            _("Le titre est obligatoire (200 caractères au plus)."), field="title"
        )
    total = _money(budget, "budget")
    if total <= 0:
        raise ValidationFailed(_("Le budget doit être positif."), field="budget")
    members = set(member_commune_ids(federation.id))
    if not contributions or set(contributions) - members:
        raise ValidationFailed(
            _("Les contributions viennent des communes membres."), field="contributions"
        )
    amounts = _shares(total, contributions) if shares else _amounts(contributions)
    if sum(amounts.values()) != total:
        raise ValidationFailed(
            _(
                "Les contributions (%(s)s) doivent égaler le budget (%(b)s).",
                s=formatting.money(sum(amounts.values())),
                b=formatting.money(total),
            ),
            field="contributions",
        )
    project = PooledProject(
        federation_id=federation.id,
        title=title,
        budget=total,
        description=(description or "")[:20000],
    )
    for commune_id, amount in sorted(amounts.items()):
        project.contributions.append(PooledContribution(commune_id=commune_id, amount=amount))
    db.session.add(project)
    db.session.flush()
    return project


def _amounts(contributions: dict[int, Any]) -> dict[int, Decimal]:
    return {cid: _money(value, "contributions") for cid, value in contributions.items()}


def _share(value: Any) -> Fraction:
    """A share of the budget: a decimal ("0.25") or a fraction ("1/3"), in ]0, 1]."""
    try:
        share = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValidationFailed(_("Part invalide."), field="contributions") from None
    if not 0 < share <= 1:
        raise ValidationFailed(_("Part invalide."), field="contributions")
    return share


def _shares(total: Decimal, contributions: dict[int, Any]) -> dict[int, Decimal]:
    """Shares must add up to exactly 1: nothing is silently charged to anyone. Only the
    rounding of each share to the cent (less than a cent per commune) goes to the largest
    contributor, so that the amounts add up to the budget."""
    shares = {cid: _share(value) for cid, value in contributions.items()}
    if sum(shares.values()) != 1:
        raise ValidationFailed(
            _(
                "Les parts (%(parts)s) totalisent %(sum)s : elles doivent totaliser exactement 1.",
                parts=" + ".join(str(contributions[c]).strip() for c in shares),
                sum=_shown(sum(shares.values())),
            ),
            field="contributions",
        )
    amounts = {
        cid: (Decimal(share.numerator) * total / Decimal(share.denominator)).quantize(CENT)
        for cid, share in shares.items()
    }
    remainder = total - sum(amounts.values())
    if remainder:
        largest = max(amounts, key=lambda c: (amounts[c], -c))
        amounts[largest] += remainder
    return amounts


def _shown(value: Fraction) -> str:
    """A sum of shares as a decimal when it is one (0.6), else as a fraction (7/6)."""
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    return str(decimal.normalize()) if Fraction(decimal) == value else str(value)


def get_project(federation: Federation, project_id: int) -> PooledProject:
    project = db.session.get(PooledProject, project_id)
    if project is None or project.federation_id != federation.id:
        raise NotFound(_("Projet mutualisé introuvable."), field="project")
    return project


def projects_of(federation: Federation) -> list[PooledProject]:
    return list(
        db.session.scalars(
            select(PooledProject)
            .where(PooledProject.federation_id == federation.id)
            .order_by(PooledProject.created_at.desc())
        )
    )


def submit(
    project: PooledProject,
    actor: User,
    *,
    rule: str = "majority",
    threshold: str = "1/2",
    weighted: bool = False,
    deadline: date | None = None,
    unable_rule: str = "abstain",
) -> FederationProposal:
    """Put the project to the member assemblies through the ratification process."""
    from federation.intercommunal import ratification

    if project.status != "draft":
        raise Conflict(_("Ce projet a déjà été soumis."), field="status")
    federation = db.session.get(Federation, project.federation_id)
    proposal = ratification.create(
        federation,
        actor,
        project.title,
        project.description,
        rule=rule,
        threshold=threshold,
        weighted=weighted,
        deadline=deadline,
        unable_rule=unable_rule,
    )
    # the figures are data, read in each assembly member's language (texts.pooled_text)
    proposal.title_params = {
        "project": project.title,
        "budget": str(project.budget),
        "currency": formatting.DEFAULT_CURRENCY,
        "contributions": [
            {"commune": c.commune.name, "amount": str(c.amount)} for c in project.contributions
        ],
    }
    proposal.text_kind = "pooled.proposal.text"
    project.proposal_id = proposal.id
    project.status = "ratifying"
    ratification.send(proposal, actor)
    return proposal


def on_ratified(proposal: FederationProposal) -> None:
    """Charge only the communes that ratified while members of the federation; the others
    (rejected, never answered, left, unable to answer) owe nothing. What was charged is
    the project's spending cap."""
    project = db.session.scalar(
        select(PooledProject).where(PooledProject.proposal_id == proposal.id)
    )
    if project is None:
        return
    project.status = "approved"
    ratified = {r.commune_id for r in proposal.ratifications if r.status == "ratified"}
    members = set(member_commune_ids(project.federation_id))
    for contribution in project.contributions:
        contribution.charged = contribution.commune_id in ratified & members
        if not contribution.charged:
            continue
        emit(
            RATIFIED_EVENT,
            {
                "project_id": project.id,
                "federation_id": project.federation_id,
                "title": project.title,
                "amount": str(contribution.amount),
            },
            commune_id=contribution.commune_id,
        )


def on_rejected(proposal: FederationProposal) -> None:
    project = db.session.scalar(
        select(PooledProject).where(PooledProject.proposal_id == proposal.id)
    )
    if project is not None:
        project.status = "rejected"
        for contribution in project.contributions:
            contribution.charged = False


def funded(project: PooledProject) -> Decimal:
    """The money the communes were actually charged (the spending cap)."""
    return sum((c.amount for c in project.contributions if c.charged), Decimal("0"))


def _lock_project(project: PooledProject) -> None:
    """Serialise spending on one project: a row lock on PostgreSQL (``FOR UPDATE``), the
    database write lock on SQLite (a no-op write taken before the cap is read; later readers
    of the cap wait for this transaction to end)."""
    lock_row(PooledProject, project.id)


def _spent_now(project: PooledProject) -> Decimal:
    """What is spent, read from the database (after the lock: other transactions' expenses
    included)."""
    value = db.session.scalar(
        select(func.coalesce(func.sum(PooledExpense.amount), 0)).where(
            PooledExpense.project_id == project.id
        )
    )
    return Decimal(value or 0).quantize(CENT)


def add_expense(
    project: PooledProject, label: str, amount: Any, spent_on: date, actor: User
) -> PooledExpense:
    if project.status != "approved":
        raise Conflict(_("Seul un projet approuvé engage des dépenses."), field="status")
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise ValidationFailed(
            _("Le libellé est obligatoire (200 caractères au plus)."), field="label"
        )
    value = _money(amount, "amount")
    if value <= 0:
        raise ValidationFailed(_("Le montant doit être positif."), field="amount")
    _lock_project(project)
    already = _spent_now(project)
    cap = funded(project)
    if already + value > cap:
        raise Conflict(
            _(
                "Cette dépense dépasserait l'argent versé au projet (reste %(r)s).",
                r=formatting.money(cap - already),
            ),
            field="amount",
        )
    expense = PooledExpense(project_id=project.id, label=label, amount=value, spent_on=spent_on)
    project.expenses.append(expense)
    db.session.flush()
    record(
        "pooled.expense",
        payload={
            "project": project.id,
            "project_title": project.title,
            "amount": str(value),
            "currency": "EUR",
            "label": label,
            "spent_on": spent_on.isoformat(),
        },
        federation_id=project.federation_id,
        actor=actor.display_name,
    )
    return expense


def spent(project: PooledProject) -> Decimal:
    return sum((e.amount for e in project.expenses), Decimal("0"))
