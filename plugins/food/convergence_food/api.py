"""REST endpoints of the food plugin, under ``/api/v1/communes/<commune>/food/``.

Thin: validation by the schemas, logic in the same services as the web pages, errors as
4xx JSON naming the field. Who asked for food aid reaches the food circle only; pick-up
lists by person reach those who steer the distributions.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from convergence_food import (
    contracts,
    decisions,
    distributions,
    harvest,
    land,
    services,
    solidarity,
)
from convergence_food.schemas import (
    AidDecisionSchema,
    AidRequestSchema,
    CandidateSchema,
    ChangeSchema,
    ContractDetailSchema,
    ContractSchema,
    DeliverySchema,
    DistributionSchema,
    GiftSchema,
    HarvestSchema,
    HarvestShiftSchema,
    LineSchema,
    MatchProposeSchema,
    NeedsSchema,
    PickupSchema,
    PlotSchema,
    PotSchema,
    PotShareSchema,
    ProducerSchema,
    ProductSchema,
    ProposalLinkSchema,
    ProposeSchema,
    ShareSchema,
    SubscribeSchema,
    SubscriptionSchema,
)
from federation.api import api_error
from federation.api.errors import service_errors
from federation.db import db
from federation.errors import ServiceError

blp = Blueprint(
    "food_api",
    __name__,
    description="Alimentation : producteur·rices, contrats, paniers, distributions, pot "
    "solidaire, terres",
)


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _signed_in() -> Any:
    user = _user()
    if user is None:
        api_error(401, message="authentication required")
    return user


def _steer() -> Any:
    user = _signed_in()
    if not services.can_steer(user):
        api_error(403, message="the food circle or permission food.manage required")
    return user


def _get(getter, value):
    try:
        return getter(value)
    except ServiceError:
        abort(404)


def _producer(row) -> dict[str, Any]:
    return {
        **{
            k: getattr(row, k)
            for k in (
                "id",
                "name",
                "kind",
                "description",
                "organic",
                "surface_ha",
                "how_to_buy",
                "organisation_id",
                "installed_on",
            )
        },
        "shared": row.origin_producer_id is not None,
    }


def _contract(row, detail: bool = False) -> dict[str, Any]:
    data = {
        k: getattr(row, k)
        for k in (
            "id",
            "producer_id",
            "title",
            "season",
            "max_skips",
            "solidarity_quota",
            "status",
            "proposal_id",
            "decision_id",
        )
    }
    if detail:
        products = contracts.products_of(row)
        grid = contracts.grid_of(row)
        data["lines"] = [
            {
                "id": ln.id,
                "product_id": ln.product_id,
                "product": products[ln.id].name,
                "unit": products[ln.id].unit,
                "price": str(ln.price),
                "solidarity_price": str(ln.solidarity_price),
            }
            for ln in contracts.lines_of(row)
        ]
        data["deliveries"] = [
            {
                "id": d.id,
                "delivery_on": d.delivery_on,
                "distribution_id": d.distribution_id,
                "lines": grid.get(d.id, []),
            }
            for d in contracts.deliveries_of(row)
        ]
        data["subscribers"] = len(contracts.subscriptions_of(row))
    return data


def _subscription(row) -> dict[str, Any]:
    return {
        **{
            k: getattr(row, k)
            for k in ("id", "contract_id", "tier", "status", "total", "reduction", "support")
        },
        "quantities": {str(k): str(v) for k, v in contracts.quantities_of(row).items()},
        "changes": {str(k): v for k, v in contracts.changes_of(row).items()},
    }


# --- producers ----------------------------------------------------------------------------


@blp.route("/producers")
class Producers(MethodView):
    @blp.response(200, ProducerSchema(many=True))
    def get(self):
        """The commune's producers (farms, market gardeners, bakers…)."""
        return [_producer(p) for p in services.producers()]

    @blp.arguments(ProducerSchema)
    @blp.response(201, ProducerSchema)
    def post(self, data):
        """Add a producer (the food circle or ``food.manage``)."""
        user = _steer()
        with service_errors():
            row = services.create_producer(data, user)
        db.session.commit()
        return _producer(row)


@blp.route("/producers/shared")
class SharedProducers(MethodView):
    @blp.arguments(ShareSchema)
    @blp.response(201, ProducerSchema)
    def post(self, data):
        """List a producer of another commune of the same federation (counted once)."""
        user = _steer()
        with service_errors():
            row = services.share_producer(data["commune"], data["producer_id"], user)
        db.session.commit()
        return _producer(row)


