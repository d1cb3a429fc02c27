"""What governance writes in the journal, rendered in the reader's language (issue 16).

Each renderer takes the entry's stored parameters (names people gave stay as given) and
returns the sentence in the current locale; declared by :class:`GovernancePlugin`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from federation import formatting

P = Mapping[str, Any]


def _mandate_label(role: str) -> str:
    from federation.governance.labels import MANDATE_LABELS

    return str(MANDATE_LABELS.get(role, role))


def _proposal_state(state: str) -> str:
    from federation.governance.proposals import STATE_LABELS

    return str(STATE_LABELS.get(state, state))


def _objection_label(status: str) -> str:
    from federation.governance.objections import STATE_LABELS

    return str(STATE_LABELS.get(status, status))


def _mandate_assigned(p: P) -> str:
    return _(
        "Mandat de %(r)s confié à %(u)s (%(b)s) jusqu'au %(d)s",
        r=_mandate_label(p["role"]),
        u=p["user"],
        b=p["body_name"],
        d=formatting.day(p["ends_on"]),
    )


def _organisation(p: P, added: bool) -> str:
    if added:
        return _("%(u)s représente %(o)s", u=p["user"], o=p["name"])
    return _("%(u)s ne représente plus %(o)s", u=p["user"], o=p["name"])


KINDS = {
    "concern.merged": lambda p: _(
        "Préoccupation « %(a)s » fusionnée dans « %(b)s »", a=p["title"], b=p["into_title"]
    ),
    "decision.adopted": lambda p: _("Décision adoptée : %(t)s", t=p["title"]),
    "mandate.assigned": _mandate_assigned,
    "mandate.recall_vote": lambda p: _(
        "Vote de révocation préparé pour le mandat de %(r)s de %(u)s",
        r=_mandate_label(p["role"]),
        u=p["user"],
    ),
    "mandate.election": lambda p: _("Élection préparée : %(t)s", t=p["title"]),
    "mandate.recalled": lambda p: _(
        "Mandat de %(r)s de %(u)s révoqué : %(why)s",
        r=_mandate_label(p["role"]),
        u=p["user"],
        why=p["reason"],
    ),
    "meeting.minutes": lambda p: _("Compte rendu publié : %(t)s", t=p["title"]),
    "vote.objection": lambda p: _(
        "Objection n° %(n)d : %(s)s", n=int(p["objection"]), s=_objection_label(p["status"])
    ),
    "organisation.representative_added": lambda p: _organisation(p, True),
    "organisation.representative_removed": lambda p: _organisation(p, False),
    "moderation.comment_hidden": lambda p: _(
        "Commentaire masqué par la facilitation : %(r)s", r=p["reason"]
    ),
    "vote.opened": lambda p: _("Vote ouvert : %(t)s", t=p["title"]),
    "vote.closed": lambda p: _("Vote clos : %(t)s", t=p["title"]),
    "vote.cancelled": lambda p: _("Vote annulé : %(t)s", t=p["title"]),
    # notices (in-app and e-mail)
    "proposal.state": lambda p: _(
        "« %(t)s » est maintenant %(s)s.", t=p["title"], s=_proposal_state(p["state"])
    ),
    "proposal.comment": lambda p: _("Nouveau commentaire sur « %(t)s ».", t=p["title"]),
}
