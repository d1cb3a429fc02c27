"""What a federation's coordinators should look at: pending ratifications, delegates whose
mandate ends soon, indicators crossing the thresholds plugins declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.intercommunal import council, indicators, ratification
from federation.intercommunal.cache import cached
from federation.tenancy.models import Federation
from federation.tenancy.services import member_commune_ids


def federation_indicators(
    federation: Federation, member_ids: list[int] | None = None
) -> list[indicators.IndicatorRow]:
    """Every enabled plugin's indicators for the member communes, cached per federation
    (``member_ids``: the members, when the caller has read them already)."""
    ids = member_commune_ids(federation.id) if member_ids is None else sorted(member_ids)
    return cached(federation.id, ids, "indicators", lambda: indicators.compute(federation, ids))


@dataclass
class Attention:
    pending: list[Any]
    ending_delegates: list[council.Seat]
    alerts: list[indicators.IndicatorRow]


def attention(federation: Federation) -> Attention:
    pending = [p for p in ratification.proposals_of(federation) if p.status == "ratifying"]
    ending = [seat for seat in council.delegates(federation) if seat.ends_soon]
    alerts = [row for row in federation_indicators(federation) if row.alert]
    return Attention(pending, ending, alerts)
