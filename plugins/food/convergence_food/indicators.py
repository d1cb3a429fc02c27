"""Federation indicators of the food plugin: every value for every member commune at once,
in a constant number of grouped queries (never one per commune)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from convergence_food.constants import FAMILIES, ROSTER_SOURCE
from convergence_food.models import Match, Need, Pot, Producer, Product, Subscription
from federation.db import db
from federation.identity.models import Membership
from federation.plugins import Indicator, Threshold


def _coverage(
    production: dict[int, dict[str, Decimal]],
    needs: dict[int, dict[str, Decimal]],
    cid: int,
    family: str | None = None,
) -> tuple[float | None, float]:
    """Share (%) of declared needs that local production covers, and the need (weight)."""
    families = [family] if family else list(FAMILIES)
    need = sum((needs[cid].get(f, Decimal(0)) for f in families), Decimal(0))
    if not need:
        return None, 0.0
    covered = sum(
        (min(production[cid].get(f, Decimal(0)), needs[cid].get(f, Decimal(0))) for f in families),
        Decimal(0),
    )
    return float(covered * 100 / need), float(need)


def _hours_of_help(commune_ids: list[int]) -> dict[int, float]:
    """Hours given at food distributions (attended roster shifts), one query."""
    try:
        from federation.roster.models import Shift, Signup
    except ImportError:
        return {}
    hours: dict[int, float] = defaultdict(float)
    for cid, starts, ends in db.session.execute(
        select(Shift.commune_id, Shift.starts_at, Shift.ends_at)
        .join(Signup, Signup.shift_id == Shift.id)
        .where(
            Shift.commune_id.in_(commune_ids),
            Shift.source_kind == ROSTER_SOURCE,
            Signup.attendance == "attended",
        )
    ):
        hours[cid] += (ends - starts).total_seconds() / 3600
    return hours


def indicators(federation: Any, commune_ids: list[int]) -> list[Indicator]:
    production: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for cid, family, total in db.session.execute(
        select(Product.commune_id, Product.family, func.sum(Product.yearly_quantity))
        .where(Product.commune_id.in_(commune_ids))
        .group_by(Product.commune_id, Product.family)
    ):
        production[cid][family] = Decimal(total or 0)
    needs: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for cid, family, amount in db.session.execute(
        select(Need.commune_id, Need.family, Need.yearly_quantity).where(
            Need.commune_id.in_(commune_ids)
        )
    ):
        needs[cid][family] = Decimal(amount or 0)
    subscribers = dict(
        db.session.execute(
            select(Subscription.commune_id, func.count(func.distinct(Subscription.account_id)))
            .where(Subscription.commune_id.in_(commune_ids), Subscription.status == "active")
            .group_by(Subscription.commune_id)
        ).all()
    )
    members = dict(
        db.session.execute(
            select(Membership.commune_id, func.count(Membership.id))
            .where(Membership.commune_id.in_(commune_ids), Membership.status == "active")
            .group_by(Membership.commune_id)
        ).all()
    )
    pots = {
        cid: (balance, spent)
        for cid, balance, spent in db.session.execute(
            select(Pot.commune_id, func.sum(Pot.balance), func.sum(Pot.spent))
            .where(Pot.commune_id.in_(commune_ids))
            .group_by(Pot.commune_id)
        )
    }
    producers = dict(
        db.session.execute(
            select(Producer.commune_id, func.count(Producer.id))
            .where(Producer.commune_id.in_(commune_ids), Producer.origin_producer_id.is_(None))
            .group_by(Producer.commune_id)
        ).all()
    )
    installed = dict(
        db.session.execute(
            select(Match.commune_id, func.count(Match.id))
            .where(Match.commune_id.in_(commune_ids), Match.status == "adopted")
            .group_by(Match.commune_id)
        ).all()
    )
    hours = _hours_of_help(commune_ids)

    result: list[Indicator] = []
    overall = {cid: _coverage(production, needs, cid) for cid in commune_ids}
    result.append(
        Indicator(
            "food.coverage",
            _l("Besoins alimentaires couverts par la production locale"),
            {cid: value for cid, (value, _w) in overall.items()},
            unit="%",
            aggregate="ratio",
            weights={cid: weight for cid, (_v, weight) in overall.items()},
            threshold=Threshold(25, "below", _l("moins d'un quart des besoins")),
            weight=10,
        )
    )
    for index, (family, label) in enumerate(FAMILIES.items()):
        per = {cid: _coverage(production, needs, cid, family) for cid in commune_ids}
        if not any(weight for _v, weight in per.values()):
            continue
        result.append(
            Indicator(
                f"food.coverage.{family}",
                label,
                {cid: value for cid, (value, _w) in per.items()},
                unit="%",
                aggregate="ratio",
                weights={cid: weight for cid, (_v, weight) in per.items()},
                weight=11 + index,
            )
        )
    result += [
        Indicator(
            "food.subscribed_share",
            _l("Part des foyers membres abonnés à un panier"),
            {
                cid: (subscribers.get(cid, 0) * 100 / members[cid]) if members.get(cid) else None
                for cid in commune_ids
            },
            unit="%",
            aggregate="ratio",
            weights={cid: float(members.get(cid, 0)) for cid in commune_ids},
            weight=20,
        ),
        Indicator(
            "food.pot_balance",
            _l("Pot solidaire disponible"),
            {cid: float(pots[cid][0]) if cid in pots else 0.0 for cid in commune_ids},
            unit="€",
            weight=21,
        ),
        Indicator(
            "food.pot_spent",
            _l("Réductions payées par le pot solidaire"),
            {cid: float(pots[cid][1]) if cid in pots else 0.0 for cid in commune_ids},
            unit="€",
            weight=22,
        ),
        Indicator(
            "food.producers",
            _l("Producteur·rices locaux"),
            {cid: float(producers.get(cid, 0)) for cid in commune_ids},
            weight=23,
        ),
        Indicator(
            "food.installations",
            _l("Nouvelles installations décidées"),
            {cid: float(installed.get(cid, 0)) for cid in commune_ids},
            weight=24,
        ),
        Indicator(
            "food.help_hours",
            _l("Heures d'entraide aux distributions"),
            {cid: round(hours.get(cid, 0.0), 1) for cid in commune_ids},
            unit="h",
            weight=25,
        ),
    ]
    return result
