"""Web pages of the food plugin, under ``/c/<commune>/food/``. Thin: logic lives in the
services; a refused input is shown next to its field (422), never a 500; no state change
on GET."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from convergence_food import constants as C
from convergence_food import (
    contracts,
    decisions,
    distributions,
    harvest,
    land,
    services,
    solidarity,
)
from convergence_food.units import fmt_money, fmt_qty
from federation.db import db
from federation.errors import ServiceError
from federation.form_posts import posted_form as _form
from federation.identity.decorators import login_required_here
from federation.validation import flag

bp = Blueprint("food", __name__, template_folder="templates")


@bp.app_template_filter("food_money")
def _money_filter(amount: Any) -> str:
    return fmt_money(amount)


@bp.app_template_filter("food_qty")
def _qty_filter(amount: Any) -> str:
    return fmt_qty(amount)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()


def template_labels() -> dict[str, Any]:
    """Labels the food templates use (the widget renders outside this blueprint)."""
    return {
        "FAMILIES": C.FAMILIES,
        "PRODUCER_KINDS": C.PRODUCER_KINDS,
        "UNITS": C.UNITS,
        "CONTRACT_STATUSES": C.CONTRACT_STATUSES,
        "TIERS": C.TIERS,
        "CHANGE_ACTIONS": C.CHANGE_ACTIONS,
        "MOVEMENT_KINDS": C.MOVEMENT_KINDS,
        "REQUEST_STATUSES": C.REQUEST_STATUSES,
        "PLOT_STATUSES": C.PLOT_STATUSES,
        "CANDIDATE_STATUSES": C.CANDIDATE_STATUSES,
        "MATCH_STATUSES": C.MATCH_STATUSES,
        "food_base": f"/c/{g.commune.slug}/food" if g.get("commune") else "",
    }


def _base() -> str:
    return f"/c/{g.commune.slug}/food"


def _user() -> Any:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _page(template: str, errors: dict, **context: Any):
    return render_template(template, errors=errors, **context), 422 if errors else 200


def _attempt(action: Callable[[], str], message: str) -> tuple[Any, dict]:
    """Run one service call; commit and redirect, or roll back and return the errors."""
    try:
        target = action()
    except ServiceError as exc:
        db.session.rollback()
        return None, exc.as_dict()
    db.session.commit()
    flash(message, "success")
    return redirect(target), {}


def _steer() -> Any:
    user = login_required_here()
    if not services.can_steer(user):
        abort(403)
    return user


def _or_404(getter: Callable[[Any], Any], value: Any) -> Any:
    try:
        return getter(value)
    except ServiceError:
        abort(404)


# --- overview -----------------------------------------------------------------------------


@bp.route("/")
def index():
    user = _user()
    production = services.production_by_family()
    needs = services.needs()
    families = [f for f in C.FAMILIES if f in production or f in needs]
    return render_template(
        "food/index.html",
        producers=services.producers(),
        open_contracts=contracts.contracts("open"),
        upcoming=distributions.distributions(upcoming_from=date.today())[:5],
        pot=solidarity.active_pot(),
        families=families,
        production=production,
        needs=needs,
        mine=contracts.my_subscriptions(user),
        steer=services.can_steer(user),
        installations=land.installations(),
    )


@bp.route("/needs", methods=["GET", "POST"])
def needs():
    errors: dict = {}
    if request.method == "POST":
        user = _steer()
        done, errors = _attempt(
            lambda: (services.declare_needs(_form(), user), _base() + "/")[1],
            _("Besoins enregistrés."),
        )
        if done:
            return done
    return _page(
        "food/needs.html",
        errors,
        needs=services.needs(),
        values=_form() if errors else {},
        steer=services.can_steer(_user()),
    )


# --- producers ----------------------------------------------------------------------------


@bp.route("/producers", methods=["GET", "POST"])
def producers():
    errors: dict = {}
    if request.method == "POST":
        user = _steer()
        form = _form()
        if form.get("action") == "share":

            def share() -> str:
                row = services.share_producer(form.get("commune"), form.get("producer_id"), user)
                return f"{_base()}/producers/{row.id}"

            done, errors = _attempt(share, _("Producteur·rice enregistré·e."))
        else:
            done, errors = _attempt(
                lambda: f"{_base()}/producers/{services.create_producer(_form(), user).id}",
                _("Producteur·rice enregistré·e."),
            )
        if done:
            return done
    from federation.governance.organisations import organisations

    rows = services.producers()
    return _page(
        "food/producers.html",
        errors,
        producers=rows,
        products=services.products(),
        organisations=organisations(),
        values=_form() if errors else {},
        steer=services.can_steer(_user()),
    )


@bp.route("/producers/<int:producer_id>", methods=["GET", "POST"])
def producer(producer_id: int):
    row = _or_404(services.get_producer, producer_id)
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        login_required_here()
        if not services.may_manage_producer(user, row):
            abort(403)
        if request.form.get("action") == "harvest":  # harvest-help shifts in the roster
            done, errors = _attempt(
                lambda: (harvest.open_harvest(row, _form(), user), f"{_base()}/producers/{row.id}")[
                    1
                ],
                _("Chantier de récolte ouvert aux inscriptions."),
            )
        else:
            done, errors = _attempt(
                lambda: (services.add_product(row, _form(), user), f"{_base()}/producers/{row.id}")[
                    1
                ],
                _("Produit ajouté."),
            )
        if done:
            return done
        row = services.get_producer(producer_id)
    from federation.governance.models import Organisation

    org = db.session.get(Organisation, row.organisation_id) if row.organisation_id else None
    shifts, taken = harvest.harvest_shifts(row)
    return _page(
        "food/producer.html",
        errors,
        producer=row,
        harvest_rows=harvest.fill_rows(shifts, taken),
        organisation=org,
        products=services.products([row.id]),
        contracts=[c for c in contracts.contracts() if c.producer_id == row.id],
        values=_form() if errors else {},
        manage=services.may_manage_producer(user, row),
    )


# --- contracts ----------------------------------------------------------------------------


@bp.route("/contracts", methods=["GET", "POST"])
def contracts_page():
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        user = login_required_here()
        done, errors = _attempt(
            lambda: f"{_base()}/contracts/{contracts.create_contract(_form(), user).id}",
            _("Contrat créé : ajoutez ses produits et ses dates."),
        )
        if done:
            return done
    return _page(
        "food/contracts.html",
        errors,
        contracts=contracts.contracts(),
        producers={p.id: p for p in services.producers()},
        values=_form() if errors else {},
        steer=services.can_steer(user),
    )


CONTRACT_ACTIONS = {
    "line": _("Produit ajouté au contrat."),
    "delivery": _("Date de livraison ajoutée."),
    "cell": _("Grille mise à jour."),
    "propose": _("Les prix du contrat sont soumis au vote du cercle."),
    "subscribe": _("Souscription enregistrée."),
    "close": _("Contrat clos."),
}


def _contract_action(row: Any, action: str, user: Any) -> str:
    form = _form()
    if action == "line":
        contracts.add_line(row, form, user)
    elif action == "delivery":
        contracts.add_delivery(row, form, user)
    elif action == "cell":
        contracts.set_cell(
            row, form.get("line_id"), form.get("delivery_id"), flag(form.get("on")), user
        )
    elif action == "propose":
        if not services.can_steer(user):
            abort(403)
        proposal = decisions.propose(
            "contract",
            {"contract_id": row.id},
            user,
            body_id=form.get("body_id"),
            text=form.get("text", ""),
            open_vote=flag(form.get("open_vote")),
        )
        return f"/c/{g.commune.slug}/proposals/{proposal.id}"
    elif action == "subscribe":
        quantities = {
            key.removeprefix("qty_"): value
            for key, value in form.items()
            if key.startswith("qty_") and value.strip()
        }
        sub = contracts.subscribe(
            row, user, quantities, form.get("tier", "standard"), form.get("support")
        )
        return f"{_base()}/subscriptions/{sub.id}"
    elif action == "close":
        contracts.close_contract(row, user)
    return f"{_base()}/contracts/{row.id}"


@bp.route("/contracts/<int:contract_id>", methods=["GET", "POST"])
def contract(contract_id: int):
    row = _or_404(contracts.get_contract, contract_id)
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        user = login_required_here()
        action = request.form.get("action", "")
        if action not in CONTRACT_ACTIONS:
            abort(400)
        done, errors = _attempt(
            lambda: _contract_action(row, action, user), CONTRACT_ACTIONS[action]
        )
        if done:
            return done
        row = contracts.get_contract(contract_id)
    producer_row = services.get_producer(row.producer_id)
    lines = contracts.lines_of(row)
    mine = next((s for s in contracts.my_subscriptions(user) if s.contract_id == row.id), None)
    return _page(
        "food/contract.html",
        errors,
        contract=row,
        producer=producer_row,
        lines=lines,
        products=contracts.products_of(row),
        deliveries=contracts.deliveries_of(row),
        grid={(ln, d) for d, lns in contracts.grid_of(row).items() for ln in lns},
        catalogue=services.products([producer_row.id]),
        subscribers=len(contracts.subscriptions_of(row)),
        mine=mine,
        may_ask=solidarity.may_ask_solidarity(user),
        pot=solidarity.active_pot(),
        manage=services.may_manage_producer(user, producer_row),
        steer=services.can_steer(user),
        circles=decisions.deciding_bodies(),
        member=services.is_member(user),
        values=_form() if errors else {},
    )


@bp.route("/subscriptions/<int:subscription_id>", methods=["GET", "POST"])
def subscription(subscription_id: int):
    user = login_required_here()
    row = _or_404(lambda v: contracts.get_subscription(v, user), subscription_id)
    errors: dict = {}
    if request.method == "POST":
        done, errors = _attempt(
            lambda: (
                contracts.change_delivery(
                    row,
                    request.form.get("delivery_id"),
                    request.form.get("action", ""),
                    recipient_id=request.form.get("recipient_id"),
                ),
                f"{_base()}/subscriptions/{row.id}",
            )[1],
            _("Livraison mise à jour."),
        )
        if done:
            return done
        row = contracts.get_subscription(subscription_id, user)
    contract_row = contracts.get_contract(row.contract_id)
    return _page(
        "food/subscription.html",
        errors,
        subscription=row,
        contract=contract_row,
        quantities=contracts.quantities_of(row),
        products=contracts.products_of(contract_row),
        lines={ln.id: ln for ln in contracts.lines_of(contract_row)},
        deliveries=contracts.deliveries_of(contract_row),
        changes=contracts.changes_of(row),
        households=contracts.households_for_gift(row),
        today=date.today(),
    )


# --- distributions ------------------------------------------------------------------------


@bp.route("/distributions", methods=["GET", "POST"])
def distributions_page():
    errors: dict = {}
    if request.method == "POST":
        user = _steer()
        done, errors = _attempt(
            lambda: (
                f"{_base()}/distributions/{distributions.create_distribution(_form(), user).id}"
            ),
            _("Distribution prévue."),
        )
        if done:
            return done
    return _page(
        "food/distributions.html",
        errors,
        distributions=distributions.distributions(),
        values=_form() if errors else {},
        steer=services.can_steer(_user()),
    )


@bp.route("/distributions/<int:distribution_id>", methods=["GET", "POST"])
def distribution(distribution_id: int):
    row = _or_404(distributions.get_distribution, distribution_id)
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        user = _steer()
        if request.form.get("action") != "rota":
            abort(400)
        done, errors = _attempt(
            lambda: (distributions.open_rota(row, user), f"{_base()}/distributions/{row.id}")[1],
            _("L'équipe de la distribution est ouverte aux inscriptions."),
        )
        if done:
            return done
        row = distributions.get_distribution(distribution_id)
    steer = services.can_steer(user)
    return _page(
        "food/distribution.html",
        errors,
        distribution=row,
        pickup=distributions.pickup(row),
        shifts=distributions.rota_of(row),
        steer=steer,
        rota_available=distributions.roster_api() is not None,
    )


@bp.route("/distributions/<int:distribution_id>/print")
def distribution_print(distribution_id: int):
    row = _or_404(distributions.get_distribution, distribution_id)
    _steer()
    return render_template("food/print.html", distribution=row, pickup=distributions.pickup(row))


# --- solidarity ---------------------------------------------------------------------------


@bp.route("/pot", methods=["GET", "POST"])
def pot():
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        user = login_required_here()
        action = request.form.get("action", "gift")
        if action in ("share", "unshare"):
            if not services.can_steer(user):
                abort(403)
            done, errors = _attempt(
                lambda: (
                    solidarity.share_pot(request.form.get("federation_id"), user)
                    if action == "share"
                    else solidarity.leave_shared_pot(user),
                    f"{_base()}/pot",
                )[1],
                _("Partage du pot enregistré."),
            )
        elif action == "policy":
            if not services.can_steer(user):
                abort(403)
            done, errors = _attempt(
                lambda: "/c/{}/proposals/{}".format(
                    g.commune.slug,
                    decisions.propose(
                        "policy",
                        {"policy": {"aid_open_to": request.form.get("aid_open_to", "")}},
                        user,
                        body_id=request.form.get("body_id"),
                        open_vote=flag(request.form.get("open_vote")),
                    ).id,
                ),
                _("La règle est soumise au vote du cercle."),
            )
        else:
            if not services.is_member(user):
                abort(403)
            done, errors = _attempt(
                lambda: (solidarity.gift(request.form.get("amount"), user), f"{_base()}/pot")[1],
                _("Merci pour votre don au pot solidaire."),
            )
        if done:
            return done
    shared = solidarity.shared_view()
    return _page(
        "food/pot.html",
        errors,
        pots=solidarity.pots(),
        pot=solidarity.active_pot(),
        shared=shared,
        movements=solidarity.movements(),
        counts=solidarity.request_counts(),
        aid_open_to=services.settings().get("aid_open_to", "granted"),
        steer=services.can_steer(user),
        member=services.is_member(user),
        circles=decisions.deciding_bodies(),
        values=_form() if errors else {},
    )


@bp.route("/aid", methods=["GET", "POST"])
def aid():
    user = login_required_here()
    errors: dict = {}
    if request.method == "POST":
        if request.form.get("action") == "withdraw":
            done, errors = _attempt(
                lambda: (solidarity.withdraw_request(user), f"{_base()}/aid")[1],
                _("Demande retirée."),
            )
        else:
            done, errors = _attempt(
                lambda: (solidarity.request_aid(user, _form()), f"{_base()}/aid")[1],
                _("Demande envoyée au cercle alimentation."),
            )
        if done:
            return done
    return _page(
        "food/aid.html",
        errors,
        mine=solidarity.my_requests(user),
        member=services.is_member(user),
        values=_form() if errors else {},
    )


@bp.route("/aid/requests", methods=["GET", "POST"])
def aid_requests():
    user = login_required_here()
    if not services.can_see_aid(user):
        abort(404)  # nobody outside the circle learns even that the page exists
    errors: dict = {}
    if request.method == "POST":
        done, errors = _attempt(
            lambda: (
                solidarity.decide_request(
                    request.form.get("request_id"), request.form.get("decision") == "grant", user
                ),
                f"{_base()}/aid/requests",
            )[1],
            _("Réponse enregistrée."),
        )
        if done:
            return done
    from federation.identity.models import User

    rows = solidarity.requests_for_circle(user)
    names = {
        u.id: u.display_name
        for u in db.session.query(User).filter(User.id.in_([r.account_id for r in rows]))
    }
    return _page("food/aid_requests.html", errors, requests=rows, names=names)


# --- land ---------------------------------------------------------------------------------


@bp.route("/land", methods=["GET", "POST"])
def land_page():
    errors: dict = {}
    user = _user()
    if request.method == "POST":
        user = login_required_here()
        action = request.form.get("action", "")
        if action == "plot":
            _steer()
            done, errors = _attempt(
                lambda: (land.create_plot(_form(), user), f"{_base()}/land")[1],
                _("Parcelle enregistrée."),
            )
        elif action == "candidate":
            done, errors = _attempt(
                lambda: (land.create_candidate(_form(), user), f"{_base()}/land")[1],
                _("Candidature enregistrée."),
            )
        elif action == "match":
            _steer()
            done, errors = _attempt(
                lambda: "/c/{}/proposals/{}".format(
                    g.commune.slug,
                    decisions.propose(
                        "match",
                        _form(),
                        user,
                        body_id=request.form.get("body_id"),
                        open_vote=flag(request.form.get("open_vote")),
                    ).id,
                ),
                _("L'installation est soumise au vote du cercle."),
            )
        else:
            abort(400)
        if done:
            return done
    steer = services.can_steer(user)
    rows = land.plots()
    return _page(
        "food/land.html",
        errors,
        plots=rows,
        water_links={p.id: land.water_link(p, g.commune.slug) for p in rows},
        candidates=land.candidates(),
        matches=land.matches(),
        help_links=land.help_links(g.commune.slug),
        steer=steer,
        member=services.is_member(user),
        circles=decisions.deciding_bodies(),
        values=_form() if errors else {},
    )
