"""Season contracts: lines (products with a price and a solidarity price), delivery dates,
the products × dates grid, subscriptions with quantities, skipped or given deliveries.

A contract is prepared as a draft, then its prices go to the food circle's vote
(:mod:`convergence_food.decisions`); it opens to subscriptions only when that vote adopts
it. Amounts are exact decimals (:mod:`convergence_food.baskets`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from convergence_food import solidarity
from convergence_food.baskets import Prices, SeasonCost, season_cost
from convergence_food.models import (
    Contract,
    ContractLine,
    Delivery,
    DeliveryChange,
    Distribution,
    GridCell,
    Product,
    Subscription,
    SubscriptionLine,
)
from convergence_food.services import (
    get_producer,
    get_product,
    is_member,
    journal,
    may_manage_producer,
)
from federation.db import db
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.validation import ident, integer_field, money, quantity, text_field

EDITABLE = ("draft",)


def parse_day(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(_("Date invalide (AAAA-MM-JJ)."), field=field) from None


def contracts(status: str | None = None) -> list[Contract]:
    query = select(Contract).order_by(Contract.id.desc())
    if status:
        query = query.where(Contract.status == status)
    return list(db.session.scalars(query))


def get_contract(contract_id: Any) -> Contract:
    row = db.session.get(Contract, ident(contract_id, "contract_id"))
    if row is None:
        raise NotFound(_("Contrat introuvable."), field="contract_id")
    return row


def _may_edit(contract: Contract, actor: Any) -> None:
    if actor is not None and not may_manage_producer(actor, get_producer(contract.producer_id)):
        raise Forbidden(_("Réservé au cercle alimentation et au·à la producteur·rice."))
    if contract.status not in EDITABLE:
        raise Conflict(
            _("Les prix d'un contrat soumis au vote ou ouvert ne changent plus."),
            field="status",
        )


def create_contract(data: dict[str, Any], actor: Any = None) -> Contract:
    producer = get_producer(data.get("producer_id"))
    if actor is not None and not may_manage_producer(actor, producer):
        raise Forbidden(_("Réservé au cercle alimentation et au·à la producteur·rice."))
    row = Contract(
        producer_id=producer.id,
        title=text_field(data.get("title"), "title", 200, required=True),
        season=text_field(data.get("season"), "season", 60, required=True),
        max_skips=integer_field(data.get("max_skips"), "max_skips", 0, 52, default=2),
        solidarity_quota=integer_field(
            data.get("solidarity_quota"), "solidarity_quota", 0, 10000, default=0
        ),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    return row


def add_line(contract: Contract, data: dict[str, Any], actor: Any = None) -> ContractLine:
    _may_edit(contract, actor)
    product = get_product(data.get("product_id"))
    if product.producer_id != contract.producer_id:
        raise ValidationFailed(
            _("Ce produit n'est pas de ce·tte producteur·rice."), field="product_id"
        )
    price = money(data.get("price"), "price", allow_zero=False)
    solidarity_price = money(data.get("solidarity_price"), "solidarity_price", allow_zero=True)
    if solidarity_price > price:
        raise ValidationFailed(
            _("Le prix solidaire ne peut pas dépasser le prix."), field="solidarity_price"
        )
    row = ContractLine(
        contract_id=contract.id,
        product_id=product.id,
        price=price,
        solidarity_price=solidarity_price,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(_("Ce produit est déjà au contrat."), field="product_id") from None
    cells = [
        GridCell(line_id=row.id, delivery_id=d.id)
        for d in db.session.scalars(select(Delivery).where(Delivery.contract_id == contract.id))
    ]
    db.session.add_all(cells)
    db.session.flush()
    return row


def add_delivery(contract: Contract, data: dict[str, Any], actor: Any = None) -> Delivery:
    """A delivery date; every line is delivered that day unless the grid says otherwise.
    It joins the distribution day of that date, if there is one."""
    _may_edit(contract, actor)
    day = parse_day(data.get("delivery_on"), "delivery_on")
    distribution = db.session.scalar(
        select(Distribution.id).where(Distribution.day == day).order_by(Distribution.id).limit(1)
    )
    row = Delivery(contract_id=contract.id, delivery_on=day, distribution_id=distribution)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(_("Cette date de livraison existe déjà."), field="delivery_on") from None
    db.session.add_all(GridCell(line_id=line.id, delivery_id=row.id) for line in lines_of(contract))
    db.session.flush()
    return row


def set_cell(contract: Contract, line_id: Any, delivery_id: Any, on: bool, actor: Any = None):
    """Switch one cell of the grid (a product delivered or not on a date)."""
    _may_edit(contract, actor)
    line = db.session.get(ContractLine, ident(line_id, "line_id"))
    delivery = db.session.get(Delivery, ident(delivery_id, "delivery_id"))
    if line is None or line.contract_id != contract.id:
        raise NotFound(_("Ligne introuvable."), field="line_id")
    if delivery is None or delivery.contract_id != contract.id:
        raise NotFound(_("Livraison introuvable."), field="delivery_id")
    cell = db.session.scalar(
        select(GridCell).where(GridCell.line_id == line.id, GridCell.delivery_id == delivery.id)
    )
    if on and cell is None:
        db.session.add(GridCell(line_id=line.id, delivery_id=delivery.id))
    elif not on and cell is not None:
        db.session.delete(cell)
    db.session.flush()


def lines_of(contract: Contract) -> list[ContractLine]:
    return list(
        db.session.scalars(
            select(ContractLine)
            .where(ContractLine.contract_id == contract.id)
            .order_by(ContractLine.id)
        )
    )


def deliveries_of(contract: Contract) -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.contract_id == contract.id)
            .order_by(Delivery.delivery_on)
        )
    )


def grid_of(contract: Contract) -> dict[int, list[int]]:
    """delivery id → line ids delivered that day (one query)."""
    grid: dict[int, list[int]] = {d.id: [] for d in deliveries_of(contract)}
    for line_id, delivery_id in db.session.execute(
        select(GridCell.line_id, GridCell.delivery_id)
        .join(Delivery, Delivery.id == GridCell.delivery_id)
        .where(Delivery.contract_id == contract.id)
    ):
        grid.setdefault(delivery_id, []).append(line_id)
    return grid


def prices_of(contract: Contract) -> dict[int, Prices]:
    return {line.id: Prices(line.price, line.solidarity_price) for line in lines_of(contract)}


def products_of(contract: Contract) -> dict[int, Product]:
    """line id → product."""
    return dict(
        db.session.execute(
            select(ContractLine.id, Product)
            .join(Product, Product.id == ContractLine.product_id)
            .where(ContractLine.contract_id == contract.id)
        ).all()
    )


def _quantities(contract: Contract, values: dict[Any, Any]) -> dict[int, Decimal]:
    known = {line.id for line in lines_of(contract)}
    result: dict[int, Decimal] = {}
    for key, value in values.items():
        line_id = ident(key, "quantities")
        if line_id not in known:
            raise ValidationFailed(_("Produit inconnu dans ce contrat."), field="quantities")
        amount = quantity(value, f"quantity_{line_id}")
        if amount > 0:
            result[line_id] = amount
    if not result:
        raise ValidationFailed(_("Indiquez au moins une quantité."), field="quantities")
    return result


def cost_of(contract: Contract, quantities: dict[int, Decimal], skipped=()) -> SeasonCost:
    return season_cost(quantities, prices_of(contract), grid_of(contract), skipped)


def subscribe(
    contract: Contract,
    user: Any,
    quantities: dict[Any, Any],
    tier: str = "standard",
    support: Any = None,
) -> Subscription:
    """Subscribe a household to an open contract.

    * ``standard``: the price;
    * ``support``: the price plus ``support`` for the season, which feeds the pot;
    * ``solidarity``: the solidarity price; the difference for the whole season is drawn
      from the pot at once, under its lock, and refused when the pot cannot cover it or the
      contract's quota of solidarity subscriptions is reached.
    """
    if contract.status != "open":
        raise Conflict(_("Ce contrat n'est pas ouvert aux souscriptions."), field="contract_id")
    if not is_member(user):
        raise Forbidden(_("Réservé aux membres vérifié·es de la commune."), field="account")
    if tier not in ("standard", "support", "solidarity"):
        raise ValidationFailed(_("Valeur inconnue : %(v)s", v=str(tier)[:20]), field="tier")
    amounts = _quantities(contract, quantities)
    if db.session.scalar(
        select(Subscription.id).where(
            Subscription.contract_id == contract.id, Subscription.account_id == user.id
        )
    ):
        raise Conflict(_("Vous avez déjà souscrit à ce contrat."), field="contract_id")
    cost = cost_of(contract, amounts)
    extra = Decimal("0")
    if tier == "support":
        extra = money(support, "support", allow_zero=False)
    if tier == "solidarity":
        if not solidarity.may_ask_solidarity(user):
            raise Forbidden(
                _("Le prix solidaire est réservé aux demandes accordées par le cercle."),
                field="tier",
            )
        if cost.reduction <= 0:
            raise ValidationFailed(
                _("Ce panier n'a pas de prix solidaire inférieur au prix."), field="tier"
            )
    row = Subscription(
        contract_id=contract.id,
        account_id=user.id,
        tier=tier,
        total=cost.solidarity_total if tier == "solidarity" else cost.total,
        reduction=cost.reduction if tier == "solidarity" else Decimal("0"),
        support=extra,
    )
    if tier == "solidarity":

        def quota() -> None:
            if contract.solidarity_quota and _solidarity_count(contract) >= (
                contract.solidarity_quota
            ):
                raise Conflict(
                    _("Le quota de paniers solidaires de ce contrat est atteint."), field="tier"
                )

        solidarity.draw(cost.reduction, contract_id=contract.id, check=quota)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(_("Vous avez déjà souscrit à ce contrat."), field="contract_id") from None
    db.session.add_all(
        SubscriptionLine(subscription_id=row.id, line_id=line_id, quantity=amount)
        for line_id, amount in amounts.items()
    )
    db.session.flush()
    if extra:
        solidarity.credit("support", extra, contract_id=contract.id)
    journal(
        "subscribed",
        {"contract": contract.id, "tier": tier, "title": contract.title},
    )
    return row


def _solidarity_count(contract: Contract) -> int:
    return int(
        db.session.scalar(
            select(func.count(Subscription.id)).where(
                Subscription.contract_id == contract.id,
                Subscription.tier == "solidarity",
                Subscription.status == "active",
            )
        )
        or 0
    )


def subscriptions_of(contract: Contract) -> list[Subscription]:
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.contract_id == contract.id, Subscription.status == "active")
            .order_by(Subscription.id)
        )
    )


def my_subscriptions(user: Any) -> list[Subscription]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.account_id == user.id)
            .order_by(Subscription.id.desc())
        )
    )


def get_subscription(subscription_id: Any, user: Any) -> Subscription:
    """A subscription, for the person who holds it only."""
    row = db.session.get(Subscription, ident(subscription_id, "subscription_id"))
    if row is None or user is None or row.account_id != getattr(user, "id", None):
        raise NotFound(_("Souscription introuvable."), field="subscription_id")
    return row


def quantities_of(subscription: Subscription) -> dict[int, Decimal]:
    return {
        line.line_id: line.quantity
        for line in db.session.scalars(
            select(SubscriptionLine).where(SubscriptionLine.subscription_id == subscription.id)
        )
    }


def changes_of(subscription: Subscription) -> dict[int, str]:
    return {
        c.delivery_id: c.action
        for c in db.session.scalars(
            select(DeliveryChange).where(DeliveryChange.subscription_id == subscription.id)
        )
    }


def change_delivery(
    subscription: Subscription,
    delivery_id: Any,
    action: str,
    today: date | None = None,
    recipient_id: Any = None,
) -> DeliveryChange:
    """Change one delivery of a subscription, before its day:

    * ``skip``: not delivered, not paid (a solidarity reduction for it goes back to the pot);
    * ``give``: paid, the basket goes to food aid;
    * ``pot``: paid, not delivered, its price goes to the solidarity pot (not for a
      solidarity-price subscription, which the pot itself pays for);
    * ``gift``: paid, another household of the commune (``recipient_id``) picks it up."""
    today = today or date.today()
    if action not in ("skip", "give", "pot", "gift"):
        raise ValidationFailed(_("Valeur inconnue : %(v)s", v=str(action)[:20]), field="action")
    recipient = None
    if action == "gift":
        recipient = _recipient(subscription, recipient_id)
    if action == "pot" and subscription.tier == "solidarity":
        raise ValidationFailed(
            _("Un panier au prix solidaire ne se donne pas au pot qui le finance."),
            field="action",
        )
    contract = get_contract(subscription.contract_id)
    delivery = db.session.get(Delivery, ident(delivery_id, "delivery_id"))
    if delivery is None or delivery.contract_id != contract.id:
        raise NotFound(_("Livraison introuvable."), field="delivery_id")
    if delivery.delivery_on <= today:
        raise Conflict(
            _("On ne change plus une livraison le jour même ou après."), field="delivery_id"
        )
    changes = changes_of(subscription)
    if delivery.id in changes:
        raise Conflict(_("Cette livraison est déjà sautée ou donnée."), field="delivery_id")
    if action == "skip" and sum(1 for a in changes.values() if a == "skip") >= contract.max_skips:
        raise Conflict(
            _("Ce contrat permet de sauter %(n)d livraisons au plus.", n=contract.max_skips),
            field="action",
        )
    row = DeliveryChange(
        subscription_id=subscription.id,
        delivery_id=delivery.id,
        action=action,
        recipient_id=recipient,
    )
    db.session.add(row)
    db.session.flush()
    if action == "pot":
        full, _reduced = cost_of(contract, quantities_of(subscription)).per_delivery.get(
            delivery.id, (Decimal("0"), Decimal("0"))
        )
        if full > 0:
            solidarity.credit("given_basket", full, contract_id=contract.id)
    if action == "skip":
        full, reduced = cost_of(contract, quantities_of(subscription)).per_delivery.get(
            delivery.id, (Decimal("0"), Decimal("0"))
        )
        if subscription.tier == "solidarity":
            subscription.total -= reduced
            give_back = full - reduced
            if give_back > 0:
                subscription.reduction -= give_back
                solidarity.credit("refund", give_back, contract_id=contract.id)
        else:
            subscription.total -= full
    db.session.flush()
    journal(
        "delivery_changed",
        {
            "contract": contract.id,
            "delivery": delivery.id,
            "action": action,
            "title": contract.title,
        },
    )
    return row


def households_for_gift(subscription: Subscription) -> list[tuple[int, str]]:
    """The other active members of the commune a delivery may be given to (one query)."""
    from federation.identity.models import Membership, User

    return [
        (uid, name)
        for uid, name in db.session.execute(
            select(User.id, User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.commune_id == subscription.commune_id,
                Membership.status == "active",
                User.id != subscription.account_id,
            )
            .order_by(User.display_name)
            .limit(500)
        ).all()
    ]


def _recipient(subscription: Subscription, recipient_id: Any) -> int:
    """Another active member of the commune (the household that picks the basket up)."""
    from federation.identity.models import Membership

    rid = ident(recipient_id, "recipient_id")
    member = db.session.scalar(
        select(Membership.id).where(
            Membership.commune_id == subscription.commune_id,
            Membership.user_id == rid,
            Membership.status == "active",
        )
    )
    if member is None or rid == subscription.account_id:
        raise ValidationFailed(
            _("Un don de livraison va à un·e autre membre de la commune."), field="recipient_id"
        )
    return rid


def close_contract(contract: Contract, actor: Any = None) -> None:
    if actor is not None and not may_manage_producer(actor, get_producer(contract.producer_id)):
        raise Forbidden(_("Réservé au cercle alimentation et au·à la producteur·rice."))
    if contract.status != "open":
        raise Conflict(_("Seul un contrat ouvert peut être clos."), field="status")
    contract.status = "closed"
    db.session.flush()
    journal(
        "contract_closed",
        {"contract": contract.id, "title": contract.title},
        actor,
    )
