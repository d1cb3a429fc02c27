"""What the basin allocation writes in the journals, rendered in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from .texts import _level
from .units import fmt_m3

P = Mapping[str, Any]


def _basin(p: P, key: str) -> str:
    return ngettext(
        "%(key)s %(r)s : %(a)s m³/jour pour %(num)d usager·e de %(c)s commune(s) (niveau %(l)s)",
        "%(key)s %(r)s : %(a)s m³/jour pour %(num)d usager·es de %(c)s commune(s) (niveau %(l)s)",
        int(p["users"]),
        key=key,
        r=p["resource_name"],
        a=fmt_m3(p["allocated_l"]),
        c=p["communes"],
        l=_level(p["level"]),
    )


BASIN_KINDS = {
    "water.basin_link": lambda p: _(
        "%(r)s puise dans %(s)s, ressource partagée du bassin « %(b)s »",
        r=p["resource_name"],
        s=p["shared_name"],
        b=p["federation_name"],
    ),
    "water.basin_proposed": lambda p: _basin(
        p, _("Allocation du bassin proposée aux assemblées —")
    ),
    "water.basin_applied": lambda p: _basin(p, _("Allocation du bassin ratifiée et en vigueur —")),
    "water.basin_rejected": lambda p: _basin(p, _("Allocation du bassin non ratifiée —")),
    "water.basin_recomputed": lambda p: _basin(
        p,
        _("Allocation du bassin recalculée (saison)")
        if p.get("trigger") == "season"
        else _("Allocation du bassin recalculée (niveau de sécheresse)"),
    ),
}
