"""What the food plugin writes in the journals, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting

P = Mapping[str, Any]


def _pot(p: P) -> str:
    from .constants import MOVEMENT_KINDS

    currency = p.get("currency")
    return _(
        "Pot solidaire : %(k)s de %(a)s, solde %(b)s",
        k=str(MOVEMENT_KINDS.get(p["kind"], p["kind"])),
        a=formatting.money(abs(formatting._decimal(p["amount"])), currency),
        b=formatting.money(p["balance"], currency),
    )


def _shared_pot_joined(p: P) -> str:
    if "commune" in p:  # the federation's journal
        return _("Une commune rejoint le pot solidaire de la fédération.")
    return _("La commune partage le pot solidaire de sa fédération.")


def _prices(p: P) -> str:
    currency = p.get("currency")
    return "; ".join(
        _(
            "%(p)s : %(a)s (solidaire %(s)s)",
            p=line["product"],
            a=formatting.money(line["price"], currency),
            s=formatting.money(line["solidarity"], currency),
        )
        for line in p["prices"]
    )


def _contract_text(p: P) -> str:
    quota = p.get("quota")
    return _(
        "Ouvrir le contrat « %(t)s » (%(season)s), %(n)s, aux prix : %(prices)s. "
        "Paniers solidaires : %(q)s.",
        t=p["title"],
        season=p["season"],
        n=ngettext("%(num)d livraison", "%(num)d livraisons", int(p["deliveries"])),
        prices=_prices(p),
        q=formatting.number(quota) if quota else _("autant que le pot le permet"),
    )


def _aid_open_to(p: P) -> str:
    if p.get("aid_open_to") == "members":
        return _("à tout membre")
    return _("aux demandes accordées par le cercle")


#: the proposals the food circle votes on (titles and generated texts, see decisions.py)
PROPOSALS = {
    "food.proposal.contract": lambda p: _(
        "Ouvrir le contrat « %(t)s » (%(season)s)", t=p["title"], season=p["season"]
    ),
    "food.proposal.contract.text": _contract_text,
    "food.proposal.match": lambda p: _(
        "Installer une personne candidate sur la parcelle « %(p)s »", p=p["plot"]
    ),
    "food.proposal.match.text": lambda p: _(
        "Installer une personne candidate (n° %(c)d) sur la parcelle « %(p)s » "
        "(%(s)s, %(o)s). %(h)s",
        c=int(p["candidate"]),
        p=p["plot"],
        s=formatting.quantity(p["surface_ha"], "area-hectare"),
        o=p["owner"],
        h=p["help"],
    ),
    "food.proposal.policy": lambda p: _("Règle du prix solidaire"),
    "food.proposal.policy.text": lambda p: _(
        "Le prix solidaire est ouvert : %(v)s.", v=_aid_open_to(p)
    ),
}


KINDS = {
    **PROPOSALS,
    "food.subscribed": lambda p: _("Nouvelle souscription au contrat « %(t)s »", t=p["title"]),
    "food.delivery_changed": lambda p: _(
        "Une livraison du contrat « %(t)s » a été changée.", t=p["title"]
    ),
    "food.contract_closed": lambda p: _("Contrat clos : %(t)s", t=p["title"]),
    "food.contract_opened": lambda p: _("Contrat ouvert aux souscriptions : %(t)s", t=p["title"]),
    "food.policy": lambda p: _("Règle du prix solidaire décidée"),
    "food.distribution_planned": lambda p: _(
        "Distribution prévue le %(d)s : %(p)s", d=formatting.day(p["day"]), p=p["place"]
    ),
    "food.plot_added": lambda p: _("Terre offerte à l'installation : %(n)s", n=p["name"]),
    "food.candidate_added": lambda p: _("Une personne souhaite s'installer."),
    "food.installed": lambda p: _("Installation décidée sur la parcelle « %(p)s »", p=p["name"]),
    "food.producer_added": lambda p: _("Producteur·rice ajouté·e : %(n)s", n=p["name"]),
    "food.needs_declared": lambda p: _("Besoins alimentaires déclarés"),
    "food.pot": _pot,
    "food.shared_pot": _pot,
    "food.shared_pot_joined": _shared_pot_joined,
    "food.shared_pot_left": lambda p: _(
        "La commune ne partage plus le pot solidaire de sa fédération."
    ),
    "food.aid_requested": lambda p: _("Une demande d'aide alimentaire a été déposée."),
    "food.aid_decided": lambda p: _("Une demande d'aide alimentaire a reçu une réponse."),
}
