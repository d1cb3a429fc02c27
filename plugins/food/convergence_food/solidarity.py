"""The solidarity pot and food-aid requests.

The pot is fed by gifts and by those who pay above the price; it pays the reductions of
solidarity-price subscriptions, only up to what it holds. Every movement takes the pot's
row lock first (``federation.db.lock_row``: ``FOR UPDATE`` on PostgreSQL, the write lock
on SQLite), then re-reads the balance: two concurrent requests can never both spend the
last euros. A ``CHECK (balance >= 0)`` in the database is the backstop.

Movements go to the public journal with their amount and the new balance, never a name.
Food-aid requests are seen by the food circle only; everyone else sees counts.

A commune may share a **federation's pot** instead (:class:`SharedPot`, the
``food.pot`` topic of :mod:`federation.tenancy.federation_data`): once its food circle
opts in, its gifts, above-price payments and reductions all move the federation's one pot,
under the same lock; its movements go to the federation's journal (the commune they came
from, never a person). Communes outside the federation, or inside it without opting in,
neither read nor move it (the ORM rule, and row-level security on PostgreSQL).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, true, update

from convergence_food.models import (
    POT_TOPIC,
    AidRequest,
    Pot,
    PotMovement,
    SharedPot,
    SharedPotMovement,
)
from convergence_food.services import can_see_aid, commune_id, is_member, journal
from federation import formatting
from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.journal.services import record
from federation.plugins.events import emit
from federation.tenancy import federation_data
from federation.validation import integer_field, money, text_field

INCOMING = ("gift", "support", "refund", "given_basket")


def pot(federation_id: int | None = None, *, create: bool = False) -> Pot:
    """The commune's pot (or its part of a federation's pot). Reading never writes: an
    empty pot that does not exist yet is shown as zero; writers pass ``create=True``."""
    row = db.session.scalar(
        select(Pot).where(
            Pot.federation_id.is_(None)
            if federation_id is None
            else Pot.federation_id == federation_id
        )
    )
    if row is None:
        zero = Decimal("0")
        row = Pot(federation_id=federation_id, balance=zero, received=zero, spent=zero)
        if create:
            db.session.add(row)
            db.session.flush()
    return row


def shared_federation() -> int | None:
    """The federation whose pot this commune shares (opted in to ``food.pot``), or None."""
    found = federation_data.opted_in(POT_TOPIC, commune_id())
    return found[0] if found else None


def shared_pot(federation_id: int, *, create: bool = False) -> SharedPot | None:
    """A federation's shared pot, as this commune may see it (None when it may not)."""
    row = db.session.scalar(select(SharedPot).where(SharedPot.federation_id == federation_id))
    if row is None and create:
        row = SharedPot(
            federation_id=federation_id,
            balance=Decimal("0"),
            received=Decimal("0"),
            spent=Decimal("0"),
        )
        db.session.add(row)
        db.session.flush()
    return row


def active_pot(*, create: bool = False) -> Pot | SharedPot:
    """The pot this commune's movements go to: the federation's it shares, else its own.

    Reading takes one query (the commune's pot outer-joined to the shared pots the access
    rule lets it see: at most one, as a commune shares one federation's pot at a time)."""
    if not create:
        found = db.session.execute(
            select(Pot, SharedPot)
            .outerjoin(SharedPot, true())
            .where(Pot.federation_id.is_(None))
            .limit(1)
        ).first()
        if found is not None:
            return found[1] if found[1] is not None else found[0]
    federation_id = shared_federation()
    if federation_id is not None:
        row = shared_pot(federation_id, create=create)
        if row is not None:
            return row
        return SharedPot(federation_id=federation_id, balance=0, received=0, spent=0)
    return pot(create=create)


def _locked(row: Pot | SharedPot) -> Pot | SharedPot:
    lock_row(type(row), row.id)
    db.session.refresh(row)
    return row


