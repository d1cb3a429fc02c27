"""What the budget plugin writes in the journal and in notices, in the reader's language.

Amounts keep their currency in the parameters (an imported participatory budget is in
PLN or HUF) and are formatted when read (:func:`federation.formatting.money`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting
from federation.texts import with_titles

P = Mapping[str, Any]


def _money(p: P, key: str = "amount") -> str:
    return formatting.money(p[key], p.get("currency"))


def _status(value: str) -> str:
    from .participatory import STATUS_LABELS

    return str(STATUS_LABELS.get(value, value))


def _line(p: P) -> str:
    line = p.get("line") or {}
    return str(line.get("label", "")) if isinstance(line, Mapping) else str(line)


def _authority(p: P) -> str:
    """What allowed a spending, as the journal entry names it."""
    found = p.get("authority") or {}
    kind = found.get("kind") if isinstance(found, Mapping) else None
    kind = kind or p.get("kind")
    if kind == "decision":
        title = with_titles(found).get("title") if isinstance(found, Mapping) else None
        if title:
            return _("décision « %(t)s » (n° %(d)s)", t=title, d=p.get("decision"))
        return _("décision n° %(d)s", d=p.get("decision"))
    if kind == "pb":
        return _("vote du budget participatif (projet n° %(p)s)", p=p.get("pb_project"))
    if kind == "pooled":
        return _("projet intercommunal ratifié n° %(p)s", p=p.get("pooled_project"))
    if kind == "line":
        line = p.get("line") or {}
        year = line.get("year", "") if isinstance(line, Mapping) else ""
        return _("ligne votée du budget %(y)s (dépense courante)", y=year)
    return _("sans décision")


KINDS = {
    "budget.pb_opened": lambda p: _(
        "Budget participatif ouvert : %(t)s (%(a)s)", t=p["title"], a=_money(p)
    ),
    "budget.pb_vote_opened": lambda p: _(
        "Vote du budget participatif ouvert : %(t)s", t=p["title"]
    ),
    "budget.pb_review": lambda p: _(
        "Projet « %(t)s » jugé %(s)s : %(r)s",
        t=p["title"],
        s=_status(p["status"]),
        r=p["reason"],
    ),
    "budget.pb_results": lambda p: _("Résultats du budget participatif : %(t)s", t=p["title"]),
    "budget.amended": lambda p: _("Budget modifié : %(l)s, %(a)s", l=_line(p), a=_money(p)),
    "budget.spending": lambda p: _(
        "Dépense : %(a)s — %(t)s (%(l)s), permise par : %(d)s",
        a=_money(p),
        t=p["label"],
        l=_line(p),
        d=_authority(p),
    ),
    "budget.imported": lambda p: ngettext(
        "Budget %(y)s importé : %(num)d ligne, %(t)s prévus",
        "Budget %(y)s importé : %(num)d lignes, %(t)s prévus",
        int(p["lines"]),
        y=p["year"],
        t=_money(p, "planned"),
    ),
    "budget.booking_refused": lambda p: _("Dépense non inscrite : %(r)s", r=p["reason"]),
    "budget.booking_refused_notice": lambda p: _(
        "La dépense de « %(t)s » n'a pas pu être inscrite : %(r)s", t=p["title"], r=p["reason"]
    ),
}
