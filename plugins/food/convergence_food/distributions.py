"""Distribution days: where and when baskets are picked up, the pick-up lists per producer
and per person (a constant number of queries), and the day's rota from the core roster."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from convergence_food.constants import DISTRIBUTION_TITLE, ROSTER_SOURCE, SETUP_TITLE
from convergence_food.contracts import parse_day
from convergence_food.models import (
    Contract,
    ContractLine,
    Delivery,
    DeliveryChange,
    Distribution,
    GridCell,
    Producer,
    Product,
    Subscription,
    SubscriptionLine,
)
from convergence_food.services import journal
from federation import formatting
from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.identity.models import User
from federation.validation import ident, text_field


def _time(value: Any, field: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(_("Heure invalide (HH:MM)."), field=field) from None


def distributions(upcoming_from: date | None = None) -> list[Distribution]:
    query = select(Distribution).order_by(Distribution.day, Distribution.starts_at)
    if upcoming_from is not None:
        query = query.where(Distribution.day >= upcoming_from)
    return list(db.session.scalars(query))


def get_distribution(distribution_id: Any) -> Distribution:
    row = db.session.get(Distribution, ident(distribution_id, "distribution_id"))
    if row is None:
        raise NotFound(_("Distribution introuvable."), field="distribution_id")
    return row


def create_distribution(data: dict[str, Any], actor: Any = None) -> Distribution:
    """A distribution day; the deliveries of that date join it."""
    starts = _time(data.get("starts_at") or "17:00", "starts_at")
    ends = _time(data.get("ends_at") or "19:00", "ends_at")
    if ends <= starts:
        raise ValidationFailed(_("La fin doit suivre le début."), field="ends_at")
    row = Distribution(
        day=parse_day(data.get("day"), "day"),
        starts_at=starts,
        ends_at=ends,
        place=text_field(data.get("place"), "place", 200, required=True),
        note=text_field(data.get("note"), "note", 2000),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(
            _("Une distribution a déjà lieu ce jour à cet endroit."), field="day"
        ) from None
    db.session.execute(
        update(Delivery)
        .where(Delivery.delivery_on == row.day, Delivery.distribution_id.is_(None))
        .values(distribution_id=row.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    journal(
        "distribution_planned",
        {"distribution": row.id, "day": row.day.isoformat(), "place": row.place},
        actor,
    )
    return row


@dataclass
class ProducerList:
    producer: Producer
    #: (product, unit, total quantity picked up, quantity given to food aid)
    items: list[tuple[Product, Decimal, Decimal]] = field(default_factory=list)


@dataclass
class PersonList:
    name: str
    account_id: int | None
    #: (producer name, product, quantity)
    items: list[tuple[str, Product, Decimal]] = field(default_factory=list)
    given: bool = False
    skipped: int = 0


@dataclass
class PickUp:
    distribution: Distribution
    producers: list[ProducerList]
    people: list[PersonList]
    given_baskets: int


def pickup(distribution: Distribution) -> PickUp:
    """Who picks up what, per producer and per person, in seven queries whatever the size."""
    deliveries = list(
        db.session.scalars(select(Delivery).where(Delivery.distribution_id == distribution.id))
    )
    delivery_of_contract = {d.contract_id: d.id for d in deliveries}
    ids = list(delivery_of_contract.values())
    cells = {
        (line_id, delivery_id)
        for line_id, delivery_id in db.session.execute(
            select(GridCell.line_id, GridCell.delivery_id).where(GridCell.delivery_id.in_(ids))
        )
    }
    line_rows = db.session.execute(
        select(ContractLine, Product, Producer)
        .join(Product, Product.id == ContractLine.product_id)
        .join(Producer, Producer.id == Product.producer_id)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .where(ContractLine.contract_id.in_(list(delivery_of_contract)))
        .order_by(Producer.name, Product.name)
    ).all()
    lines = {line.id: (line, product, producer) for line, product, producer in line_rows}
    subs = {
        s.id: s
        for s in db.session.scalars(
            select(Subscription).where(
                Subscription.contract_id.in_(list(delivery_of_contract)),
                Subscription.status == "active",
            )
        )
    }
    change_rows = list(
        db.session.scalars(select(DeliveryChange).where(DeliveryChange.delivery_id.in_(ids)))
    )
    changes = {(c.subscription_id, c.delivery_id): c.action for c in change_rows}
    #: a basket given to another household is picked up by that household
    picker = {
        (c.subscription_id, c.delivery_id): c.recipient_id
        for c in change_rows
        if c.action == "gift" and c.recipient_id
    }
    names = dict(
        db.session.execute(
            select(User.id, User.display_name).where(
                User.id.in_(
                    [s.account_id for s in subs.values() if s.account_id] + list(picker.values())
                )
            )
        ).all()
    )
    sub_lines = db.session.scalars(
        select(SubscriptionLine).where(SubscriptionLine.subscription_id.in_(list(subs)))
    ).all()
    per_producer: dict[int, dict[int, list[Decimal]]] = defaultdict(dict)
    per_person: dict[int, PersonList] = {}
    given_subs: set[int] = set()
    for row in sub_lines:
        sub = subs[row.subscription_id]
        line, product, producer = lines[row.line_id]
        delivery_id = delivery_of_contract[sub.contract_id]
        if (line.id, delivery_id) not in cells:
            continue
        action = changes.get((sub.id, delivery_id))
        holder = picker.get((sub.id, delivery_id), sub.account_id)
        person = per_person.setdefault(holder or 0, PersonList(names.get(holder, "—"), holder))
        slot = per_producer[producer.id].setdefault(product.id, [Decimal("0"), Decimal("0")])
        if action in ("skip", "pot"):
            person.skipped += 1
            continue
        if action == "give":
            slot[1] += row.quantity
            person.given = True
            given_subs.add(sub.id)
            continue
        slot[0] += row.quantity
        person.items.append((producer.name, product, row.quantity))
    producers_seen: dict[int, ProducerList] = {}
    products = {product.id: product for _l, product, _p in lines.values()}
    for _line, _product, producer in lines.values():
        producers_seen.setdefault(producer.id, ProducerList(producer))
    for producer_id, items in per_producer.items():
        for product_id, (taken, given) in sorted(
            items.items(), key=lambda kv: products[kv[0]].name
        ):
            producers_seen[producer_id].items.append((products[product_id], taken, given))
    people = sorted(
        (p for p in per_person.values() if p.items or p.given),
        key=lambda p: p.name.lower(),
    )
    return PickUp(
        distribution,
        sorted(producers_seen.values(), key=lambda p: p.producer.name),
        people,
        len(given_subs),
    )


# --- the rota (federation.roster) ---------------------------------------------------------


def roster_api() -> Any:
    """The core roster's public API, or None on a core without it."""
    try:
        from federation import roster
    except ImportError:
        return None
    return roster


