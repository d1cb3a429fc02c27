"""What the core writes in the journals (platform, federations, communes), in the reader's
language; declared by :class:`federation.core_plugin.CorePlugin`."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def actor_text(actor: str) -> str:
    """Who acted, as the journal shows it: a person's or an organisation's name as given;
    the system's own actors ("@platform", "@housing.circle"…) in the reader's language
    (the kind ``actor.<name>``)."""
    from federation.texts import render

    if actor.startswith("@"):
        return render(f"actor.{actor[1:]}", {}, fallback=actor[1:])
    return actor


KINDS = {
    "actor.platform": lambda p: _("plateforme"),
    "federation.created": lambda p: _("Fédération créée : %(n)s", n=p["name"]),
    "federation.communes_added": lambda p: ngettext(
        "%(num)d commune rejoint %(n)s",
        "%(num)d communes rejoignent %(n)s",
        len(p["communes"]),
        n=p["name"],
    ),
    "commune.opened": lambda p: _("Ouverture de l'espace communal de %(n)s", n=p["name"]),
    # notices about joining a commune (in-app and e-mail)
    "membership.verified": lambda p: _(
        "Bienvenue ! Votre adhésion à %(c)s est vérifiée.", c=p["commune"]
    ),
    "membership.pending": lambda p: _(
        "Votre demande d'adhésion à %(c)s est en attente de vérification.", c=p["commune"]
    ),
    "membership.approved": lambda p: _("Votre adhésion à %(c)s est validée.", c=p["commune"]),
    "membership.refused": lambda p: _(
        "Votre demande d'adhésion à %(c)s n'a pas été acceptée.", c=p["commune"]
    ),
    "journal.countersign": lambda p: (
        _("Empreintes des journaux des communes membres")
        if p.get("scope") == "federation"
        else _("Empreintes des journaux")
    ),
}
