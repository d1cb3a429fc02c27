"""Federation indicators: every enabled plugin's figures for all member communes.

Each plugin is called once, inside a read-only federation scope limited to the member
communes where it is enabled, and must compute all communes in a constant number of
queries. Counts of people under :data:`SMALL_COUNT` are suppressed (R10), with
complementary suppression: a row with a suppressed cell publishes no total, since the total
minus the published cells would give the suppressed value back (and two suppressed cells of
a known sum can be pinned by their bounds: a sum of 2 is 1 + 1). A published total is then
always the sum of published cells, so totals of overlapping federations cannot be
differenced into a suppressed value either (a commune's cell is suppressed in every
federation alike: suppression depends on its own value only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from federation.plugins.contributions import Indicator
from federation.plugins.services import communes_with_plugins, manager
from federation.tenancy.context import federation_scope

SMALL_COUNT = 5


@dataclass
class IndicatorRow:
    indicator: Indicator
    total: float | None
    per_commune: dict[int, float | None] = field(default_factory=dict)
    suppressed: set[int] = field(default_factory=set)
    alert: bool = False


def _total(ind: Indicator, values: dict[int, float | None]) -> float | None:
    known = {k: v for k, v in values.items() if v is not None}
    if not known:
        return None
    if ind.aggregate == "mean":
        return sum(known.values()) / len(known)
    if ind.aggregate == "ratio":
        weights = {k: ind.weights.get(k, 0) for k in known}
        total_weight = sum(weights.values())
        if not total_weight:
            return None
        return sum(v * weights[k] for k, v in known.items()) / total_weight
    return sum(known.values())


def _suppress(ind: Indicator, values: dict[int, float | None]) -> tuple[dict, set[int]]:
    if not ind.counts_people:
        return dict(values), set()
    hidden = {k for k, v in values.items() if v is not None and 0 < v < SMALL_COUNT}
    return {k: (None if k in hidden else v) for k, v in values.items()}, hidden


def _complementary(total: float | None, hidden: set[int]) -> float | None:
    """The total, unless a cell of the row is suppressed."""
    return None if hidden else total


def compute(federation: Any, member_ids: list[int]) -> list[IndicatorRow]:
    pm = manager()
    enabled_by_plugin = communes_with_plugins(member_ids)
    rows: list[IndicatorRow] = []
    for plugin_name, commune_ids in sorted(enabled_by_plugin.items()):
        if not commune_ids:
            continue
        others = [n for n in pm.by_name if n != plugin_name]
        with federation_scope(commune_ids):
            results = pm.call_isolated(
                "federation_indicators",
                skip=others,
                federation=federation,
                commune_ids=sorted(commune_ids),
            )
        for _plugin, indicators in results:
            for ind in indicators or []:
                ind.plugin = ind.plugin or plugin_name
                values = {cid: ind.values.get(cid) for cid in commune_ids}
                shown, hidden = _suppress(ind, values)
                total = _complementary(_total(ind, values), hidden)
                if ind.counts_people and total is not None and 0 < total < SMALL_COUNT:
                    total = None
                alert = bool(ind.threshold) and any(
                    ind.threshold.crossed(v)
                    for v in shown.values()  # type: ignore[union-attr]
                )
                rows.append(IndicatorRow(ind, total, shown, hidden, alert))
    rows.sort(key=lambda r: (r.indicator.weight, r.indicator.plugin, r.indicator.key))
    return rows
