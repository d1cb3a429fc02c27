"""What the water plugin writes in the journal and in notices, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting

P = Mapping[str, Any]


def per_day_m3(litres: Any) -> str:
    """A daily volume counted in litres, in m³ per day in the reader's language."""
    return formatting.quantity(Decimal(int(litres)) / 1000, "m3", length="long", per="day")


def per_day_litres(litres: Any) -> str:
    return formatting.quantity(int(litres), "l", length="long", per="day")


def _level(value: str) -> str:
    from .constants import LEVEL_LABELS

    return str(LEVEL_LABELS.get(value, value))


def _source(value: str) -> str:
    from .constants import LEVEL_SOURCES

    return str(LEVEL_SOURCES.get(value, value))


def target(p: P) -> str:
    """The resource, the basin's share or the whole commune a level applies to."""
    if p.get("resource") is not None:
        return p.get("target_name") or _("ressource supprimée")
    if p.get("basin") is not None:
        return _("la part communale du bassin « %(b)s »", b=p.get("target_name") or "?")
    return _("toute la commune")


#: the proposals the water circle votes on (titles and generated texts, see decisions.py)
PROPOSALS = {
    "water.proposal.allocation": lambda p: _(
        "Allocation n° %(id)d de %(r)s (niveau « %(l)s »)",
        id=int(p["allocation"]),
        r=p["resource_name"],
        l=_level(p["level"]),
    ),
    "water.proposal.allocation.text": lambda p: ngettext(
        "Mettre en vigueur l'allocation n° %(id)d de %(r)s : %(a)s partagés entre %(num)d "
        "usager·e au niveau « %(l)s » (volume disponible : %(v)s).",
        "Mettre en vigueur l'allocation n° %(id)d de %(r)s : %(a)s partagés entre %(num)d "
        "usager·es au niveau « %(l)s » (volume disponible : %(v)s).",
        int(p["users"]),
        id=int(p["allocation"]),
        r=p["resource_name"],
        a=per_day_m3(p["allocated_l"]),
        l=_level(p["level"]),
        v=per_day_m3(p["available_l"]),
    ),
    "water.proposal.level": lambda p: _(
        "Déclarer le niveau de sécheresse « %(l)s » pour %(t)s.",
        l=_level(p["level"]),
        t=target(p),
    ),
    "water.proposal.deleted": lambda p: _("Allocation supprimée."),
}


KINDS = {
    **PROPOSALS,
    # who acted, for the journal's entries the system writes (actor "@water.…")
    "actor.water.module": lambda p: _("module de l'eau"),
    "actor.water.circle": lambda p: _("cercle de l'eau"),
    "water.level": lambda p: _(
        "Niveau de sécheresse « %(level)s » pour %(target)s (%(source)s)",
        level=_level(p["level"]),
        target=target(p),
        source=_source(p["source"]),
    ),
    "water.allocation_applied": lambda p: ngettext(
        "Allocation de l'eau en vigueur pour %(r)s : %(a)s pour %(num)d usager·e (niveau %(l)s)",
        "Allocation de l'eau en vigueur pour %(r)s : %(a)s pour %(num)d usager·es (niveau %(l)s)",
        int(p["users"]),
        r=p["resource_name"],
        a=per_day_m3(p["allocated_l"]),
        l=_level(p["level"]),
    ),
    "water.allocation_notice": lambda p: _(
        "Nouvelle allocation d'eau (%(r)s, niveau %(l)s) : %(v)s.",
        r=p["resource_name"],
        l=_level(p["level"]),
        v=per_day_litres(p["litres"]),
    ),
    "water.overuse": lambda p: _(
        "Votre consommation d'eau (%(c)s) dépasse votre allocation (%(a)s).",
        c=per_day_litres(p["consumption"]),
        a=per_day_litres(p["allocation"]),
    ),
    "water.overuse_circle": lambda p: ngettext(
        "%(num)d dépassement d'allocation d'eau détecté.",
        "%(num)d dépassements d'allocation d'eau détectés.",
        int(p["count"]),
    ),
}
