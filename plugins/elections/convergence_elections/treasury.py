"""The movement's treasury, before it is in office: contributions received and expenses
paid by the convergence itself (its members' dues, a hall rented for a public meeting,
leaflets) — never public money, which is the budget plugin's once the commune is in office.

Each entry says who decided it: an adopted decision of the core group or the assembly
(an expense always needs one; a contribution may name one), and goes into the commune's
public journal in the same transaction (kind ``elections.treasury``: amounts, labels and
decision numbers, no personal data). The page, the API and the CLI call :func:`record_entry`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_elections.models import TreasuryEntry
from convergence_elections.services import commune_id, require_manage
from federation import formatting
from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance.models import Decision
from federation.journal.services import record
from federation.tenancy.models import Commune
from federation.validation import choice_field, ident, money, text_field

KINDS = ("contribution", "expense")
JOURNAL_KIND = "elections.treasury"


def entries() -> list[TreasuryEntry]:
    return list(
        db.session.scalars(
            select(TreasuryEntry).order_by(TreasuryEntry.on_date.desc(), TreasuryEntry.id.desc())
        )
    )


def totals() -> dict[str, Decimal]:
    """Contributions, expenses and the balance, in one grouped query."""
    found = dict(
        db.session.execute(
            select(TreasuryEntry.kind, func.sum(TreasuryEntry.amount)).group_by(TreasuryEntry.kind)
        ).all()
    )
    received = Decimal(found.get("contribution") or 0)
    spent = Decimal(found.get("expense") or 0)
    return {"contribution": received, "expense": spent, "balance": received - spent}


def decisions(ids: list[int]) -> dict[int, Decision]:
    if not ids:
        return {}
    return {d.id: d for d in db.session.scalars(select(Decision).where(Decision.id.in_(ids)))}


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    raw = str(value or "").strip()
    if not raw:
        return utcnow().date()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(_("Date invalide (AAAA-MM-JJ)."), field="on_date") from None


def require_decision(decision_id: int | None) -> None:
    """An expense of the movement is decided by the core group or the assembly."""
    if decision_id is None:
        raise ValidationFailed(
            _("Une dépense du mouvement est décidée : indiquez la décision."), field="decision_id"
        )


def require_funds(amount: Decimal) -> None:
    """The movement spends only what it has (no debt in its name)."""
    if amount > totals()["balance"]:
        raise Conflict(_("La caisse du mouvement n'y suffit pas."), field="amount")


def record_entry(data: dict[str, Any], actor: Any) -> TreasuryEntry:
    """A contribution or an expense of the movement, with the decision that made it, and
    its journal entry (one transaction; the caller commits)."""
    require_manage(actor)
    kind = choice_field(data.get("kind"), KINDS, "kind")
    amount = money(data.get("amount"), "amount")
    on_date = _day(data.get("on_date"))
    if on_date > utcnow().date():
        raise ValidationFailed(_("Une écriture ne peut pas être datée du futur."), field="on_date")
    label = text_field(data.get("label"), "label", 200, required=True)
    counterpart = text_field(data.get("counterpart"), "counterpart", 200)
    decision_id = None
    if data.get("decision_id") not in (None, "", 0, "0"):
        decision = db.session.get(Decision, ident(data.get("decision_id"), "decision_id"))
        if decision is None:
            raise NotFound(_("Décision introuvable."), field="decision_id")
        decision_id = decision.id
    if kind == "expense":
        require_decision(decision_id)
    lock_row(Commune, commune_id())  # one entry at a time: the balance check holds
    if kind == "expense":
        require_funds(amount)
    row = TreasuryEntry(
        kind=kind,
        amount=amount,
        on_date=on_date,
        label=label,
        counterpart=counterpart,
        decision_id=decision_id,
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    entry = record(
        JOURNAL_KIND,
        payload={
            "entry": row.id,
            "kind": kind,
            "amount": str(amount),
            "label": label,
            "on_date": on_date.isoformat(),
            "decision": decision_id,
        },
        commune_id=commune_id(),
        actor=getattr(actor, "display_name", ""),
    )
    row.journal_seq = entry.seq
    db.session.flush()
    return row


def render(params: dict[str, Any]) -> str:
    """The journal's text of an entry, in the reader's language."""
    amount = formatting.money(params.get("amount"))
    day = formatting.day(params.get("on_date"))
    if params.get("kind") == "expense":
        return _(
            "Trésorerie du mouvement : dépense de %(a)s le %(d)s — %(l)s (décision n° %(n)s)",
            a=amount,
            d=day,
            l=params.get("label", ""),
            n=params.get("decision"),
        )
    if params.get("decision"):
        return _(
            "Trésorerie du mouvement : contribution de %(a)s le %(d)s — %(l)s (décision n° %(n)s)",
            a=amount,
            d=day,
            l=params.get("label", ""),
            n=params.get("decision"),
        )
    return _(
        "Trésorerie du mouvement : contribution de %(a)s le %(d)s — %(l)s",
        a=amount,
        d=day,
        l=params.get("label", ""),
    )
