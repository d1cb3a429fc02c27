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
            **vote.title_data(),
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


def ratification_requested(
    federation: Any, proposal: Any, local_ids: dict[int, int], slugs: dict[int, str]
) -> int:
    """A federation proposal reaches the member assemblies: in each commune, its delegates
    to this federation and the people who facilitate are told (``local_ids``: commune id →
    the assembly's proposal; two statements per commune, as sending works per commune)."""
    from sqlalchemy import select

    from federation.identity.models import FederationRole
    from federation.identity.notices import approvers

    delegates: dict[int, set[int]] = {}
    for user_id, commune_id in db.session.execute(
        select(FederationRole.user_id, FederationRole.commune_id).where(
            FederationRole.federation_id == federation.id,
            FederationRole.role == "delegate",
            FederationRole.commune_id.in_(sorted(local_ids) or [0]),
        )
    ):
        delegates.setdefault(commune_id, set()).add(user_id)
    told = 0
    for commune_id, local_id in sorted(local_ids.items()):
        people = delegates.get(commune_id, set()) | set(approvers(commune_id, "gov.facilitate"))
        told += tell(
            people,
            "federation.ratification_requested",
            {
                "federation": federation.name,
                "title": proposal.title,
                "deadline": str(proposal.deadline or ""),
            },
            link=f"/c/{slugs[commune_id]}/proposals/{local_id}",
            commune_id=commune_id,
        )
    return told


def _ratification(p: P) -> str:
    if p.get("deadline"):
        return _(
            "%(f)s demande à votre assemblée de ratifier « %(t)s » avant le %(d)s.",
            f=p["federation"],
            t=p["title"],
            d=formatting.day(p["deadline"], "long"),
        )
    return _(
        "%(f)s demande à votre assemblée de ratifier « %(t)s ».", f=p["federation"], t=p["title"]
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
    "federation.ratification_requested": _ratification,
}


class NoticesPlugin(ConvergencePlugin):
    """The notices of what awaits a person (always on)."""

    name = "notices"
    label = "Notices"
    always_on = True

    @hookimpl
    def federation_text_kinds(self):
        return dict(KINDS)