@blp.route("/producers/<int:producer_id>/products")
class Products(MethodView):
    @blp.response(200, ProductSchema(many=True))
    def get(self, producer_id: int):
        """A producer's products, with their family and season."""
        row = _get(services.get_producer, producer_id)
        return services.products([row.id])

    @blp.arguments(ProductSchema)
    @blp.response(201, ProductSchema)
    def post(self, data, producer_id: int):
        """Add a product (the circle, or the producer's own account)."""
        user = _signed_in()
        row = _get(services.get_producer, producer_id)
        if not services.may_manage_producer(user, row):
            api_error(403, message="not your producer")
        with service_errors():
            product = services.add_product(row, data, user)
        db.session.commit()
        return product


def _harvest_shift(shift: Any, taken: dict[int, int]) -> dict[str, Any]:
    _shift, got, need = harvest.fill_rows([shift], taken)[0]
    return {
        "id": shift.id,
        "title": shift.display_title,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "place": shift.place,
        "needed": need,
        "taken": got,
        "roles": [{"id": r.id, "name": r.name, "needed": r.needed} for r in shift.roles],
    }


@blp.route("/producers/<int:producer_id>/harvest-shifts")
class HarvestShifts(MethodView):
    @blp.response(200, HarvestShiftSchema(many=True))
    def get(self, producer_id: int):
        """A producer's upcoming harvest-help shifts and how full they are (sign up through
        the roster: ``/api/v1/communes/<commune>/roster/shifts/<id>/signups``)."""
        row = _get(services.get_producer, producer_id)
        shifts, taken = harvest.harvest_shifts(row)
        return [_harvest_shift(s, taken) for s in shifts]

    @blp.arguments(HarvestSchema)
    @blp.response(201, HarvestShiftSchema(many=True))
    def post(self, data, producer_id: int):
        """Open harvest-help shifts (the producer's account or the food circle): one shift,
        or a weekly/monthly series (``repeat``)."""
        user = _signed_in()
        row = _get(services.get_producer, producer_id)
        if not services.may_manage_producer(user, row):
            api_error(403, message="not your producer")
        with service_errors():
            shifts = harvest.open_harvest(row, data, user)
        db.session.commit()
        from federation import roster

        taken = roster.filled(shifts)
        return [_harvest_shift(s, taken) for s in shifts]


@blp.route("/needs")
class Needs(MethodView):
    @blp.response(200, NeedsSchema)
    def get(self):
        """The commune's declared yearly needs per product family."""
        return {"needs": {k: str(v) for k, v in services.needs().items()}}

    @blp.arguments(NeedsSchema)
    @blp.response(200, NeedsSchema)
    def put(self, data):
        """Declare the yearly needs (the food circle)."""
        user = _steer()
        with service_errors():
            result = services.declare_needs(data["needs"], user)
        db.session.commit()
        return {"needs": {k: str(v) for k, v in result.items()}}


# --- contracts ----------------------------------------------------------------------------


@blp.route("/contracts")
class Contracts(MethodView):
    @blp.response(200, ContractSchema(many=True))
    def get(self):
        """Season contracts, every status."""
        return [_contract(c) for c in contracts.contracts()]

    @blp.arguments(ContractSchema)
    @blp.response(201, ContractSchema)
    def post(self, data):
        """Prepare a contract (draft) with a producer."""
        user = _signed_in()
        with service_errors():
            row = contracts.create_contract(data, user)
        db.session.commit()
        return _contract(row)


@blp.route("/contracts/<int:contract_id>")
class ContractDetail(MethodView):
    @blp.response(200, ContractDetailSchema)
    def get(self, contract_id: int):
        """A contract with its lines (prices), its deliveries and the grid."""
        return _contract(_get(contracts.get_contract, contract_id), detail=True)


@blp.route("/contracts/<int:contract_id>/lines")
class ContractLines(MethodView):
    @blp.arguments(LineSchema)
    @blp.response(201, LineSchema)
    def post(self, data, contract_id: int):
        """Add a product with its price and solidarity price (draft contracts)."""
        user = _signed_in()
        row = _get(contracts.get_contract, contract_id)
        with service_errors():
            line = contracts.add_line(row, data, user)
        db.session.commit()
        return {
            "id": line.id,
            "product_id": line.product_id,
            "price": str(line.price),
            "solidarity_price": str(line.solidarity_price),
        }


@blp.route("/contracts/<int:contract_id>/deliveries")
class ContractDeliveries(MethodView):
    @blp.arguments(DeliverySchema)
    @blp.response(201, DeliverySchema)
    def post(self, data, contract_id: int):
        """Add a delivery date (every product that day, until the grid says otherwise)."""
        user = _signed_in()
        row = _get(contracts.get_contract, contract_id)
        with service_errors():
            delivery = contracts.add_delivery(row, data, user)
        db.session.commit()
        return {
            "id": delivery.id,
            "delivery_on": delivery.delivery_on,
            "distribution_id": delivery.distribution_id,
            "lines": contracts.grid_of(row).get(delivery.id, []),
        }


