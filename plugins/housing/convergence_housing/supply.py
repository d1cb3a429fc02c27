"""Supply and demand across communes: vacant dwellings by follow-up status (from the event
log), open requests and decided allocations, per commune — three queries whatever the
number of communes or rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from convergence_housing.constants import STATUSES
from convergence_housing.models import Allocation, HousingRequest
from convergence_housing.services import status_counts_by_commune
from federation.db import db
from federation.plugins import Indicator
from federation.tenancy.context import federation_scope


@dataclass
class CommuneSupply:
    commune_id: int
    statuses: dict[str, int] = field(default_factory=dict)
    open_requests: int = 0
    allocations: int = 0

    @property
    def followed(self) -> int:
        return sum(n for s, n in self.statuses.items() if s != "not_followed")

    @property
    def back_in_use(self) -> int:
        return self.statuses.get("done", 0)


def supply_demand(commune_ids: list[int]) -> dict[int, CommuneSupply]:
    ids = sorted(set(commune_ids))
    if not ids:
        return {}
    out = {cid: CommuneSupply(cid, dict.fromkeys(STATUSES, 0)) for cid in ids}
    with federation_scope(ids):
        for cid, counts in status_counts_by_commune(ids).items():
            if cid in out:
                out[cid].statuses = counts
        for cid, n in db.session.execute(
            select(HousingRequest.commune_id, func.count())
            .where(HousingRequest.status == "open", HousingRequest.commune_id.in_(ids))
            .group_by(HousingRequest.commune_id)
        ):
            out[cid].open_requests = n
        for cid, n in db.session.execute(
            select(Allocation.commune_id, func.count())
            .where(Allocation.status == "decided", Allocation.commune_id.in_(ids))
            .group_by(Allocation.commune_id)
        ):
            out[cid].allocations = n
    return out


def indicators(federation: Any, commune_ids: list[int]) -> list[Indicator]:
    rows = supply_demand(commune_ids)

    def values(getter: Any) -> dict[int, float | None]:
        return {cid: float(getter(rows[cid])) for cid in rows}

    return [
        Indicator(
            "housing.vacant",
            _l("Logements vacants recensés"),
            values(lambda r: sum(r.statuses.values())),
            weight=40,
        ),
        Indicator(
            "housing.followed",
            _l("Logements vacants suivis"),
            values(lambda r: r.followed),
            weight=41,
        ),
        Indicator(
            "housing.back_in_use",
            _l("Logements dont le suivi est terminé"),
            values(lambda r: r.back_in_use),
            weight=42,
        ),
        Indicator(
            "housing.requests",
            _l("Demandes de logement ouvertes"),
            values(lambda r: r.open_requests),
            counts_people=True,
            weight=43,
        ),
        Indicator(
            "housing.allocations",
            _l("Logements attribués par décision"),
            values(lambda r: r.allocations),
            # each allocation is already in the public journal (without personal data)
            weight=44,
        ),
    ]
