"""The watershed balance of a federation: the shared resources of the member communes
(where the water plugin is on) and, per commune, yield, needs, allocations in force,
consumption and over-use alerts — aggregates only, no household data crosses communes.

Read in a read-only federation scope, in a constant number of grouped queries whatever
the number of communes, users or readings. The federation dashboard's indicators are
made from the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from convergence_water.constants import (
    CATEGORIES,
    LEVELS,
    READING_FRESH_DAYS,
    UNAVAILABLE,
    season_of,
)
from convergence_water.models import (
    AllocationLine,
    AllocationRun,
    MeterReading,
    OveruseAlert,
    ResourceReading,
    WaterResource,
    WaterUser,
)
from convergence_water.services import active_levels, levels_in_force
from federation.db import db
from federation.plugins import Indicator, Threshold
from federation.plugins.services import communes_with_plugins
from federation.tenancy.context import federation_scope
from federation.tenancy.models import Commune, Federation
from federation.tenancy.services import member_commune_ids

CONSUMPTION_DAYS = 30
SMALL_COUNT = 5


@dataclass
class CommuneBalance:
    commune_id: int
    name: str
    slug: str
    resources: int = 0
    yield_l: int = 0
    users: int = 0
    households: int = 0
    people: int = 0
    needs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    vital: int = 0
    allocated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    allocated_total: int = 0
    consumption_l: int | None = None
    alerts: int = 0
    level: str = "normal"

    @property
    def need_total(self) -> int:
        return sum(self.needs.values())

    @property
    def coverage_pct(self) -> float | None:
        if not self.need_total or not self.allocated_total:
            return None
        return round(100 * self.allocated_total / self.need_total, 1)

    @property
    def people_shown(self) -> int | None:
        """Counts of people under 5 are not shown (small numbers identify people)."""
        return None if 0 < self.people < SMALL_COUNT else self.people

    @property
    def alerts_shown(self) -> int | None:
        """Over-use alerts count households: under 5 they are not shown either, as the
        federation indicators suppress them (R10)."""
        return None if 0 < self.alerts < SMALL_COUNT else self.alerts


@dataclass
class SharedResource:
    id: int
    commune_id: int
    name: str
    kind: str
    status: str
    yield_l: int
    level: str


@dataclass
class Balance:
    federation: Any
    season: str
    shared_only: bool
    communes: list[CommuneBalance]
    resources: list[SharedResource]

    def total(self, name: str) -> int:
        return sum(getattr(row, name) or 0 for row in self.communes)

    @property
    def need_total(self) -> int:
        return sum(row.need_total for row in self.communes)

    @property
    def people_total(self) -> int | None:
        people = self.total("people")
        return None if 0 < people < SMALL_COUNT else people

    @property
    def alerts_total(self) -> int | None:
        """No total when a row's count is suppressed (the total minus the published cells
        would give it back), nor under 5."""
        if any(row.alerts_shown is None for row in self.communes):
            return None
        alerts = self.total("alerts")
        return None if 0 < alerts < SMALL_COUNT else alerts

    @property
    def level(self) -> str:
        return max((r.level for r in self.resources), key=LEVELS.index, default="normal")


def communes_with_water(federation_id: int) -> list[int]:
    ids = member_commune_ids(federation_id)
    return sorted(communes_with_plugins(ids).get("water", []))


def basin_balance(
    federation: Federation, commune_ids: list[int], today: date | None = None
) -> Balance:
    """The balance across ``commune_ids`` (members of ``federation`` with water on)."""
    today = today or date.today()
    season = season_of(today)
    rows: dict[int, CommuneBalance] = {}
    if not commune_ids:
        return Balance(federation, season, True, [], [])
    with federation_scope(commune_ids):
        communes = db.session.execute(
            select(Commune.id, Commune.name, Commune.slug).where(Commune.id.in_(commune_ids))
        ).all()
        for cid, name, slug in sorted(communes, key=lambda c: c[1]):
            rows[cid] = CommuneBalance(cid, name, slug)
        all_resources = list(db.session.scalars(select(WaterResource).order_by(WaterResource.name)))
        shared = [r for r in all_resources if r.federation_id == federation.id]
        shared_only = bool(shared)
        chosen = shared if shared_only else all_resources
        ids = [r.id for r in chosen]
        levels = levels_in_force(chosen, today, rows=active_levels(today))
        flows = _fresh_flows(ids, today)
        resources = []
        for resource in chosen:
            available = 0 if resource.status in UNAVAILABLE else resource.yield_for(season)
            if resource.id in flows:
                available = min(available, flows[resource.id])
            level = levels[resource.id][0]
            resources.append(
                SharedResource(
                    resource.id,
                    resource.commune_id,
                    resource.name,
                    resource.kind,
                    resource.status,
                    available,
                    level,
                )
            )
            row = rows.get(resource.commune_id)
            if row is not None:
                row.resources += 1
                row.yield_l += available
                if LEVELS.index(level) > LEVELS.index(row.level):
                    row.level = level
        if ids:
            _users(rows, ids)
            _allocations(rows, ids)
            _consumption(rows, ids, today)
            _alerts(rows, ids, today)
    return Balance(federation, season, shared_only, list(rows.values()), resources)


def _fresh_flows(resource_ids: list[int], today: date) -> dict[int, int]:
    """resource id → its latest measured flow of the last days (as the allocation uses)."""
    if not resource_ids:
        return {}
    since = today - timedelta(days=READING_FRESH_DAYS)
    rows = db.session.execute(
        select(ResourceReading.resource_id, ResourceReading.flow)
        .where(
            ResourceReading.resource_id.in_(resource_ids),
            ResourceReading.flow.is_not(None),
            ResourceReading.measured_on >= since,
            ResourceReading.measured_on <= today,
        )
        .order_by(ResourceReading.measured_on)
    ).all()
    return {resource_id: int(flow) for resource_id, flow in rows}


def _users(rows: dict[int, CommuneBalance], resource_ids: list[int]) -> None:
    household = WaterUser.kind == "household"
    query = (
        select(
            WaterUser.commune_id,
            func.count(WaterUser.id),
            func.sum(func.coalesce(WaterUser.people, 0)).filter(household),
            func.count(WaterUser.id).filter(household),
            *(func.sum(getattr(WaterUser, f"need_{c}")) for c in CATEGORIES),
        )
        .where(WaterUser.resource_id.in_(resource_ids), WaterUser.active.is_(True))
        .group_by(WaterUser.commune_id)
    )
    for cid, users, people, households, *needs in db.session.execute(query).all():
        row = rows.get(cid)
        if row is None:
            continue
        row.users, row.people, row.households = int(users), int(people or 0), int(households or 0)
        row.needs = {c: int(v or 0) for c, v in zip(CATEGORIES, needs, strict=True)}


def _allocations(rows: dict[int, CommuneBalance], resource_ids: list[int]) -> None:
    query = (
        select(
            AllocationLine.commune_id,
            func.sum(AllocationLine.vital),
            *(func.sum(getattr(AllocationLine, f"alloc_{c}")) for c in CATEGORIES),
            func.sum(AllocationLine.total),
        )
        .join(AllocationRun, AllocationRun.id == AllocationLine.run_id)
        .where(AllocationRun.status == "applied", AllocationRun.resource_id.in_(resource_ids))
        .group_by(AllocationLine.commune_id)
    )
    for cid, vital, *rest in db.session.execute(query).all():
        row = rows.get(cid)
        if row is None:
            continue
        *allocs, total = rest
        row.vital = int(vital or 0)
        row.allocated = {c: int(v or 0) for c, v in zip(CATEGORIES, allocs, strict=True)}
        row.allocated_total = int(total or 0)


def _consumption(rows: dict[int, CommuneBalance], resource_ids: list[int], today: date) -> None:
    """Average litres per day over the last 30 days: each meter's index rise divided by
    the days between its first and last reading of the window, summed per commune."""
    since = today - timedelta(days=CONSUMPTION_DAYS)
    per_user = (
        select(
            MeterReading.commune_id.label("cid"),
            func.min(MeterReading.read_on).label("first"),
            func.max(MeterReading.read_on).label("last"),
            (func.max(MeterReading.index_l) - func.min(MeterReading.index_l)).label("delta"),
        )
        .join(WaterUser, WaterUser.id == MeterReading.water_user_id)
        .where(MeterReading.read_on >= since, WaterUser.resource_id.in_(resource_ids))
        .group_by(MeterReading.commune_id, MeterReading.water_user_id)
        .subquery()
    )
    query = select(
        per_user.c.cid, per_user.c.first, per_user.c.last, func.sum(per_user.c.delta)
    ).group_by(per_user.c.cid, per_user.c.first, per_user.c.last)
    totals: dict[int, float] = {}
    for cid, first, last, delta in db.session.execute(query).all():
        first, last = _as_date(first), _as_date(last)
        days = (last - first).days
        if days > 0:
            totals[cid] = totals.get(cid, 0.0) + int(delta or 0) / days
    for cid, litres in totals.items():
        if cid in rows:
            rows[cid].consumption_l = int(litres)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _alerts(rows: dict[int, CommuneBalance], resource_ids: list[int], today: date) -> None:
    since = today - timedelta(days=CONSUMPTION_DAYS)
    query = (
        select(OveruseAlert.commune_id, func.count(func.distinct(OveruseAlert.water_user_id)))
        .join(WaterUser, WaterUser.id == OveruseAlert.water_user_id)
        .where(
            OveruseAlert.resolved.is_(False),
            OveruseAlert.period_end >= since,
            WaterUser.resource_id.in_(resource_ids),
        )
        .group_by(OveruseAlert.commune_id)
    )
    for cid, count in db.session.execute(query).all():
        if cid in rows:
            rows[cid].alerts = int(count)


def _m3(litres: int | None) -> float | None:
    return None if litres is None else round(litres / 1000, 1)


def indicators(federation: Federation, commune_ids: list[int]) -> list[Indicator]:
    """The federation dashboard's water figures, from :func:`basin_balance`."""
    balance = basin_balance(federation, commune_ids)
    rows = {row.commune_id: row for row in balance.communes}
    ids = sorted(commune_ids)
    scope = (
        _l("ressources partagées du bassin") if balance.shared_only else _l("toutes les ressources")
    )

    def values(getter: Any) -> dict[int, float | None]:
        return {cid: (getter(rows[cid]) if cid in rows else None) for cid in ids}

    return [
        Indicator(
            "water.yield",
            _l("Eau disponible aujourd'hui (%(s)s)", s=scope),
            values(lambda r: _m3(r.yield_l)),
            unit="m³/j",
            weight=30,
        ),
        Indicator(
            "water.needs",
            _l("Besoins déclarés"),
            values(lambda r: _m3(r.need_total)),
            unit="m³/j",
            weight=31,
        ),
        Indicator(
            "water.allocated",
            _l("Allocations en vigueur"),
            values(lambda r: _m3(r.allocated_total)),
            unit="m³/j",
            weight=32,
        ),
        Indicator(
            "water.consumption",
            _l("Consommation relevée (30 derniers jours)"),
            values(lambda r: _m3(r.consumption_l)),
            unit="m³/j",
            weight=33,
        ),
        Indicator(
            "water.coverage",
            _l("Part des besoins couverte par les allocations"),
            values(lambda r: r.coverage_pct),
            unit="%",
            aggregate="ratio",
            weights={cid: float(rows[cid].need_total) for cid in ids if cid in rows},
            threshold=Threshold(80, "below", _l("couverture sous 80 %")),
            weight=34,
        ),
        Indicator(
            "water.level",
            _l("Niveau de sécheresse le plus strict (0 normal … 4 crise)"),
            values(lambda r: float(LEVELS.index(r.level))),
            aggregate="mean",
            threshold=Threshold(2, "above", _l("au-delà de l'alerte")),
            weight=35,
        ),
        Indicator(
            "water.people",
            _l("Personnes des foyers desservis"),
            values(lambda r: float(r.people)),
            counts_people=True,
            weight=36,
        ),
        Indicator(
            "water.alerts",
            _l("Usager·es en dépassement d'allocation"),
            values(lambda r: float(r.alerts)),
            counts_people=True,
            threshold=Threshold(0, "above", _l("dépassements à examiner")),
            weight=37,
        ),
    ]