@blp.route("/contracts/<int:contract_id>/propose")
class ContractPropose(MethodView):
    @blp.arguments(ProposeSchema)
    @blp.response(201, ProposalLinkSchema)
    def post(self, data, contract_id: int):
        """Put the contract's prices and quota to the food circle's vote."""
        user = _steer()
        row = _get(contracts.get_contract, contract_id)
        with service_errors():
            proposal = decisions.propose("contract", {"contract_id": row.id}, user, **data)
        db.session.commit()
        return {"proposal_id": proposal.id}


@blp.route("/contracts/<int:contract_id>/subscriptions")
class ContractSubscribe(MethodView):
    @blp.arguments(SubscribeSchema)
    @blp.response(201, SubscriptionSchema)
    def post(self, data, contract_id: int):
        """Subscribe (standard, support or solidarity price: the latter within the pot)."""
        user = _signed_in()
        row = _get(contracts.get_contract, contract_id)
        with service_errors():
            sub = contracts.subscribe(row, user, data["quantities"], data["tier"], data["support"])
        db.session.commit()
        return _subscription(sub)


@blp.route("/subscriptions")
class MySubscriptions(MethodView):
    @blp.response(200, SubscriptionSchema(many=True))
    def get(self):
        """The signed-in person's subscriptions."""
        return [_subscription(s) for s in contracts.my_subscriptions(_signed_in())]


@blp.route("/subscriptions/<int:subscription_id>/changes")
class SubscriptionChanges(MethodView):
    @blp.arguments(ChangeSchema)
    @blp.response(201, SubscriptionSchema)
    def post(self, data, subscription_id: int):
        """Skip a delivery, or give it to food aid (one's own subscription)."""
        user = _signed_in()
        sub = _get(lambda v: contracts.get_subscription(v, user), subscription_id)
        with service_errors():
            contracts.change_delivery(
                sub, data["delivery_id"], data["action"], recipient_id=data["recipient_id"]
            )
        db.session.commit()
        return _subscription(sub)


# --- distributions ------------------------------------------------------------------------


def _distribution(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "day": row.day,
        "starts_at": row.starts_at.strftime("%H:%M"),
        "ends_at": row.ends_at.strftime("%H:%M"),
        "place": row.place,
        "note": row.note,
        "rota": row.rota,
    }


@blp.route("/distributions")
class Distributions(MethodView):
    @blp.response(200, DistributionSchema(many=True))
    def get(self):
        """Distribution days."""
        return [_distribution(d) for d in distributions.distributions()]

    @blp.arguments(DistributionSchema)
    @blp.response(201, DistributionSchema)
    def post(self, data):
        """Plan a distribution day (the food circle)."""
        user = _steer()
        with service_errors():
            row = distributions.create_distribution(data, user)
        db.session.commit()
        return _distribution(row)


def _pickup(row) -> dict[str, Any]:
    pickup = distributions.pickup(row)
    steer = services.can_steer(_user())
    return {
        "distribution": _distribution(row),
        "producers": [
            {
                "producer": pl.producer.name,
                "items": [
                    {"product": p.name, "unit": p.unit, "quantity": str(t), "given": str(gv)}
                    for p, t, gv in pl.items
                ],
            }
            for pl in pickup.producers
        ],
        "people": [
            {
                "name": p.name,
                "given": p.given,
                "items": [
                    {"producer": prod, "product": product.name, "quantity": str(q)}
                    for prod, product, q in p.items
                ],
            }
            for p in pickup.people
        ]
        if steer
        else [],
        "given_baskets": pickup.given_baskets,
        "shifts": [
            {
                "id": s.id,
                "title": s.title,
                "starts_at": s.starts_at.isoformat(),
                "roles": [
                    {"name": r.name, "needed": r.needed, "filled": counts.get(r.id, 0)}
                    for r in s.roles
                ],
            }
            for s, counts in distributions.rota_of(row)
        ],
    }


@blp.route("/distributions/<int:distribution_id>")
class DistributionDetail(MethodView):
    @blp.response(200, PickupSchema)
    def get(self, distribution_id: int):
        """Pick-up lists per producer (everyone) and per person (the food circle)."""
        return _pickup(_get(distributions.get_distribution, distribution_id))


