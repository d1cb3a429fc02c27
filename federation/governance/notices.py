"""Notices of governance events, emitted by the service that makes the change (issue 16
item 3): a vote opens → the people who may vote; a meeting is convened → the members of
its body. Rendered in each reader's language (kinds declared by :class:`NoticesPlugin`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from federation import formatting
from federation.db import db
from federation.identity.notices import KINDS as IDENTITY_KINDS
from federation.identity.notices import tell
from federation.plugins.base import ConvergencePlugin, hookimpl
from federation.tenancy.models import Commune

P = Mapping[str, Any]


def _slug(commune_id: int) -> str:
    commune = db.session.get(Commune, commune_id)
    return commune.slug if commune is not None else ""


def vote_opened(vote: Any, electorate: Iterable[int], actor_id: int | None = None) -> int:
    """Tell the people who may vote (not the facilitator who opened it)."""
    return tell(
        set(electorate) - {actor_id},
        "vote.opened_for_you",
        {
            "title": vote.title,
            "body": vote.body.name,
            "closes_at": vote.closes_at.isoformat() if vote.closes_at else "",
        },
        link=f"/c/{_slug(vote.commune_id)}/votes/{vote.id}",
        commune_id=vote.commune_id,
    )


def meeting_scheduled(meeting: Any, body: Any) -> int:
    """Tell the body's members (every verified member for the assembly)."""
    from federation.governance.bodies import electorate_ids

    return tell(
        electorate_ids(body, "body"),
        "meeting.scheduled",
        {
            "title": meeting.title,
            "body": body.name,
            "starts_at": meeting.starts_at.isoformat(),
            "place": meeting.place or "",
        },
        link=f"/c/{_slug(meeting.commune_id)}/meetings/{meeting.id}",
        commune_id=meeting.commune_id,
    )


def _vote_opened(p: P) -> str:
    if p.get("closes_at"):
        return _(
            "Un vote vous attend (%(b)s) : « %(t)s », jusqu'au %(d)s.",
            b=p["body"],
            t=p["title"],
            d=formatting.moment(p["closes_at"]),
        )
    return _("Un vote vous attend (%(b)s) : « %(t)s ».", b=p["body"], t=p["title"])


def _meeting_scheduled(p: P) -> str:
    return _(
        "Réunion convoquée (%(b)s) : « %(t)s », le %(d)s%(at)s.",
        b=p["body"],
        t=p["title"],
        d=formatting.moment(p["starts_at"], "long"),
        at=(" — " + p["place"]) if p.get("place") else "",
    )


KINDS = {
    **IDENTITY_KINDS,
    "vote.opened_for_you": _vote_opened,
    "meeting.scheduled": _meeting_scheduled,
}


class NoticesPlugin(ConvergencePlugin):
    """The notices of what awaits a person (always on)."""

    name = "notices"
    label = "Notices"
    always_on = True

    @hookimpl
    def federation_text_kinds(self):
        return dict(KINDS)