def rota_roles() -> list[dict[str, Any]]:
    """The roles of a distribution's rota, from the commune's settings ("accueil:2,…")."""
    from convergence_food.services import settings

    roles = []
    for item in str(settings().get("rota_roles") or "").split(","):
        name, _sep, needed = item.strip().partition(":")
        if name.strip():
            try:
                count = max(1, min(int(needed or 1), 50))
            except ValueError:
                count = 1
            roles.append({"name": name.strip()[:80], "needed": count})
    return roles or [{"name": "distribution", "needed": 2}]


def rota_of(distribution: Distribution) -> list[tuple[Any, dict[int, int]]]:
    """The day's shifts (federation.roster) and their sign-ups per role, two queries."""
    roster = roster_api()
    if roster is None or not distribution.rota:
        return []
    shifts = roster.shifts_for(ROSTER_SOURCE, str(distribution.id))
    counts = roster.filled(shifts) if shifts else {}
    return [(shift, counts) for shift in shifts]


def open_rota(distribution: Distribution, actor: Any = None) -> list[Any]:
    """Create the distribution's shifts in the core roster (source ``food.distribution``):
    setting up an hour before, the distribution itself, and tidying up after."""
    roster = roster_api()
    if roster is None:
        raise Conflict(_("Le planning des équipes n'est pas disponible ici."), field="rota")
    if distribution.rota:
        raise Conflict(_("L'équipe de cette distribution est déjà ouverte."), field="rota")
    from convergence_food.services import food_bodies

    circles = food_bodies()
    tz = ZoneInfo("Europe/Paris")
    start = datetime.combine(distribution.day, distribution.starts_at, tzinfo=tz)
    end = datetime.combine(distribution.day, distribution.ends_at, tzinfo=tz)
    circle = circles[0] if circles else None
    where = {"place": distribution.place}
    shifts = [
        roster.create_shift(
            "",
            start,
            end,
            rota_roles(),
            place=distribution.place,
            body=circle,
            source_kind=ROSTER_SOURCE,
            source_ref=str(distribution.id),
            actor=actor,
            title_kind=DISTRIBUTION_TITLE,
            title_params=where,
        ),
        roster.create_shift(
            "",
            start - timedelta(hours=1),
            start,
            [{"name": "installation", "needed": 2}],
            place=distribution.place,
            body=circle,
            source_kind=ROSTER_SOURCE,
            source_ref=str(distribution.id),
            actor=actor,
            title_kind=SETUP_TITLE,
            title_params=where,
        ),
    ]
    distribution.rota = True
    db.session.flush()
    return shifts


def distribution_link(commune: Any, distribution_id: int) -> tuple[str, str] | None:
    row = db.session.get(Distribution, distribution_id)
    if row is None:
        return None
    return (
        _("Distribution du %(d)s — %(p)s", d=formatting.day(row.day), p=row.place),
        f"/c/{commune.slug}/food/distributions/{row.id}",
    )