def _move(
    row: Pot | SharedPot, kind: str, amount: Decimal, contract_id: int | None
) -> PotMovement | SharedPotMovement:
    """Apply a signed movement to a locked pot: an atomic UPDATE, then the movement."""
    model = type(row)
    incoming = amount if amount > 0 else Decimal("0")
    outgoing = -amount if amount < 0 else Decimal("0")
    db.session.execute(
        update(model)
        .where(model.id == row.id)
        .values(
            balance=model.balance + amount,
            received=model.received + incoming,
            spent=model.spent + outgoing,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    payload = {
        "pot": row.id,
        "kind": kind,
        "amount": str(amount),
        "balance": str(row.balance),
        "currency": "EUR",
        "contract": contract_id,
    }
    if isinstance(row, SharedPot):
        movement: Any = SharedPotMovement(
            federation_id=row.federation_id,
            pot_id=row.id,
            kind=kind,
            amount=amount,
            balance_after=row.balance,
            origin_commune_id=commune_id(),
        )
        db.session.add(movement)
        db.session.flush()
        payload.update(shared=True, commune=commune_id())
        # the federation's public journal: the commune the movement came from, no person
        record("food.shared_pot", payload=payload, federation_id=row.federation_id)
        emit("food.pot", payload, commune_id=commune_id())
        return movement
    movement = PotMovement(
        pot_id=row.id,
        kind=kind,
        amount=amount,
        balance_after=row.balance,
        contract_id=contract_id,
    )
    db.session.add(movement)
    db.session.flush()
    journal("pot", payload)
    return movement


def credit(
    kind: str, amount: Any, *, federation_id: int | None = None, contract_id: int | None = None
) -> PotMovement | SharedPotMovement:
    """Money into the pot (the federation's when the commune shares one): a gift, a payment
    above the price, a reduction given back."""
    if kind not in INCOMING:
        raise ValidationFailed(_("Mouvement inconnu."), field="kind")
    value = money(amount, "amount", allow_zero=False)
    row = _locked(pot(federation_id, create=True) if federation_id else active_pot(create=True))
    return _move(row, kind, value, contract_id)


def draw(
    amount: Decimal, *, contract_id: int | None = None, check: Any = None
) -> PotMovement | SharedPotMovement:
    """Pay a reduction out of the pot (the federation's when shared), only if it holds
    enough.

    ``check`` (optional) runs under the lock, before the balance is read: the quota of a
    contract is counted there so that it holds under concurrency too."""
    value = money(amount, "amount", allow_zero=False)
    row = _locked(active_pot(create=True))
    if check is not None:
        check()
    if row.balance < value:
        raise Conflict(
            _(
                "Le pot solidaire ne peut plus couvrir cette réduction "
                "(il contient %(b)s, il faudrait %(a)s).",
                b=formatting.money(row.balance),  # the pot counts in euros
                a=formatting.money(value),
            ),
            field="tier",
        )
    return _move(row, "reduction", -value, contract_id)


def gift(amount: Any, actor: Any = None, *, federation_id: int | None = None) -> Any:
    """A gift to the pot (anonymous in the journal)."""
    return credit("gift", amount, federation_id=federation_id)


def movements(limit: int = 50) -> list[Any]:
    """The active pot's last movements (the shared pot's when the commune shares one)."""
    federation_id = shared_federation()
    if federation_id is not None:
        return list(
            db.session.scalars(
                select(SharedPotMovement)
                .where(SharedPotMovement.federation_id == federation_id)
                .order_by(SharedPotMovement.id.desc())
                .limit(limit)
            )
        )
    return list(
        db.session.scalars(select(PotMovement).order_by(PotMovement.id.desc()).limit(limit))
    )


# --- sharing a federation's pot -----------------------------------------------------------


def shared_view() -> dict[str, Any]:
    """What the pot page shows of sharing: the federation shared (with the communes that
    share it and the movements' communes), or the federations the commune could share."""
    from federation.tenancy.models import Commune, Federation
    from federation.tenancy.services import federations_of

    fid = shared_federation()
    if fid is None:
        choices = federations_of(commune_id())
        return {
            "federation": None,
            "choices": choices,
            "options": [(f.id, f.name) for f in choices],
        }
    ids = federation_data.participants(fid, POT_TOPIC)
    names = dict(
        db.session.execute(select(Commune.id, Commune.name).where(Commune.id.in_(ids))).all()
    )
    return {
        "federation": db.session.get(Federation, fid),
        "communes": [names[i] for i in ids if i in names],
        "names": names,
        "choices": [],
        "options": [],
    }


def share_pot(federation_id: Any, actor: Any) -> SharedPot:
    """The commune's food circle opts in to its federation's shared pot (created with the
    first commune that joins). From now on the commune's movements go to that pot."""
    from convergence_food.services import can_steer
    from federation.validation import ident

    if actor is not None and not can_steer(actor):
        raise Forbidden(_("Réservé au cercle alimentation."), field="account")
    fid = ident(federation_id, "federation_id")
    if shared_federation() is not None:
        raise Conflict(_("La commune partage déjà un pot de fédération."), field="federation_id")
    federation_data.opt_in(fid, POT_TOPIC)
    row = shared_pot(fid, create=True)
    record(
        "food.shared_pot_joined",
        payload={"commune": commune_id()},
        federation_id=fid,
    )
    journal(
        "shared_pot_joined",
        {"federation": fid},
        actor,
    )
    return row


def leave_shared_pot(actor: Any) -> None:
    """The commune stops sharing: its movements go to its own pot again."""
    from convergence_food.services import can_steer

    if actor is not None and not can_steer(actor):
        raise Forbidden(_("Réservé au cercle alimentation."), field="account")
    fid = shared_federation()
    if fid is None:
        raise Conflict(_("La commune ne partage aucun pot de fédération."), field="federation_id")
    federation_data.opt_out(fid, POT_TOPIC)
    journal(
        "shared_pot_left",
        {"federation": fid},
        actor,
    )


def pots() -> list[Pot]:
    return list(db.session.scalars(select(Pot).order_by(Pot.federation_id.is_not(None), Pot.id)))


# --- food-aid requests --------------------------------------------------------------------


def request_aid(user: Any, data: dict[str, Any]) -> AidRequest:
    """A member asks for the solidarity price; only the food circle will see who."""
    if not is_member(user):
        raise Forbidden(_("Réservé aux membres vérifié·es de la commune."), field="account")
    open_request = db.session.scalar(
        select(AidRequest.id).where(
            AidRequest.account_id == user.id, AidRequest.status.in_(("pending", "granted"))
        )
    )
    if open_request is not None:
        raise Conflict(_("Vous avez déjà une demande en cours ou accordée."), field="account")
    row = AidRequest(
        account_id=user.id,
        household_size=integer_field(
            data.get("household_size"), "household_size", 1, 30, default=1
        ),
        note=text_field(data.get("note"), "note", 2000),
    )
    db.session.add(row)
    db.session.flush()
    journal("aid_requested", {})
    return row


def my_requests(user: Any) -> list[AidRequest]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            select(AidRequest)
            .where(AidRequest.account_id == user.id)
            .order_by(AidRequest.id.desc())
        )
    )