@blp.route("/distributions/<int:distribution_id>/rota")
class DistributionRota(MethodView):
    @blp.response(201, PickupSchema)
    def post(self, distribution_id: int):
        """Open the day's rota: shifts in the core roster (source ``food.distribution``)."""
        user = _steer()
        row = _get(distributions.get_distribution, distribution_id)
        with service_errors():
            distributions.open_rota(row, user)
        db.session.commit()
        return _pickup(row)


# --- solidarity ---------------------------------------------------------------------------


def _pot() -> dict[str, Any]:
    row = solidarity.active_pot()
    return {
        "shared_federation_id": solidarity.shared_federation(),
        "balance": row.balance,
        "received": row.received,
        "spent": row.spent,
        "requests": solidarity.request_counts(),
        "movements": [
            {
                "kind": m.kind,
                "amount": str(m.amount),
                "balance_after": str(m.balance_after),
                "at": m.created_at.isoformat(),
            }
            for m in solidarity.movements()
        ],
    }


@blp.route("/pot")
class PotView(MethodView):
    @blp.response(200, PotSchema)
    def get(self):
        """The solidarity pot: balance, movements without names, counts of requests."""
        return _pot()


@blp.route("/pot/gifts")
class PotGifts(MethodView):
    @blp.arguments(GiftSchema)
    @blp.response(201, PotSchema)
    def post(self, data):
        """Give to the pot (verified members)."""
        user = _signed_in()
        if not services.is_member(user):
            api_error(403, message="verified members only")
        with service_errors():
            solidarity.gift(data["amount"], user)
        db.session.commit()
        return _pot()


@blp.route("/pot/sharing")
class PotSharing(MethodView):
    @blp.arguments(PotShareSchema)
    @blp.response(200, PotSchema)
    def post(self, data):
        """Share a federation's pot (``federation_id``) or stop sharing (``null``): the food
        circle only. Communes of the federation that opted in share one pot."""
        user = _steer()
        with service_errors():
            if data["federation_id"] is None:
                solidarity.leave_shared_pot(user)
            else:
                solidarity.share_pot(data["federation_id"], user)
        db.session.commit()
        return _pot()


@blp.route("/aid")
class Aid(MethodView):
    @blp.response(200, AidRequestSchema(many=True))
    def get(self):
        """The signed-in person's own food-aid requests."""
        return solidarity.my_requests(_signed_in())

    @blp.arguments(AidRequestSchema)
    @blp.response(201, AidRequestSchema)
    def post(self, data):
        """Ask for the solidarity price (seen by the food circle only)."""
        user = _signed_in()
        with service_errors():
            row = solidarity.request_aid(user, data)
        db.session.commit()
        return row


@blp.route("/aid/requests/<int:request_id>")
class AidDecide(MethodView):
    @blp.arguments(AidDecisionSchema)
    @blp.response(200, AidRequestSchema)
    def post(self, data, request_id: int):
        """Grant or refuse a request (the food circle; 404 for anyone else)."""
        user = _signed_in()
        if not services.can_see_aid(user):
            abort(404)
        with service_errors():
            row = solidarity.decide_request(request_id, data["granted"], user)
        db.session.commit()
        return row


# --- land ---------------------------------------------------------------------------------


@blp.route("/plots")
class Plots(MethodView):
    @blp.response(200, PlotSchema(many=True))
    def get(self):
        """Land offered to new farmers."""
        return land.plots()

    @blp.arguments(PlotSchema)
    @blp.response(201, PlotSchema)
    def post(self, data):
        """Offer a plot (the food circle)."""
        user = _steer()
        with service_errors():
            row = land.create_plot(data, user)
        db.session.commit()
        return row


@blp.route("/candidates")
class Candidates(MethodView):
    @blp.response(200, CandidateSchema(many=True))
    def get(self):
        """People who want to settle (numbers and status; projects for the circle)."""
        steer = services.can_steer(_user())
        return [
            {"id": c.id, "status": c.status, "project": c.project if steer else ""}
            for c in land.candidates()
        ]

    @blp.arguments(CandidateSchema)
    @blp.response(201, CandidateSchema)
    def post(self, data):
        """Apply to settle as a farmer (verified members)."""
        user = _signed_in()
        with service_errors():
            row = land.create_candidate(data, user)
        db.session.commit()
        return {"id": row.id, "status": row.status, "project": row.project}


@blp.route("/matches")
class Matches(MethodView):
    @blp.arguments(MatchProposeSchema)
    @blp.response(201, ProposalLinkSchema)
    def post(self, data):
        """Propose to settle a candidate on a plot: decided by the food circle's vote."""
        user = _steer()
        options = {k: data.pop(k) for k in ("body_id", "text", "open_vote")}
        with service_errors():
            proposal = decisions.propose("match", data, user, **options)
        db.session.commit()
        return {"proposal_id": proposal.id}
