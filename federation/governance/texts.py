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


def _assembly_forms() -> list[tuple[str, str]]:
    """(prefix, suffix) of the generated assembly name in each language of the catalogs."""
    from flask_babel import force_locale

    from federation.config import LOCALES

    forms = []
    for locale in LOCALES:
        with force_locale(locale):
            prefix, _sep, suffix = _("Assemblée populaire de %(c)s", c="\x00").partition("\x00")
        forms.append((prefix, suffix))
    return forms


def assembly_name(name: str) -> str:
    """A popular assembly's generated name ("Assemblée populaire de Faux", written in the
    language of whoever created the commune) in the reader's language; any other name as
    given."""
    for prefix, suffix in _assembly_forms():
        if prefix and name.startswith(prefix) and name.endswith(suffix):
            commune = name[len(prefix) : len(name) - len(suffix)]
            return _("Assemblée populaire de %(c)s", c=commune)
    return name


def body_name(body: Any) -> str:
    """A body's name in the reader's language: the popular assembly the system created for
    a commune is named when read; a name people gave stays as given."""
    from federation.governance.bodies import ASSEMBLY_SLUG

    if getattr(body, "kind", "") == "assembly" and getattr(body, "slug", "") == ASSEMBLY_SLUG:
        return assembly_name(body.name)
    return body.name


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
        b=assembly_name(p["body_name"]),
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
    # a vote's title the system writes (see federation.governance.submissions.Generated)
    "governance.vote.recall": lambda p: _(
        "Révocation du mandat de %(r)s de %(u)s", r=_mandate_label(p["role"]), u=p["user"]
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
