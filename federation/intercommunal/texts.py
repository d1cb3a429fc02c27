"""What intercommunal coordination writes in the journals, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from federation import formatting

P = Mapping[str, Any]


def _unable(p: P) -> str:
    return _(
        "Proposition de %(f)s : la commune n'a aucun·e membre pouvant voter, "
        "elle compte comme le prévoit la règle choisie (%(r)s) : %(t)s",
        f=p["federation_name"],
        r=p["unable_rule"],
        t=p["title"],
    )


def _expense(p: P) -> str:
    return _(
        "Dépense du projet « %(p)s » : %(l)s, %(a)s",
        p=p["project_title"],
        l=p["label"],
        a=formatting.money(p["amount"], p.get("currency")),
    )


def pooled_text(p: P) -> str:
    """The figures of a pooled project put to the member assemblies."""
    currency = p.get("currency")
    lines = [
        _("%(c)s : %(a)s", c=c["commune"], a=formatting.money(c["amount"], currency))
        for c in p["contributions"]
    ]
    return _(
        "Projet mutualisé : %(t)s\nBudget : %(b)s\nContributions :\n%(l)s\n\n%(d)s",
        t=p["project"],
        b=formatting.money(p["budget"], currency),
        l="\n".join(f"- {line}" for line in lines),
        d="",  # the description people wrote is the proposal's own text
    ).strip()


KINDS = {
    "pooled.proposal.text": pooled_text,
    "intercommunal.unable": _unable,
    "intercommunal.received": lambda p: _(
        "Proposition de %(f)s soumise à l'assemblée : %(t)s", f=p["federation_name"], t=p["title"]
    ),
    "intercommunal.sent": lambda p: _(
        "Proposition envoyée aux %(n)d communes : %(t)s", n=len(p["communes"]), t=p["title"]
    ),
    "intercommunal.adopted": lambda p: _("Ratifiée par les communes : %(t)s", t=p["title"]),
    "intercommunal.rejected": lambda p: _("Non ratifiée par les communes : %(t)s", t=p["title"]),
    "intercommunal.local_closed": lambda p: _(
        "La fédération %(f)s a décidé : la proposition locale « %(t)s » est close.",
        f=p["federation_name"],
        t=p["title"],
    ),
    "pooled.expense": _expense,
}
