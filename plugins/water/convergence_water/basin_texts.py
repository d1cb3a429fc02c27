"""What the basin allocation writes (journals, the intercommunal proposal's title and text),
rendered in the reader's language from a kind and its parameters."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting

P = Mapping[str, Any]


def per_day_m3(litres: Any) -> str:
    """Litres per day shown in m³ per day, in the reader's language."""
    return formatting.quantity(Decimal(int(litres)) / 1000, "m3", per="day")


def per_person_day(litres: Any) -> str:
    return formatting.quantity(int(litres), "l", per="day")


def _level(value: str) -> str:
    from .constants import LEVEL_LABELS

    return str(LEVEL_LABELS.get(value, value))


def _users(p: P) -> str:
    return ngettext("%(num)d usager·e", "%(num)d usager·es", int(p["users"]))


def _summary(p: P) -> str:
    return _(
        "%(r)s : %(a)s pour %(u)s de %(c)s communes (niveau %(l)s)",
        r=p["resource_name"],
        a=per_day_m3(p["allocated_l"]),
        u=_users(p),
        c=formatting.number(p["communes"]),
        l=_level(p["level"]),
    )


def _proposal_text(p: P) -> str:
    head = _(
        "Allocation de %(r)s pour toutes les communes qui y puisent : %(a)s disponibles, "
        "%(v)s par personne servis d'abord (usages vitaux), niveau %(l)s.",
        r=p["resource_name"],
        a=per_day_m3(p["available_l"]),
        v=per_person_day(p["vital_l"]),
        l=_level(p["level"]),
    )
    lines = [
        "- "
        + _(
            "%(n)s : %(a)s pour %(u)s",
            n=row["name"],
            a=per_day_m3(row["allocated_l"]),
            u=_users(row),
        )
        for row in p.get("rows", [])
    ]
    return "\n".join([head, *lines])


BASIN_KINDS = {
    "water.basin_link": lambda p: _(
        "%(r)s puise dans %(s)s, ressource partagée du bassin « %(b)s »",
        r=p["resource_name"],
        s=p["shared_name"],
        b=p["federation_name"],
    ),
    "water.basin_proposed": lambda p: _(
        "Allocation du bassin proposée aux assemblées — %(s)s", s=_summary(p)
    ),
    "water.basin_applied": lambda p: _(
        "Allocation du bassin ratifiée et en vigueur — %(s)s", s=_summary(p)
    ),
    "water.basin_rejected": lambda p: _("Allocation du bassin non ratifiée — %(s)s", s=_summary(p)),
    "water.basin_recomputed": lambda p: (
        _("Allocation du bassin recalculée au changement de saison — %(s)s", s=_summary(p))
        if p.get("trigger") == "season"
        else _(
            "Allocation du bassin recalculée au changement du niveau de sécheresse — %(s)s",
            s=_summary(p),
        )
    ),
    "water.proposal.basin_allocation": lambda p: _(
        "Partage de l'eau de %(r)s dans le bassin", r=p["resource_name"]
    ),
    "water.proposal.basin_allocation.text": _proposal_text,
}
