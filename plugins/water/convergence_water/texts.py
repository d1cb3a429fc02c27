"""What the water plugin writes in the journal and in notices, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from .units import fmt_litres, fmt_m3

P = Mapping[str, Any]


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


KINDS = {
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
        "Allocation de l'eau en vigueur pour %(r)s : %(a)s m³/jour pour %(num)d usager·e "
        "(niveau %(l)s)",
        "Allocation de l'eau en vigueur pour %(r)s : %(a)s m³/jour pour %(num)d usager·es "
        "(niveau %(l)s)",
        int(p["users"]),
        r=p["resource_name"],
        a=fmt_m3(p["allocated_l"]),
        l=_level(p["level"]),
    ),
    "water.allocation_notice": lambda p: _(
        "Nouvelle allocation d'eau (%(r)s, niveau %(l)s) : %(v)s litres par jour.",
        r=p["resource_name"],
        l=_level(p["level"]),
        v=fmt_litres(p["litres"]),
    ),
    "water.overuse": lambda p: _(
        "Votre consommation d'eau (%(c)s L par jour) dépasse votre allocation (%(a)s L par jour).",
        c=fmt_litres(p["consumption"]),
        a=fmt_litres(p["allocation"]),
    ),
    "water.overuse_circle": lambda p: ngettext(
        "%(num)d dépassement d'allocation d'eau détecté.",
        "%(num)d dépassements d'allocation d'eau détectés.",
        int(p["count"]),
    ),
}
