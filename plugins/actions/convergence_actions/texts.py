"""What the plugin writes into journals and notifications: a kind and its parameters,
rendered in the reader's language (hook ``federation_text_kinds``). No personal data in a
journal entry: titles, dates and counts only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _

from federation import formatting


def _n(params: Mapping[str, Any], key: str) -> str:
    return formatting.number(params.get(key, 0))


def _when(params: Mapping[str, Any], key: str = "starts_at") -> str:
    return formatting.moment(params.get(key), "short")


KINDS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    # the title of an event's roles, a roster shift (federation.roster.texts)
    "actions.event": lambda p: _("Rôles — %(title)s", title=p["title"]),
    "actions.campaign_launched": lambda p: _(
        "Campagne lancée sur mandat : %(t)s (décision n° %(d)s)",
        t=p["title"],
        d=p.get("decision") or "—",
    ),
    "actions.campaign_reported": lambda p: _(
        "Compte rendu de mandat à l'assemblée : %(t)s — %(e)s actions tenues, %(m)s "
        "personnes mobilisées, %(h)s heures données",
        t=p["title"],
        e=_n(p, "events"),
        m=_n(p, "people"),
        h=formatting.number(p.get("hours", 0)),
    ),
    "actions.pledge": lambda p: (
        _(
            "Promesse pour la campagne %(t)s : %(a)s",
            t=p["title"],
            a=formatting.money(p["amount"], p.get("currency")),
        )
        if p.get("kind") == "money"
        else _("Promesse matérielle pour la campagne %(t)s : %(i)s", t=p["title"], i=p["item"])
    ),
    "actions.event_scheduled": lambda p: _(
        "Action prévue : %(t)s, le %(w)s", t=p["title"], w=_when(p)
    ),
    "actions.event_cancelled": lambda p: _("Action annulée : %(t)s", t=p["title"]),
    "actions.registrations": lambda p: _(
        "Inscriptions à %(t)s : %(c)s confirmées, %(w)s en liste d'attente",
        t=p["title"],
        c=_n(p, "confirmed"),
        w=_n(p, "waiting"),
    ),
    "actions.attendance": lambda p: _(
        "Présences à %(t)s : %(n)s personnes accueillies", t=p["title"], n=_n(p, "attended")
    ),
    "actions.roster_opened": lambda p: _(
        "Rôles ouverts pour %(t)s : %(n)s places", t=p["title"], n=_n(p, "needed")
    ),
    "actions.booking": lambda p: _(
        "Salle réservée : %(r)s, du %(s)s au %(e)s",
        r=p["room"],
        s=_when(p),
        e=_when(p, "ends_at"),
    ),
    "actions.booking_cancelled": lambda p: _("Réservation annulée : %(r)s", r=p["room"]),
    "actions.place_opened": lambda p: _("Lieu commun ouvert : %(n)s", n=p["name"]),
    "actions.project_started": lambda p: _("Projet lancé : %(n)s", n=p["name"]),
    "actions.project_step": lambda p: _(
        "Étape franchie pour %(n)s : %(s)s", n=p["name"], s=p["step"]
    ),
    "actions.federation_campaign": lambda p: _(
        "Campagne fédérale : %(t)s, portée ici par la commune", t=p["title"]
    ),
    # notifications (to one person)
    "actions.registered": lambda p: _(
        "Vous êtes inscrit·e à %(t)s (%(w)s). Votre code : %(c)s",
        t=p["title"],
        w=_when(p),
        c=p["code"],
    ),
    "actions.waiting": lambda p: _(
        "Vous êtes en liste d'attente pour %(t)s (rang %(r)s).", t=p["title"], r=_n(p, "rank")
    ),
    "actions.pending": lambda p: _(
        "Votre inscription à %(t)s attend l'accord des organisateur·rices.", t=p["title"]
    ),
    "actions.promoted": lambda p: _(
        "Une place s'est libérée : vous êtes inscrit·e à %(t)s (%(w)s). Votre code : %(c)s",
        t=p["title"],
        w=_when(p),
        c=p["code"],
    ),
    "actions.refused": lambda p: _("Votre inscription à %(t)s n'a pas été retenue.", t=p["title"]),
    "actions.deadline": lambda p: _(
        "L'échéance de la campagne %(t)s approche : le %(d)s. Pensez au compte rendu à "
        "l'assemblée.",
        t=p["title"],
        d=formatting.day(p.get("deadline")),
    ),
    "actions.reminder": lambda p: _(
        "Rappel : %(t)s, le %(w)s. Votre code : %(c)s", t=p["title"], w=_when(p), c=p["code"]
    ),
}
