"""What the housing plugin writes in the journal and in notices, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting

P = Mapping[str, Any]


def _money(p: P, key: str) -> str:
    return formatting.money(p[key], p.get("currency"))


def _label(table: str, value: str) -> str:
    from . import constants

    return str(getattr(constants, table).get(value, value))


KINDS = {
    # who acted, for the journal's entries the system writes (actor "@housing.…")
    "actor.housing.assembly": lambda p: _("assemblée populaire"),
    "actor.housing.circle": lambda p: _("cercle du logement"),
    "actor.housing.inhabitant": lambda p: _("un·e habitant·e"),
    "housing.pledge": lambda p: _(
        "Promesse de %(a)s (%(k)s) pour l'acquisition collective « %(p)s »",
        a=_money(p, "amount"),
        k=_label("PLEDGE_KINDS", p["kind"]),
        p=p["name"],
    ),
    "housing.purchase": lambda p: _(
        "Achat collectif décidé : « %(p)s », %(a)s réunis pour un objectif de %(t)s",
        p=p["name"],
        a=_money(p, "pledged"),
        t=_money(p, "target"),
    ),
    "housing.refund": lambda p: _(
        "Collecte close sans achat : « %(p)s », %(a)s remboursés",
        p=p["name"],
        a=_money(p, "refunded"),
    ),
    "housing.grid": lambda p: _(
        "Grille d'attribution des logements, version %(v)d, en vigueur", v=int(p["version"])
    ),
    "housing.allocation": lambda p: _(
        "Logement %(ref)s attribué par décision du cercle du logement", ref=p["dwelling"]
    ),
    "housing.consent_awaited": lambda p: ngettext(
        "La commune %(c)s examine une demande de logement de notre commune "
        ": notre consentement est attendu pour son attribution.",
        "La commune %(c)s examine des demandes de logement de notre commune "
        "(%(num)d) : notre consentement est attendu pour chaque attribution.",
        int(p["count"]),
        c=p["host"],
    ),
    "housing.grievance": lambda p: _(
        "Doléance du collectif de locataires « %(c)s » (%(k)s) : à examiner par le "
        "cercle du logement.",
        c=p["collective"],
        k=_label("GRIEVANCE_KINDS", p["kind"]),
    ),
}
