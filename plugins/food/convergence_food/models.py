"""Food data: producers and products, contracts (lines × deliveries grid), subscriptions,
skipped or given deliveries, distribution days, the solidarity pot and its movements,
food-aid requests, declared needs, plots, candidates and matches.

Every table is a tenant table. Amounts are exact decimals (``Numeric``), never floats.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import TimestampMixin, db
from federation.tenancy.federation_data import FederationDataMixin
from federation.tenancy.scoping import TenantMixin

INFO = {"info": {"plugin": "food"}}


def _money(default: str | None = "0") -> Any:
    if default is None:
        return mapped_column(Numeric(12, 2))
    return mapped_column(Numeric(12, 2), default=Decimal(default), nullable=False)


def _qty() -> Any:
    return mapped_column(Numeric(12, 3), default=Decimal("0"), nullable=False)


def _user_fk(ondelete: str = "SET NULL") -> Any:
    return mapped_column(ForeignKey("users.id", ondelete=ondelete))


class Producer(TenantMixin, TimestampMixin, db.Model):
    """A farm, market gardener, baker… that supplies the commune.

    ``origin_commune_id``/``origin_producer_id`` say that the same producer is listed by
    another commune too (one producer, several communes): the federation counts it once.
    """

    __tablename__ = "food_producers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    organic: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    surface_ha: Mapped[Decimal] = _qty()
    how_to_buy: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_organisations.id", ondelete="SET NULL")
    )
    account_id: Mapped[int | None] = _user_fk()
    origin_commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL")
    )
    origin_producer_id: Mapped[int | None] = mapped_column(Integer)
    #: set when a new farmer matched with a plot was installed as this producer
    installed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("commune_id", "name"), INFO)


class Product(TenantMixin, db.Model):
    """What a producer offers: a family, a unit, a season (months), a yearly quantity."""

    __tablename__ = "food_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("food_producers.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    family: Mapped[str] = mapped_column(String(20), nullable=False)
    unit: Mapped[str] = mapped_column(String(10), nullable=False)
    season_start: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    season_end: Mapped[int] = mapped_column(Integer, default=12, nullable=False)
    #: what the producer expects to sell locally in a year, in the product's unit (kg…)
    yearly_quantity: Mapped[Decimal] = _qty()

    __table_args__ = (
        UniqueConstraint("commune_id", "producer_id", "name"),
        Index("ix_food_products_commune_family", "commune_id", "family"),
        INFO,
    )


class Contract(TenantMixin, TimestampMixin, db.Model):
    """A season contract with one producer: draft → in_vote → open → closed (or rejected).

    Prices are decided by the food circle's vote: a contract opens only when the proposal
    that carries it is adopted.
    """

    __tablename__ = "food_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(
        ForeignKey("food_producers.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    season: Mapped[str] = mapped_column(String(60), nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="draft", nullable=False)
    #: how many deliveries a subscriber may skip (giving one is always allowed)
    max_skips: Mapped[int] = mapped_column(Integer, default=2, nullable=False)
    #: how many solidarity-price subscriptions this contract offers (0: as the pot allows)
    solidarity_quota: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = _user_fk()

    __table_args__ = (Index("ix_food_contracts_commune_status", "commune_id", "status"), INFO)


class ContractLine(TenantMixin, db.Model):
    """A product of a contract with its price and solidarity price per unit."""

    __tablename__ = "food_contract_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("food_contracts.id", ondelete="CASCADE"), nullable=False
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("food_products.id", ondelete="CASCADE"), nullable=False
    )
    price: Mapped[Decimal] = _money()
    solidarity_price: Mapped[Decimal] = _money()

    __table_args__ = (UniqueConstraint("commune_id", "contract_id", "product_id"), INFO)


class Delivery(TenantMixin, db.Model):
    """A delivery date of a contract, at a distribution day of the commune."""

    __tablename__ = "food_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("food_contracts.id", ondelete="CASCADE"), nullable=False
    )
    delivery_on: Mapped[date] = mapped_column(Date, nullable=False)
    distribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("food_distributions.id", ondelete="SET NULL")
    )

    __table_args__ = (UniqueConstraint("commune_id", "contract_id", "delivery_on"), INFO)


class GridCell(TenantMixin, db.Model):
    """The grid: a product line is delivered on that date (absent: not that day)."""

    __tablename__ = "food_grid"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("food_contract_lines.id", ondelete="CASCADE"), nullable=False
    )
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("food_deliveries.id", ondelete="CASCADE"), nullable=False
    )

    __table_args__ = (UniqueConstraint("commune_id", "line_id", "delivery_id"), INFO)


class Subscription(TenantMixin, TimestampMixin, db.Model):
    """A household's subscription to a contract, at a tier.

    ``reduction`` is what the solidarity pot pays (solidarity tier), ``support`` what the
    household pays above the price into the pot (support tier); both for the season.
    """

    __tablename__ = "food_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("food_contracts.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[int | None] = _user_fk("CASCADE")
    tier: Mapped[str] = mapped_column(String(12), default="standard", nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False)
    total: Mapped[Decimal] = _money()
    reduction: Mapped[Decimal] = _money()
    support: Mapped[Decimal] = _money()

    __table_args__ = (UniqueConstraint("commune_id", "contract_id", "account_id"), INFO)


class SubscriptionLine(TenantMixin, db.Model):
    """How much of a contract line a subscription takes at each delivery."""

    __tablename__ = "food_subscription_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("food_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    line_id: Mapped[int] = mapped_column(
        ForeignKey("food_contract_lines.id", ondelete="CASCADE"), nullable=False
    )
    quantity: Mapped[Decimal] = _qty()

    __table_args__ = (UniqueConstraint("commune_id", "subscription_id", "line_id"), INFO)


class DeliveryChange(TenantMixin, TimestampMixin, db.Model):
    """A subscriber skips a delivery, or gives it (the basket goes to food aid)."""

    __tablename__ = "food_delivery_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("food_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("food_deliveries.id", ondelete="CASCADE"), nullable=False
    )
    #: "skip", "give" (to food aid), "pot" (its price to the solidarity pot), "gift" (to
    #: another household, ``recipient_id``, who picks it up)
    action: Mapped[str] = mapped_column(String(8), nullable=False)
    recipient_id: Mapped[int | None] = _user_fk()

    __table_args__ = (UniqueConstraint("commune_id", "subscription_id", "delivery_id"), INFO)


class Distribution(TenantMixin, TimestampMixin, db.Model):
    """A distribution day: where and when subscribers pick up their baskets."""

    __tablename__ = "food_distributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    starts_at: Mapped[time] = mapped_column(Time, nullable=False)
    ends_at: Mapped[time] = mapped_column(Time, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    #: the roster shifts were created (federation.roster, source kind food.distribution)
    rota: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "day", "place"), INFO)


class Pot(TenantMixin, TimestampMixin, db.Model):
    """The solidarity pot: the commune's own (``federation_id`` null) or the commune's part
    of a federation's pot. The balance never goes below zero (a check and a row lock)."""

    __tablename__ = "food_pots"

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int | None] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE")
    )
    balance: Mapped[Decimal] = _money()
    received: Mapped[Decimal] = _money()
    spent: Mapped[Decimal] = _money()

    __table_args__ = (
        UniqueConstraint("commune_id", "federation_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        INFO,
    )


class PotMovement(TenantMixin, TimestampMixin, db.Model):
    """A movement of the pot, without the name of anybody (the journal has the same)."""

    __tablename__ = "food_pot_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    pot_id: Mapped[int] = mapped_column(
        ForeignKey("food_pots.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    #: positive into the pot, negative out of it
    amount: Mapped[Decimal] = _money()
    balance_after: Mapped[Decimal] = _money()
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("food_contracts.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("ix_food_pot_movements_commune_pot", "commune_id", "pot_id"), INFO)


#: the federation-data topic of the shared pots (federation.tenancy.federation_data)
POT_TOPIC = "food.pot"


class SharedPot(FederationDataMixin, TimestampMixin, db.Model):
    """A federation's solidarity pot, shared by the member communes that opted in
    (``food.pot``): fed by gifts and above-price payments from any of them, drawn by the
    reductions of any of them. Same lock and CHECK as the commune's pot."""

    __tablename__ = "food_shared_pots"
    __federation_topic__ = POT_TOPIC

    id: Mapped[int] = mapped_column(primary_key=True)
    balance: Mapped[Decimal] = _money()
    received: Mapped[Decimal] = _money()
    spent: Mapped[Decimal] = _money()

    __table_args__ = (
        UniqueConstraint("federation_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        INFO,
    )


class SharedPotMovement(FederationDataMixin, TimestampMixin, db.Model):
    """A movement of a shared pot: the commune it came from, never a person."""

    __tablename__ = "food_shared_pot_movements"
    __federation_topic__ = POT_TOPIC

    id: Mapped[int] = mapped_column(primary_key=True)
    pot_id: Mapped[int] = mapped_column(
        ForeignKey("food_shared_pots.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount: Mapped[Decimal] = _money()
    balance_after: Mapped[Decimal] = _money()
    origin_commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL")
    )

    __table_args__ = (
        Index("ix_food_shared_pot_movements_federation_pot", "federation_id", "pot_id"),
        INFO,
    )


class AidRequest(TenantMixin, TimestampMixin, db.Model):
    """A household asks for the solidarity price: only the food circle sees who."""

    __tablename__ = "food_aid_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = _user_fk("CASCADE")
    household_size: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="pending", nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_food_aid_requests_commune_status", "commune_id", "status"), INFO)


class Need(TenantMixin, db.Model):
    """What the commune declares it needs in a year, per product family (kg or units)."""

    __tablename__ = "food_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(20), nullable=False)
    yearly_quantity: Mapped[Decimal] = _qty()

    __table_args__ = (UniqueConstraint("commune_id", "family"), INFO)


class Plot(TenantMixin, TimestampMixin, db.Model):
    """Land offered to new farmers: owner, surface, soil, water access, lease terms."""

    __tablename__ = "food_plots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    communal: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    surface_ha: Mapped[Decimal] = _qty()
    soil: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    water_access: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    #: the public code of a water resource of the water plugin, where it is enabled
    water_resource_code: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    lease_terms: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="available", nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "name"), INFO)


class Candidate(TenantMixin, TimestampMixin, db.Model):
    """A person who wants to settle as a farmer (name and account: the circle only)."""

    __tablename__ = "food_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = _user_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    project: Mapped[str] = mapped_column(Text, default="", nullable=False)
    needs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    surface_wanted_ha: Mapped[Decimal] = _qty()
    status: Mapped[str] = mapped_column(String(12), default="seeking", nullable=False)
    producer_id: Mapped[int | None] = mapped_column(
        ForeignKey("food_producers.id", ondelete="SET NULL")
    )

    __table_args__ = (INFO,)


class Match(TenantMixin, TimestampMixin, db.Model):
    """The circle's proposal to settle a candidate on a plot, decided by a vote."""

    __tablename__ = "food_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(
        ForeignKey("food_plots.id", ondelete="CASCADE"), nullable=False
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("food_candidates.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(12), default="in_vote", nullable=False)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_proposals.id", ondelete="SET NULL")
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("gov_decisions.id", ondelete="SET NULL")
    )
    help_to_settle: Mapped[str] = mapped_column(Text, default="", nullable=False)

    __table_args__ = (Index("ix_food_matches_commune_plot", "commune_id", "plot_id"), INFO)
