"""Food services: context and who may do what, producers and products, declared needs.

Services take plain values, validate them (a :class:`~federation.errors.ServiceError`
names the field at fault), flush and never commit: views, the API, the CLI and the
import commit. They act in the current commune's scope. Contracts, solidarity,
distributions and land live in their own modules beside this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_food.constants import FAMILIES, FOOD_THEMES, PLUGIN, PRODUCER_KINDS, UNITS
from convergence_food.models import Need, Producer, Product
from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.governance.bodies import in_thematic_circle
from federation.governance.models import Body, Organisation
from federation.identity.services import has_permission, is_active_member
from federation.journal.services import record
from federation.plugins.events import emit
from federation.plugins.services import is_enabled, plugin_settings
from federation.tenancy.context import session
from federation.validation import choice_field, flag, ident, integer_field, quantity, text_field

# --- context and who may do what ----------------------------------------------------------


def commune_id() -> int:
    """The commune the session is scoped to (services run in one commune's scope)."""
    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("food services run in a commune's scope")
    return scope.commune_id


def settings() -> dict[str, Any]:
    return plugin_settings(commune_id(), PLUGIN)


def plugin_on(name: str) -> bool:
    """Whether another plugin is enabled here (its public pages may then be linked)."""
    return is_enabled(commune_id(), name)


def food_bodies() -> list[Body]:
    """The commune's food circles: thematic or action circles whose theme is food."""
    return list(
        db.session.scalars(
            select(Body)
            .where(Body.theme.in_(FOOD_THEMES), Body.kind != "assembly", Body.archived.is_(False))
            .order_by(Body.id)
        )
    )


def _authenticated(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user: Any) -> bool:
    """An active (verified) member of the commune (the request's identity memo)."""
    return _authenticated(user) and is_active_member(commune_id(), user.id)


def in_food_circle(user: Any) -> bool:
    """A member of one of the commune's food circles (who alone sees food-aid requests)."""
    return is_member(user) and in_thematic_circle(user.id, FOOD_THEMES)


def can_steer(user: Any) -> bool:
    """Producers, contracts, distributions, land: ``food.manage`` or the food circle."""
    if not _authenticated(user):
        return False
    return has_permission(user, "food.manage", commune_id()) or in_food_circle(user)


def can_see_aid(user: Any) -> bool:
    """Who asked for food aid: the food circle only (not even the commune's admins)."""
    return in_food_circle(user)


def journal(kind: str, payload: dict[str, Any], actor: Any = None) -> None:
    """Public journal entry and domain event of a state change (no personal data); the
    entry is rendered in the reader's language (:mod:`convergence_food.texts`)."""
    record(
        f"food.{kind}",
        payload=payload,
        commune_id=commune_id(),
        actor=getattr(actor, "display_name", "") if actor is not None else "",
    )
    emit(f"food.{kind}", payload, commune_id=commune_id())


# --- small validators ---------------------------------------------------------------------


# --- producers and products ---------------------------------------------------------------


def producers() -> list[Producer]:
    return list(db.session.scalars(select(Producer).order_by(Producer.name)))


def get_producer(producer_id: Any) -> Producer:
    row = db.session.get(Producer, ident(producer_id, "producer_id"))
    if row is None:
        raise NotFound(_("Producteur·rice introuvable."), field="producer_id")
    return row


def _organisation(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    org = db.session.get(Organisation, ident(value, "organisation_id"))
    if org is None:
        raise ValidationFailed(_("Organisation inconnue."), field="organisation_id")
    return org.id


def create_producer(data: dict[str, Any], actor: Any = None) -> Producer:
    name = text_field(data.get("name"), "name", 200, required=True)
    if db.session.scalar(select(Producer.id).where(Producer.name == name)):
        raise Conflict(_("Un·e producteur·rice porte déjà ce nom."), field="name")
    row = Producer(
        name=name,
        kind=choice_field(data.get("kind") or "farm", PRODUCER_KINDS, "kind"),
        description=text_field(data.get("description"), "description", 5000),
        organic=flag(data.get("organic")),
        surface_ha=quantity(data.get("surface_ha") or "0", "surface_ha"),
        how_to_buy=text_field(data.get("how_to_buy"), "how_to_buy", 500),
        organisation_id=_organisation(data.get("organisation_id")),
        account_id=getattr(actor, "id", None) if flag(data.get("is_me")) else None,
    )
    db.session.add(row)
    db.session.flush()
    journal(
        "producer_added",
        {"producer": row.id, "name": row.name, "kind": row.kind, "organic": row.organic},
        actor,
    )
    return row


def share_producer(origin_slug: Any, origin_producer_id: Any, actor: Any = None) -> Producer:
    """List here a producer that a commune of the same federation lists (one producer,
    several communes). Its public description and products are copied; its production
    stays counted where it was first listed, so the federation counts it once."""
    from federation.tenancy.context import federation_scope
    from federation.tenancy.services import federations_of, get_commune

    origin = get_commune(str(origin_slug or "").strip())
    here = commune_id()
    shared = {f.id for f in federations_of(here)} & {f.id for f in federations_of(origin.id)}
    if origin.id == here or not shared:
        raise ValidationFailed(
            _("Seule une commune d'une même fédération peut partager ses producteur·rices."),
            field="commune",
        )
    pid = ident(origin_producer_id, "producer_id")
    with federation_scope([origin.id]):
        source = db.session.get(Producer, pid)
        if source is None or source.origin_producer_id is not None:
            raise NotFound(_("Producteur·rice introuvable."), field="producer_id")
        data = {k: getattr(source, k) for k in ("name", "kind", "description", "how_to_buy")}
        data.update(organic="on" if source.organic else "", surface_ha=source.surface_ha)
        items = [
            {
                "name": p.name,
                "family": p.family,
                "unit": p.unit,
                "season_start": p.season_start,
                "season_end": p.season_end,
            }
            for p in db.session.scalars(select(Product).where(Product.producer_id == pid))
        ]
    row = create_producer(data, actor)
    row.origin_commune_id, row.origin_producer_id = origin.id, pid
    for item in items:
        add_product(row, item, actor)
    db.session.flush()
    return row


def producer_link(commune: Any, producer_id: int) -> tuple[str, str] | None:
    row = db.session.get(Producer, producer_id)
    if row is None:
        return None
    return row.name, f"/c/{commune.slug}/food/producers/{row.id}"


def may_manage_producer(user: Any, producer: Producer) -> bool:
    return can_steer(user) or (
        _authenticated(user) and producer.account_id is not None and producer.account_id == user.id
    )


def products(producer_ids: Iterable[int] | None = None) -> list[Product]:
    query = select(Product).order_by(Product.family, Product.name)
    if producer_ids is not None:
        query = query.where(Product.producer_id.in_(list(producer_ids)))
    return list(db.session.scalars(query))


def get_product(product_id: Any) -> Product:
    row = db.session.get(Product, ident(product_id, "product_id"))
    if row is None:
        raise NotFound(_("Produit introuvable."), field="product_id")
    return row


def add_product(producer: Producer, data: dict[str, Any], actor: Any = None) -> Product:
    name = text_field(data.get("name"), "name", 200, required=True)
    if db.session.scalar(
        select(Product.id).where(Product.producer_id == producer.id, Product.name == name)
    ):
        raise Conflict(_("Ce produit existe déjà chez ce·tte producteur·rice."), field="name")
    row = Product(
        producer_id=producer.id,
        name=name,
        family=choice_field(data.get("family"), FAMILIES, "family"),
        unit=choice_field(data.get("unit") or "kg", UNITS, "unit"),
        season_start=integer_field(data.get("season_start"), "season_start", 1, 12, default=1),
        season_end=integer_field(data.get("season_end"), "season_end", 1, 12, default=12),
        yearly_quantity=quantity(data.get("yearly_quantity") or "0", "yearly_quantity"),
    )
    db.session.add(row)
    db.session.flush()
    return row


def in_season(product: Product, month: int) -> bool:
    """Seasons may wrap around the new year (November → March)."""
    if product.season_start <= product.season_end:
        return product.season_start <= month <= product.season_end
    return month >= product.season_start or month <= product.season_end


# --- declared needs -----------------------------------------------------------------------


def needs() -> dict[str, Decimal]:
    return {n.family: n.yearly_quantity for n in db.session.scalars(select(Need))}


def declare_needs(values: dict[str, Any], actor: Any = None) -> dict[str, Decimal]:
    """The commune's yearly needs per product family (what local production is set against)."""
    parsed = {
        family: quantity(values[family], f"need_{family}")
        for family in FAMILIES
        if family in values and values[family] not in (None, "")
    }
    existing = {n.family: n for n in db.session.scalars(select(Need))}
    for family, amount in parsed.items():
        row = existing.get(family)
        if row is None:
            db.session.add(Need(family=family, yearly_quantity=amount))
        else:
            row.yearly_quantity = amount
    db.session.flush()
    journal(
        "needs_declared",
        {"needs": {k: str(v) for k, v in sorted(parsed.items())}},
        actor,
    )
    return needs()


def production_by_family() -> dict[str, Decimal]:
    """Local production (the producers' yearly quantities), per family, in one query."""
    from sqlalchemy import func

    return {
        family: total or Decimal("0")
        for family, total in db.session.execute(
            select(Product.family, func.sum(Product.yearly_quantity)).group_by(Product.family)
        )
    }
