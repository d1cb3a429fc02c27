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


def _grid_text(p: P) -> str:
    lines = [
        _("%(c)s : %(n)s", c=_label("CRITERIA", name), n=formatting.number(points))
        for name, points in p["criteria"].items()
    ]
    return _("Critères et points proposés :") + "\n" + "\n".join(f"- {line}" for line in lines)


#: the proposals housing puts to a vote (titles and generated texts, see decisions.py)
PROPOSALS = {
    "housing.proposal.grid": lambda p: _(
        "Grille d'attribution des logements, version %(v)d", v=int(p["version"])
    ),
    "housing.proposal.grid.text": _grid_text,
    "housing.proposal.allocation": lambda p: _(
        "Attribuer le logement %(ref)s selon l'ordre proposé par le cercle du logement",
        ref=p["dwelling"],
    ),
    "housing.proposal.allocation.text": lambda p: ngettext(
        "Attribuer le logement %(ref)s selon l'ordre proposé par le cercle du logement "
        "(demandes n° %(order)s ; %(num)d demande examinée avec la grille version %(v)d).",
        "Attribuer le logement %(ref)s selon l'ordre proposé par le cercle du logement "
        "(demandes n° %(order)s ; %(num)d demandes examinées avec la grille version %(v)d).",
        int(p["examined"]),
        ref=p["dwelling"],
        order=", ".join(str(int(i)) for i in p["order"]),
        v=int(p["grid_version"]),
    ),
    "housing.proposal.purchase": lambda p: _("Acheter collectivement « %(p)s »", p=p["project"]),
    "housing.proposal.purchase.text": lambda p: _(
        "Acheter collectivement « %(p)s » : prix %(price)s, travaux %(w)s ; %(a)s promis.",
        p=p["project"],
        price=_money(p, "price"),
        w=_money(p, "works"),
        a=_money(p, "pledged"),
    ),
}


KINDS = {
    **PROPOSALS,
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
