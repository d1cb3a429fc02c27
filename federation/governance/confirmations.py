"""What a governance form answers once it is done: a sentence that says what happened
("Votre vote est enregistré.", "La réunion du 4 mai 2027 est annulée."), not a generic
"C'est enregistré." (issue 16 item 3). The views pick the sentence by what was posted.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from federation import formatting

SAID: dict[tuple[str, str], Any] = {
    ("body", "join"): _l("Vous avez rejoint ce cercle."),
    ("body", "leave"): _l("Vous avez quitté ce cercle."),
    ("body", "follow"): _l("Vous suivez désormais les propositions de ce cercle."),
    ("body", "unfollow"): _l("Vous ne suivez plus les propositions de ce cercle."),
    ("concern", "support"): _l("Votre soutien est enregistré."),
    ("concern", "unsupport"): _l("Votre soutien est retiré."),
    ("concern", "merge"): _l("Les deux préoccupations sont fusionnées, soutiens compris."),
    ("organisation", "add"): _l("Représentant·e ajouté·e."),
    ("organisation", "remove"): _l("Représentant·e retiré·e."),
    ("proposal", "cosign"): _l("Votre co-signature est enregistrée."),
    ("proposal", "comment"): _l("Votre commentaire est publié."),
    ("proposal", "amend"): _l("Votre amendement est déposé."),
    ("proposal", "accept_amendment"): _l("L'amendement est intégré au texte."),
    ("proposal", "reject_amendment"): _l("L'amendement est écarté."),
    ("proposal", "follow"): _l("Vous suivez cette proposition : vous serez prévenu·e de la suite."),
    ("proposal", "unfollow"): _l("Vous ne suivez plus cette proposition."),
    ("proposal", "follow_up"): _l("Le point d'avancement est publié."),
    ("proposal", "hide_comment"): _l("Le commentaire est masqué."),
    ("proposal", "report_comment"): _l("Votre signalement est transmis à la modération."),
    ("proposal", "vote"): _l("Le vote est préparé : vérifiez ses règles, puis ouvrez-le."),
    ("vote", "open"): _l("Le vote est ouvert ; les personnes qui peuvent voter sont prévenues."),
    ("vote", "close"): _l("Le vote est clos et dépouillé."),
    ("vote", "cast"): _l("Votre vote est enregistré."),
    ("vote", "change"): _l("Votre vote est modifié."),
    ("vote", "proxy"): _l("Votre procuration est enregistrée."),
    ("objection", "resolve"): _l("La suite donnée à l'objection est enregistrée."),
    ("meeting", "attendance"): _l("Les présences sont enregistrées."),
    ("meeting", "minutes"): _l("Le compte rendu est enregistré."),
    ("meeting", "publish"): _l("Le compte rendu est publié."),
    ("meeting", "agenda"): _l("Le point est ajouté à l'ordre du jour."),
    ("meeting", "agenda_concerns"): _l(
        "Les préoccupations les plus soutenues sont ajoutées à l'ordre du jour."
    ),
}


def said(subject: str, action: str) -> str:
    """The confirmation of ``action`` on ``subject`` (a generic one for an unlisted pair)."""
    found = SAID.get((subject, action))
    return str(found) if found is not None else _("C'est enregistré.")


def moved(status_label: Any) -> str:
    return _("La proposition est désormais : %(s)s.", s=status_label)


def meeting(action: str, starts_at: Any) -> str:
    """Confirmations that name the meeting by its date."""
    day = formatting.day(starts_at, "long")
    if action == "scheduled":
        return _("La réunion du %(d)s est convoquée ; les membres sont prévenu·es.", d=day)
    if action == "register":
        return _("Vous êtes inscrit·e à la réunion du %(d)s.", d=day)
    if action == "cancel":
        return _("La réunion du %(d)s est annulée.", d=day)
    return said("meeting", action)
