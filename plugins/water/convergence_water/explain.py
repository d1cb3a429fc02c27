"""Why a user gets what it gets: one sentence per tier, from the run's own snapshot (its
level, rules, priority and how each tier was served), so an old allocation still explains
itself after the rules change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from convergence_water.allocation import Rule
from convergence_water.constants import CATEGORIES, CATEGORY_LABELS, LEVEL_LABELS
from convergence_water.texts import per_day_litres
from federation import formatting


def _litres(value: int) -> str:
    return formatting.quantity(int(value), "l", length="long")


def _share(served: int, demand: int) -> str:
    return formatting.percent(_pct(served, demand) / 100, 0)


@dataclass(frozen=True)
class Explained:
    category: str
    label: str
    need: int
    allocated: int
    text: str


def _tier_ratios(run: Any) -> dict[str, tuple[int, int]]:
    return {t["category"]: (int(t["demand"]), int(t["served"])) for t in run.tiers or []}


def _pct(served: int, demand: int) -> int:
    return 100 if demand <= 0 else int(served * 100 // demand)


def explain(run: Any, line: Any) -> list[Explained]:
    """The explanation of ``line`` (an allocation line) in ``run`` (its allocation run)."""
    level = LEVEL_LABELS.get(run.level, run.level)
    tiers = _tier_ratios(run)
    items: list[Explained] = []

    demand, served = tiers.get("vital", (0, 0))
    if line.vital_need:
        text = ngettext(
            "%(num)d personne × %(v)s = %(n)s, servis avant tout autre usage",
            "%(num)d personnes × %(v)s = %(n)s, servis avant tout autre usage",
            line.people,
            v=_litres(run.vital_litres),
            n=per_day_litres(line.vital_need),
        )
        if line.vital_need < line.people * run.vital_litres:
            text += _(" (limités au besoin déclaré)")
        if served >= demand:
            text += _(" : entièrement servis.")
        else:
            text += _(
                " : l'eau disponible ne couvre que %(r)s des besoins vitaux de toutes et "
                "tous ; partage égal par personne.",
                r=_share(served, demand),
            )
        items.append(
            Explained("vital", str(CATEGORY_LABELS["vital"]), line.vital_need, line.vital, text)
        )

    rank = {category: index + 1 for index, category in enumerate(run.priority or CATEGORIES)}
    for category, need, allocated in zip(CATEGORIES, line.needs(), line.allocs(), strict=True):
        rest = need - line.vital_need if category == "drinking" else need
        if rest <= 0:
            continue
        spec = (run.rules or {}).get(category, {})
        rule = Rule(
            int(spec.get("reduction_pct", 0)),
            bool(spec.get("forbidden", False)),
            str(spec.get("hours", "")),
        )
        cap = rest * rule.factor_pct // 100
        if category == "drinking":
            parts = [_("Au-delà du volume vital : %(n)s demandés.", n=per_day_litres(rest))]
        else:
            parts = [_("Besoin déclaré : %(n)s.", n=per_day_litres(rest))]
        if rule.forbidden:
            parts.append(_("Usage interdit au niveau « %(l)s ».", l=level))
        elif rule.reduction_pct:
            parts.append(
                _(
                    "Réduction de %(p)s au niveau « %(l)s » : plafond de %(c)s.",
                    p=formatting.percent(rule.reduction_pct / 100, 0),
                    l=level,
                    c=_litres(cap),
                )
            )
        else:
            parts.append(_("Pas de restriction au niveau « %(l)s ».", l=level))
        if rule.hours:
            parts.append(_("Horaires : %(h)s.", h=rule.hours))
        if cap > 0:
            demand, served = tiers.get(category, (0, 0))
            if served >= demand:
                parts.append(_("Servi en entier (priorité %(r)d).", r=rank.get(category, 0)))
            elif served > 0:
                parts.append(
                    _(
                        "L'eau restante ne couvrait que %(p)s de cet usage pour l'ensemble "
                        "des usager·es (priorité %(r)d) : part proportionnelle.",
                        p=_share(served, demand),
                        r=rank.get(category, 0),
                    )
                )
            else:
                parts.append(
                    _(
                        "Plus d'eau disponible pour cet usage (priorité %(r)d) : rien n'est "
                        "attribué.",
                        r=rank.get(category, 0),
                    )
                )
        parts.append(_("Attribué : %(a)s.", a=per_day_litres(allocated)))
        items.append(
            Explained(category, str(CATEGORY_LABELS[category]), rest, allocated, " ".join(parts))
        )
    return items


def summary(run: Any, line: Any, resource_name: str) -> str:
    return _(
        "%(t)s attribués sur %(n)s demandés — ressource %(r)s, niveau « %(l)s ».",
        t=per_day_litres(line.total),
        n=per_day_litres(sum(line.needs())),
        r=resource_name,
        l=LEVEL_LABELS.get(run.level, run.level),
    )
