"""Collective acquisition: a building bought or renovated together, pledges (gift, loan,
share), the assembly's decision to buy, refunds when a campaign fails.

Pledge totals are exact under concurrent pledges: each pledge takes the project's row lock
(:func:`federation.db.lock_row`), re-reads the total and adds to it in the same
transaction. Money movements go to the public journal, without the names of persons.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import format_currency
from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_housing.constants import LEGAL_FORMS, PLEDGE_KINDS
from convergence_housing.models import Pledge, Project
from convergence_housing.services import commune_id, require_member, require_steer
from federation.db import db, lock_row
from federation.errors import Conflict, NotFound
from federation.journal.services import record
from federation.plugins.events import emit
from federation.validation import choice_field, money, text_field

#: collective purchases are counted in euros
CURRENCY = "EUR"


def euros(amount: Decimal) -> str:
    return format_currency(amount, CURRENCY)


def projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.id.desc())))


def get_project(project_id: Any) -> Project:
    try:
        row = db.session.get(Project, int(project_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_("Projet introuvable."), field="project_id")
    return row


def create_project(data: dict[str, Any], actor: Any) -> Project:
    require_steer(actor)
    price = money(data.get("price"), "price")
    works = money(data.get("works") or "0", "works", allow_zero=True)
    target = (
        money(data["target"], "target") if data.get("target") not in (None, "") else price + works
    )
    row = Project(
        name=text_field(data.get("name"), "name", 200, required=True),
        address=text_field(data.get("address"), "address", 300),
        description=text_field(data.get("description"), "description", 10000),
        price=price,
        works=works,
        target=target,
        legal_form=choice_field(data.get("legal_form") or "cooperative", LEGAL_FORMS, "legal_form"),
        status="campaign",
        pledged=Decimal("0"),
        pledges_count=0,
    )
    db.session.add(row)
    db.session.flush()
    return row


def pledge(project: Project, user: Any, kind: Any, amount: Any, organisation: Any = "") -> Pledge:
    """One pledge, under the project's row lock: the total stays the sum of the pledges."""
    require_member(user)
    kind = choice_field(kind, PLEDGE_KINDS, "kind")
    value = money(amount, "amount")
    organisation = text_field(organisation, "organisation", 200)
    lock_row(Project, project.id)
    db.session.refresh(project)
    if project.status not in ("campaign", "in_vote"):
        raise Conflict(_("La collecte de ce projet est close."), field="amount")
    row = Pledge(
        project_id=project.id, user_id=user.id, organisation=organisation, kind=kind, amount=value
    )
    db.session.add(row)
    project.pledged = project.pledged + value
    project.pledges_count = project.pledges_count + 1
    db.session.flush()
    record(
        "housing.pledge",
        payload={
            "project": project.id,
            "name": project.name,
            "currency": "EUR",
            "amount": str(value),
            "kind": kind,
            "organisation": organisation or None,
            "total": str(project.pledged),
        },
        commune_id=commune_id(),
        actor=organisation or "@housing.inhabitant",
    )
    emit(
        "housing.pledged", {"project_id": project.id, "amount": str(value)}, commune_id=commune_id()
    )
    return row


def pledges(project: Project) -> list[Pledge]:
    return list(
        db.session.scalars(
            select(Pledge).where(Pledge.project_id == project.id).order_by(Pledge.id)
        )
    )


def recount(project: Project) -> tuple[Decimal, int]:
    """The live pledges recounted from their rows (the check of the stored total)."""
    total, count = db.session.execute(
        select(func.coalesce(func.sum(Pledge.amount), 0), func.count(Pledge.id)).where(
            Pledge.project_id == project.id, Pledge.refunded.is_(False)
        )
    ).one()
    return Decimal(total).quantize(Decimal("0.01")), int(count)


def progress(project: Project) -> int:
    if not project.target:
        return 0
    return min(100, int(project.pledged * 100 / project.target))


def totals_by_kind(project: Project) -> dict[str, Decimal]:
    rows = db.session.execute(
        select(Pledge.kind, func.sum(Pledge.amount))
        .where(Pledge.project_id == project.id, Pledge.refunded.is_(False))
        .group_by(Pledge.kind)
    ).all()
    out = dict.fromkeys(PLEDGE_KINDS, Decimal("0"))
    out.update({kind: Decimal(total) for kind, total in rows})
    return out


def check_purchase(project: Project) -> None:
    if project.status != "campaign":
        raise Conflict(_("L'achat de ce projet est déjà soumis ou décidé."), field="project_id")
    if project.pledged < project.target:
        raise Conflict(_("L'objectif de la collecte n'est pas atteint."), field="project_id")


def decide_purchase(project: Project, decision_id: int | None) -> None:
    if project.status == "decided":
        return
    project.status, project.decision_id = "decided", decision_id
    db.session.flush()
    record(
        "housing.purchase",
        payload={
            "project": project.id,
            "name": project.name,
            "currency": "EUR",
            "price": str(project.price),
            "works": str(project.works),
            "pledged": str(project.pledged),
            "target": str(project.target),
            "legal_form": project.legal_form,
            "decision": decision_id,
        },
        commune_id=commune_id(),
        actor="@housing.assembly",
    )
    emit("housing.purchase_decided", {"project_id": project.id}, commune_id=commune_id())


def reopen(project: Project) -> None:
    if project.status == "in_vote":
        project.status, project.proposal_id = "campaign", None
        db.session.flush()


def fail_campaign(project: Project, actor: Any) -> Decimal:
    """Close a campaign that will not reach its goal: every pledge is refunded (journaled)."""
    require_steer(actor)
    lock_row(Project, project.id)
    db.session.refresh(project)
    if project.status not in ("campaign",):
        raise Conflict(_("Seule une collecte en cours peut être close sans achat."), field="status")
    refunded = Decimal("0")
    for row in db.session.scalars(
        select(Pledge).where(Pledge.project_id == project.id, Pledge.refunded.is_(False))
    ):
        row.refunded = True
        refunded += row.amount
    project.status = "failed"
    project.pledged, project.pledges_count = Decimal("0"), 0
    db.session.flush()
    record(
        "housing.refund",
        payload={
            "project": project.id,
            "name": project.name,
            "refunded": str(refunded),
            "currency": "EUR",
        },
        commune_id=commune_id(),
        actor=getattr(actor, "display_name", "") or "@housing.circle",
    )
    emit("housing.campaign_failed", {"project_id": project.id}, commune_id=commune_id())
    return refunded
