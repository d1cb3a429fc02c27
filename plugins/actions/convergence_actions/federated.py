"""Federation-wide campaigns: one campaign, hosted locally by each commune's circle.

A :class:`FederationCampaign` is a federation row (topic ``actions.campaign`` of
:mod:`federation.tenancy.federation_data`): only the communes of the federation that opted
in read it (the ORM rule, and row-level security on PostgreSQL). A commune hosts it with a
campaign of its own (``Campaign.federation_campaign_id``), mandated by its own assembly or
action circle like any other. The federation campaign's page gathers one list of the local
events of every participating commune and the registrations counted per commune, read
through a federation scope of the participating communes only; events with a private list
are counted, never listed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_actions import services
from convergence_actions.models import TOPIC, Campaign, Event, FederationCampaign, Registration
from federation.db import db
from federation.errors import NotFound
from federation.tenancy import federation_data
from federation.validation import ident, text_field


def joinable() -> list[Any]:
    """Federations of the commune (to join the topic)."""
    from federation.tenancy.services import federations_of

    return federations_of(services.commune_id())


def joined() -> list[int]:
    return federation_data.opted_in(TOPIC, services.commune_id())


def join(federation_id: Any, actor: Any) -> Any:
    """The commune takes part in the federation's campaigns (its organisers decide)."""
    services.require_organiser(actor)
    return federation_data.opt_in(ident(federation_id, "federation_id"), TOPIC)


def federation_campaigns(federation_id: int | None = None) -> list[FederationCampaign]:
    """The campaigns the scope reads (of one federation when ``federation_id``)."""
    query = select(FederationCampaign).order_by(FederationCampaign.id.desc())
    if federation_id is not None:
        query = query.where(FederationCampaign.federation_id == federation_id)
    return list(db.session.scalars(query))


def get_federation_campaign(campaign_id: Any) -> FederationCampaign:
    row = db.session.get(FederationCampaign, ident(campaign_id, "federation_campaign_id"))
    if row is None:
        raise NotFound(_("Campagne fédérale introuvable."), field="federation_campaign_id")
    return row


def create_federation_campaign(data: dict[str, Any], actor: Any) -> FederationCampaign:
    """A commune's organisers open a campaign for the whole federation (it must have opted
    in: the flush refuses a federation row elsewhere)."""
    services.require_organiser(actor)
    federation_id = ident(data.get("federation_id"), "federation_id")
    if federation_id not in joined():
        raise NotFound(_("La commune ne participe pas à cette fédération."), field="federation_id")
    row = FederationCampaign(
        federation_id=federation_id,
        title=text_field(data.get("title"), "title", 200, required=True),
        goal=text_field(data.get("goal"), "goal", 5000),
        origin_commune_id=services.commune_id(),
    )
    db.session.add(row)
    db.session.flush()
    services.journal(
        "federation_campaign", {"federation_campaign": row.id, "title": row.title}, actor
    )
    return row


def overview(row: FederationCampaign) -> dict[str, Any]:
    """One list of local events across the participating communes and the registrations
    counted per commune, in three queries whatever the number of communes."""
    from federation.tenancy.context import federation_scope

    members = federation_data.participants(row.federation_id, TOPIC)
    names, slugs = _names_and_slugs(members)
    per_commune: dict[int, int] = dict.fromkeys(members, 0)
    listed: list[dict[str, Any]] = []
    if members:
        with federation_scope(members):
            for event in db.session.scalars(
                select(Event)
                .join(Campaign, Campaign.id == Event.campaign_id)
                .where(Campaign.federation_campaign_id == row.id, Event.status == "open")
                .order_by(Event.starts_at)
            ):
                if not event.private_list:
                    listed.append(
                        {
                            "id": event.id,
                            "title": event.title,
                            "starts_at": event.starts_at,
                            "location": event.location,
                            "commune": names.get(event.commune_id, ""),
                            "commune_slug": slugs.get(event.commune_id, ""),
                        }
                    )
            for cid, n in db.session.execute(
                select(Registration.commune_id, func.count(Registration.id))
                .join(Event, Event.id == Registration.event_id)
                .join(Campaign, Campaign.id == Event.campaign_id)
                .where(
                    Campaign.federation_campaign_id == row.id,
                    Registration.status == "confirmed",
                )
                .group_by(Registration.commune_id)
            ):
                per_commune[cid] = n
    return {
        "events": listed,
        "per_commune": {names.get(cid, str(cid)): n for cid, n in per_commune.items()},
        "per_commune_slug": {slugs.get(cid, str(cid)): n for cid, n in per_commune.items()},
        "total": sum(per_commune.values()),
    }


def _names_and_slugs(commune_ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
    from federation.tenancy.models import Commune

    rows = db.session.execute(
        select(Commune.id, Commune.name, Commune.slug).where(Commune.id.in_(commune_ids or [0]))
    ).all()
    return {r.id: r.name for r in rows}, {r.id: r.slug for r in rows}


def hosts(row: FederationCampaign) -> list[dict[str, Any]]:
    """The local campaigns that host ``row``, in every participating commune (two queries)."""
    from federation.tenancy.context import federation_scope

    members = federation_data.participants(row.federation_id, TOPIC)
    if not members:
        return []
    names, slugs = _names_and_slugs(members)
    with federation_scope(members):
        found = db.session.scalars(
            select(Campaign)
            .where(Campaign.federation_campaign_id == row.id)
            .order_by(Campaign.commune_id, Campaign.id)
        )
        return [
            {
                "id": c.id,
                "title": c.title,
                "commune": names.get(c.commune_id, ""),
                "commune_slug": slugs.get(c.commune_id, ""),
            }
            for c in found
        ]


def federation_slug(row: FederationCampaign) -> str:
    from federation.tenancy.models import Federation

    return db.session.scalar(select(Federation.slug).where(Federation.id == row.federation_id))