def requests_for_circle(user: Any) -> list[AidRequest]:
    """Who asked: the food circle only."""
    if not can_see_aid(user):
        raise Forbidden(_("Seul le cercle alimentation voit les demandes."), field="account")
    return list(db.session.scalars(select(AidRequest).order_by(AidRequest.id.desc())))


def request_counts() -> dict[str, int]:
    """What everyone may know: how many requests in each state, nothing else."""
    return dict(
        db.session.execute(
            select(AidRequest.status, func.count()).group_by(AidRequest.status)
        ).all()
    )


def decide_request(request_id: Any, granted: bool, actor: Any) -> AidRequest:
    if not can_see_aid(actor):
        raise Forbidden(_("Seul le cercle alimentation décide des demandes."), field="account")
    row = db.session.get(AidRequest, int(request_id)) if str(request_id).isdigit() else None
    if row is None:
        raise NotFound(_("Demande introuvable."), field="request_id")
    if row.status != "pending":
        raise Conflict(_("Cette demande a déjà reçu une réponse."), field="status")
    row.status = "granted" if granted else "refused"
    row.decided_at = utcnow()
    db.session.flush()
    journal(
        "aid_decided",
        {"granted": granted},
        actor,
    )
    return row


def withdraw_request(user: Any) -> None:
    for row in my_requests(user):
        if row.status in ("pending", "granted"):
            row.status = "withdrawn"
    db.session.flush()


def may_ask_solidarity(user: Any) -> bool:
    """Who may subscribe at the solidarity price, by the commune's rule (voted)."""
    from convergence_food.services import settings

    if not is_member(user):
        return False
    if settings().get("aid_open_to", "granted") == "members":
        return True
    return (
        db.session.scalar(
            select(AidRequest.id).where(
                AidRequest.account_id == user.id, AidRequest.status == "granted"
            )
        )
        is not None
    )
