"""Commune export/import of the food data, and a person's own food data (GDPR).

The export carries producers and products, needs, contracts (lines, deliveries, grid),
distribution days, plots and the pot's totals. Subscriptions, food-aid requests and
candidacies are personal: they stay out of the commune export and go to the person's own
export instead. The pot's movements are in the public journal.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_food import contracts, distributions, land, services, solidarity
from convergence_food.models import (
    AidRequest,
    Candidate,
    Contract,
    ContractLine,
    Delivery,
    DeliveryChange,
    Distribution,
    GridCell,
    Need,
    Plot,
    Pot,
    Producer,
    Product,
    Subscription,
)
from federation.db import db
from federation.errors import ValidationFailed

PRODUCER_FIELDS = ("name", "kind", "description", "organic", "how_to_buy")
PRODUCT_FIELDS = ("name", "family", "unit", "season_start", "season_end")
PLOT_FIELDS = (
    "name",
    "owner",
    "communal",
    "soil",
    "water_access",
    "water_resource_code",
    "lease_terms",
    "status",
)


def export_commune() -> dict[str, Any]:
    producers = services.producers()
    names = {p.id: p.name for p in producers}
    products = services.products()
    product_key = {p.id: (names[p.producer_id], p.name) for p in products}
    result: dict[str, Any] = {
        "producers": [
            {**{k: getattr(p, k) for k in PRODUCER_FIELDS}, "surface_ha": str(p.surface_ha)}
            for p in producers
        ],
        "products": [
            {
                **{k: getattr(p, k) for k in PRODUCT_FIELDS},
                "producer": names[p.producer_id],
                "yearly_quantity": str(p.yearly_quantity),
            }
            for p in products
        ],
        "needs": {k: str(v) for k, v in services.needs().items()},
        "distributions": [
            {
                "day": d.day.isoformat(),
                "starts_at": d.starts_at.strftime("%H:%M"),
                "ends_at": d.ends_at.strftime("%H:%M"),
                "place": d.place,
                "note": d.note,
            }
            for d in distributions.distributions()
        ],
        "contracts": [],
        "plots": [
            {**{k: getattr(p, k) for k in PLOT_FIELDS}, "surface_ha": str(p.surface_ha)}
            for p in land.plots()
        ],
    }
    for contract in contracts.contracts():
        lines = contracts.lines_of(contract)
        grid = contracts.grid_of(contract)
        result["contracts"].append(
            {
                "producer": names[contract.producer_id],
                "title": contract.title,
                "season": contract.season,
                "status": contract.status,
                "max_skips": contract.max_skips,
                "solidarity_quota": contract.solidarity_quota,
                "lines": [
                    {
                        "product": product_key[ln.product_id][1],
                        "price": str(ln.price),
                        "solidarity_price": str(ln.solidarity_price),
                    }
                    for ln in lines
                ],
                "deliveries": [
                    {
                        "on": d.delivery_on.isoformat(),
                        "products": [
                            product_key[ln.product_id][1]
                            for ln in lines
                            if ln.id in grid.get(d.id, [])
                        ],
                    }
                    for d in contracts.deliveries_of(contract)
                ],
            }
        )
    pot = solidarity.pot()
    result["pot"] = {
        "balance": str(pot.balance),
        "received": str(pot.received),
        "spent": str(pot.spent),
    }
    return result


def _bad(detail: str) -> ValidationFailed:
    return ValidationFailed(_("Données alimentation invalides : %(d)s", d=detail), field="food")


def import_commune(data: dict[str, Any]) -> None:
    """Recreate the data of :func:`export_commune` in an empty commune (one transaction)."""
    try:
        producers: dict[str, int] = {}
        for item in data.get("producers", []):
            row = Producer(
                **{k: item[k] for k in PRODUCER_FIELDS},
                surface_ha=Decimal(item.get("surface_ha", "0")),
            )
            db.session.add(row)
            db.session.flush()
            producers[row.name] = row.id
        products: dict[tuple[str, str], int] = {}
        for item in data.get("products", []):
            row = Product(
                **{k: item[k] for k in PRODUCT_FIELDS},
                producer_id=producers[item["producer"]],
                yearly_quantity=Decimal(item.get("yearly_quantity", "0")),
            )
            db.session.add(row)
            db.session.flush()
            products[(item["producer"], row.name)] = row.id
        for family, amount in (data.get("needs") or {}).items():
            db.session.add(Need(family=str(family), yearly_quantity=Decimal(amount)))
        days: dict[date, int] = {}
        for item in data.get("distributions", []):
            row = Distribution(
                day=date.fromisoformat(item["day"]),
                starts_at=time.fromisoformat(item["starts_at"]),
                ends_at=time.fromisoformat(item["ends_at"]),
                place=str(item["place"]),
                note=str(item.get("note", "")),
            )
            db.session.add(row)
            db.session.flush()
            days.setdefault(row.day, row.id)
        for item in data.get("contracts", []):
            contract = Contract(
                producer_id=producers[item["producer"]],
                title=item["title"],
                season=item["season"],
                status=item.get("status", "draft"),
                max_skips=int(item.get("max_skips", 2)),
                solidarity_quota=int(item.get("solidarity_quota", 0)),
            )
            db.session.add(contract)
            db.session.flush()
            lines = {}
            for ln in item.get("lines", []):
                row = ContractLine(
                    contract_id=contract.id,
                    product_id=products[(item["producer"], ln["product"])],
                    price=Decimal(ln["price"]),
                    solidarity_price=Decimal(ln["solidarity_price"]),
                )
                db.session.add(row)
                db.session.flush()
                lines[ln["product"]] = row.id
            for d in item.get("deliveries", []):
                day = date.fromisoformat(d["on"])
                delivery = Delivery(
                    contract_id=contract.id, delivery_on=day, distribution_id=days.get(day)
                )
                db.session.add(delivery)
                db.session.flush()
                db.session.add_all(
                    GridCell(line_id=lines[name], delivery_id=delivery.id)
                    for name in d.get("products", [])
                )
        for item in data.get("plots", []):
            db.session.add(
                Plot(**{k: item[k] for k in PLOT_FIELDS}, surface_ha=Decimal(item["surface_ha"]))
            )
        pot = data.get("pot") or {}
        if pot:
            row = solidarity.pot(create=True)
            row.balance = Decimal(pot.get("balance", "0"))
            row.received = Decimal(pot.get("received", "0"))
            row.spent = Decimal(pot.get("spent", "0"))
            if row.balance < 0:
                raise _bad("pot")
        db.session.flush()
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise _bad(str(exc)[:100]) from exc


def personal_data(user: Any) -> dict[str, Any]:
    """The person's subscriptions, food-aid requests and candidacies (every commune)."""
    subs = db.session.scalars(select(Subscription).where(Subscription.account_id == user.id))
    titles = {
        c.id: c.title
        for c in db.session.scalars(
            select(Contract).where(
                Contract.id.in_(
                    select(Subscription.contract_id).where(Subscription.account_id == user.id)
                )
            )
        )
    }
    return {
        "subscriptions": [
            {
                "commune_id": s.commune_id,
                "contract": titles.get(s.contract_id),
                "tier": s.tier,
                "total": str(s.total),
                "reduction": str(s.reduction),
                "support": str(s.support),
            }
            for s in subs
        ],
        "aid_requests": [
            {
                "commune_id": r.commune_id,
                "status": r.status,
                "household_size": r.household_size,
                "note": r.note,
                "created_at": r.created_at.isoformat(),
            }
            for r in db.session.scalars(select(AidRequest).where(AidRequest.account_id == user.id))
        ],
        "candidacies": [
            {"commune_id": c.commune_id, "name": c.name, "project": c.project, "status": c.status}
            for c in db.session.scalars(select(Candidate).where(Candidate.account_id == user.id))
        ],
        "producers": [
            p.name
            for p in db.session.scalars(select(Producer).where(Producer.account_id == user.id))
        ],
        "deliveries_received": [
            {"commune_id": c.commune_id, "delivery_id": c.delivery_id}
            for c in db.session.scalars(
                select(DeliveryChange).where(DeliveryChange.recipient_id == user.id)
            )
        ],
    }


def erase_personal_data(user: Any) -> None:
    """Aid requests are deleted; subscriptions keep their amounts (the pot's accounts) but
    lose the person; candidacies are anonymised; producer accounts unlinked."""
    for row in db.session.scalars(select(AidRequest).where(AidRequest.account_id == user.id)):
        db.session.delete(row)
    for row in db.session.scalars(select(Subscription).where(Subscription.account_id == user.id)):
        row.account_id = None
    for row in db.session.scalars(select(Candidate).where(Candidate.account_id == user.id)):
        row.account_id, row.name, row.project = None, _("Personne anonymisée"), ""
    for row in db.session.scalars(select(Producer).where(Producer.account_id == user.id)):
        row.account_id = None
    for row in db.session.scalars(
        select(DeliveryChange).where(DeliveryChange.recipient_id == user.id)
    ):
        row.recipient_id = None  # a basket given to nobody in particular any more
    db.session.flush()


__all__ = ["Pot", "erase_personal_data", "export_commune", "import_commune", "personal_data"]
