"""Campaigns mandated by an assembly: the one path of every change to a campaign.

Services take plain values, validate them (a :class:`~federation.errors.ServiceError` names
the field), write the journal entry and the domain event in the caller's transaction, flush
and never commit: pages, the API, the CLI and the demo commit. They act in the current
commune's scope. Events and registrations live in :mod:`convergence_actions.events`, places
and projects in :mod:`convergence_actions.places`, federation campaigns in
:mod:`convergence_actions.federated`.

A campaign needs a **mandate**: an adopted decision of the popular assembly or of an action
circle (the core's governance decisions; a theme never writes a decision itself). The
assembly may also vote the mandate itself: :func:`propose_mandate` puts it to the assembly
as a proposal, and its adoption launches the campaign (:func:`on_decision_adopted`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from convergence_actions.models import (
    Campaign,
    CampaignConcern,
    Event,
    Pledge,
    Registration,
    Supporter,
)
from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ValidationFailed
from federation.governance.models import Body, Concern, Decision
from federation.identity.services import has_permission, is_active_member
from federation.journal.services import record
from federation.plugins.events import emit
from federation.plugins.services import is_enabled
from federation.tenancy.context import session
from federation.validation import flag, ident, money, text_field

PLUGIN = "actions"
ORGANISE = "actions.organise"
MANDATING_KINDS = ("assembly", "action_circle")
CARRYING_KINDS = ("action_circle", "thematic_circle")

# --- context and who may do what ----------------------------------------------------------


def commune_id() -> int:
    scope = session().scope
    if scope is None or scope.commune_id is None:
        raise RuntimeError("actions services run in a commune's scope")
    return scope.commune_id


def signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user: Any) -> bool:
    return signed_in(user) and is_active_member(commune_id(), user.id)


def in_body(body_id: int | None, user: Any) -> bool:
    if body_id is None or not is_member(user):
        return False
    from federation.governance.bodies import is_member as body_member

    body = db.session.get(Body, body_id)
    return body is not None and body_member(body, user.id)


def can_organise(user: Any, campaign: Campaign | None = None) -> bool:
    """``actions.organise`` (facilitation), or a member of the circle carrying the campaign."""
    if not is_member(user):
        return False
    if has_permission(user, ORGANISE, commune_id()):
        return True
    return campaign is not None and in_body(campaign.body_id, user)


def require_organiser(user: Any, campaign: Campaign | None = None) -> None:
    if not can_organise(user, campaign):
        raise Forbidden(_("Réservé aux organisateur·rices de l'action."), field="user")


def require_member(user: Any) -> None:
    if not is_member(user):
        raise Forbidden(_("Réservé aux membres de la commune."), field="user")


def journal(kind: str, params: dict[str, Any], actor: Any = None) -> None:
    """The public journal entry (kind + parameters, no personal data) and the event."""
    record(
        f"actions.{kind}",
        payload=params,
        commune_id=commune_id(),
        actor=getattr(actor, "display_name", "") if actor is not None else "",
    )
    emit(f"actions.{kind}", params, commune_id=commune_id())


# --- small validators ---------------------------------------------------------------------


def day_field(value: Any, field: str, *, required: bool = False) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(_("Ce champ est obligatoire."), field=field)
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_("Date invalide (AAAA-MM-JJ)."), field=field) from None


def moment_field(value: Any, field: str) -> datetime:
    """A date and time (``2027-05-01T10:00``, from a form or ISO 8601), timezone-aware."""
    from federation.roster.services import aware

    if isinstance(value, datetime):
        return aware(value)
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(_("Ce champ est obligatoire."), field=field)
    try:
        return aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValidationFailed(
            _("Date et heure invalides (AAAA-MM-JJTHH:MM)."), field=field
        ) from None


def ids_field(value: Any, field: str) -> list[int]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    return sorted({ident(v, field) for v in items})


# --- campaigns ----------------------------------------------------------------------------


def campaigns(status: str | None = None, *, limit: int | None = None) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if status:
        query = query.where(Campaign.status == status)
    return list(db.session.scalars(query))


def get_campaign(campaign_id: Any) -> Campaign:
    row = db.session.get(Campaign, ident(campaign_id, "campaign_id"))
    if row is None:
        raise NotFound(_("Campagne introuvable."), field="campaign_id")
    return row


def mandating_decisions() -> list[Decision]:
    """Adopted decisions of the assembly or an action circle that may mandate a campaign."""
    return list(
        db.session.scalars(
            select(Decision)
            .join(Body, Body.id == Decision.body_id)
            .where(Body.kind.in_(MANDATING_KINDS))
            .order_by(Decision.id.desc())
            .limit(100)
        )
    )


def carrying_bodies() -> list[Body]:
    return list(
        db.session.scalars(
            select(Body)
            .where(Body.kind.in_(CARRYING_KINDS), Body.archived.is_(False))
            .order_by(Body.name)
        )
    )


def _decision(value: Any) -> Decision:
    decision = db.session.get(Decision, ident(value, "decision_id"))
    if decision is None:
        raise NotFound(_("Décision introuvable."), field="decision_id")
    if decision.body.kind not in MANDATING_KINDS:
        raise ValidationFailed(
            _("Un mandat vient de l'assemblée populaire ou d'un cercle d'action."),
            field="decision_id",
        )
    return decision


def _carrying_body(value: Any, decision: Decision) -> Body:
    if value in (None, "", 0, "0"):
        if decision.body.kind == "action_circle":
            return decision.body
        raise ValidationFailed(_("Choisissez le cercle qui porte la campagne."), field="body_id")
    body = db.session.get(Body, ident(value, "body_id"))
    if body is None:
        raise NotFound(_("Cercle introuvable."), field="body_id")
    if body.kind not in CARRYING_KINDS:
        raise ValidationFailed(
            _("Une campagne est portée par un cercle d'action ou thématique."), field="body_id"
        )
    return body


def _budget_line(value: Any) -> str:
    line = text_field(value, "budget_line", 60)
    if line and not is_enabled(commune_id(), "budget"):
        raise ValidationFailed(
            _("Le module budget n'est pas activé dans la commune."), field="budget_line"
        )
    return line


def _mandate(data: dict[str, Any]) -> dict[str, Any]:
    """The mandate's text fields, validated (shared by a launch and a proposed mandate)."""
    deadline = day_field(data.get("deadline"), "deadline")
    return {
        "title": text_field(data.get("title"), "title", 200, required=True),
        "goal": text_field(data.get("goal"), "goal", 5000, required=True),
        "demands": text_field(data.get("demands"), "demands", 5000),
        "means": text_field(data.get("means"), "means", 5000),
        "budget_line": _budget_line(data.get("budget_line")),
        "deadline": deadline.isoformat() if deadline else None,
        "sensitive": flag(data.get("sensitive", False)),
    }


def launch_campaign(data: dict[str, Any], actor: Any, *, check: bool = True) -> Campaign:
    """Launch a campaign under the mandate of an adopted decision (one campaign per
    decision), carried by a circle; linked concerns; journal + event."""
    decision = _decision(data.get("decision_id"))
    body = _carrying_body(data.get("body_id"), decision)
    if check:
        require_member(actor)
        if not (has_permission(actor, ORGANISE, commune_id()) or in_body(body.id, actor)):
            raise Forbidden(
                _("Seul le cercle qui porte la campagne (ou la facilitation) la lance."),
                field="body_id",
            )
    federation_campaign_id = data.get("federation_campaign_id") or None
    if federation_campaign_id:
        from convergence_actions.federated import get_federation_campaign

        federation_campaign_id = get_federation_campaign(federation_campaign_id).id
    if db.session.scalar(select(Campaign.id).where(Campaign.decision_id == decision.id)):
        raise Conflict(_("Cette décision a déjà sa campagne."), field="decision_id")
    mandate = _mandate(data)
    concern_ids = ids_field(data.get("concern_ids"), "concern_ids")
    campaign = Campaign(
        title=mandate["title"],
        goal=mandate["goal"],
        demands=mandate["demands"],
        means=mandate["means"],
        budget_line=mandate["budget_line"],
        deadline=date.fromisoformat(mandate["deadline"]) if mandate["deadline"] else None,
        sensitive=mandate["sensitive"],
        decision_id=decision.id,
        body_id=body.id,
        federation_campaign_id=federation_campaign_id,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(campaign)
    db.session.flush()
    for concern_id in concern_ids:
        if db.session.get(Concern, concern_id) is None:
            raise NotFound(_("Préoccupation introuvable."), field="concern_ids")
        db.session.add(CampaignConcern(campaign_id=campaign.id, concern_id=concern_id))
    db.session.flush()
    journal(
        "campaign_launched",
        {"campaign": campaign.id, "title": campaign.title, "decision": decision.id},
        actor,
    )
    return campaign


def propose_mandate(data: dict[str, Any], author: Any) -> Any:
    """Put a campaign's mandate to the popular assembly: a governance proposal in
    deliberation carrying the mandate; its adoption launches the campaign."""
    from federation.governance import bodies
    from federation.governance import proposals as gov_proposals
    from federation.tenancy.models import Commune

    require_member(author)
    mandate = _mandate(data)
    carrying = data.get("body_id") or None
    if carrying:
        body = db.session.get(Body, ident(carrying, "body_id"))
        if body is None or body.kind not in CARRYING_KINDS:
            raise ValidationFailed(_("Cercle introuvable."), field="body_id")
        carrying = body.id
    else:
        raise ValidationFailed(_("Choisissez le cercle qui porte la campagne."), field="body_id")
    concern_ids = ids_field(data.get("concern_ids"), "concern_ids")
    shared = data.get("federation_campaign_id") or None
    if shared:
        from convergence_actions.federated import get_federation_campaign

        shared = get_federation_campaign(shared).id
    assembly = bodies.assembly(db.session.get(Commune, commune_id()))
    text = "\n\n".join(
        part
        for part in (
            mandate["goal"],
            mandate["demands"],
            mandate["means"],
        )
        if part
    )
    proposal = gov_proposals.create_proposal(
        assembly,
        author,
        _("Mandat : %(t)s", t=mandate["title"])[:200],
        text,
        concern_ids=concern_ids,
        extra={
            "actions": {
                **mandate,
                "body_id": carrying,
                "concern_ids": concern_ids,
                "federation_campaign_id": shared,
            }
        },
    )
    gov_proposals.transition(proposal, "deliberation", author)
    return proposal


def on_decision_adopted(payload: dict[str, Any]) -> Campaign | None:
    """An adopted mandate launches its campaign (idempotent: once per decision)."""
    mandate = (payload.get("extra") or {}).get("actions")
    if not isinstance(mandate, dict):
        return None
    decision_id = payload.get("decision_id")
    if not decision_id or db.session.scalar(
        select(Campaign.id).where(Campaign.decision_id == decision_id)
    ):
        return None
    from federation.governance.models import Proposal
    from federation.identity.models import User

    proposal = db.session.get(Proposal, payload.get("proposal_id"))
    author = db.session.get(User, proposal.author_id) if proposal else None
    return launch_campaign({**mandate, "decision_id": decision_id}, author, check=False)


def concerns_of(campaign: Campaign) -> list[Concern]:
    return list(
        db.session.scalars(
            select(Concern)
            .join(CampaignConcern, CampaignConcern.concern_id == Concern.id)
            .where(CampaignConcern.campaign_id == campaign.id)
            .order_by(Concern.id)
        )
    )


# --- supporters and pledges ----------------------------------------------------------------


def support(campaign: Campaign, user: Any, *, public: bool = False) -> Supporter:
    """A member supports the campaign (idempotent); the name is public only if chosen."""
    require_member(user)
    if campaign.status != "active":
        raise Conflict(_("Cette campagne est close."), field="campaign_id")
    row = db.session.scalar(
        select(Supporter).where(Supporter.campaign_id == campaign.id, Supporter.user_id == user.id)
    )
    if row is None:
        row = Supporter(campaign_id=campaign.id, user_id=user.id)
        db.session.add(row)
    row.public = bool(public) and not campaign.sensitive
    db.session.flush()
    emit("actions.supported", {"campaign": campaign.id}, commune_id=commune_id())
    return row


def withdraw_support(campaign: Campaign, user: Any) -> None:
    require_member(user)
    row = db.session.scalar(
        select(Supporter).where(Supporter.campaign_id == campaign.id, Supporter.user_id == user.id)
    )
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def supporter_count(campaign: Campaign) -> int:
    return db.session.scalar(
        select(func.count(Supporter.id)).where(Supporter.campaign_id == campaign.id)
    )


def public_supporters(campaign: Campaign) -> list[str]:
    """The names of supporters who chose to be named (never on a sensitive campaign)."""
    if campaign.sensitive:
        return []
    from federation.identity.models import User

    return list(
        db.session.scalars(
            select(User.display_name)
            .join(Supporter, Supporter.user_id == User.id)
            .where(Supporter.campaign_id == campaign.id, Supporter.public.is_(True))
            .order_by(Supporter.id)
        )
    )


def pledge(campaign: Campaign, data: dict[str, Any], user: Any) -> Pledge:
    """A pledge of money or material to the campaign's needs (no name in the journal)."""
    require_member(user)
    if campaign.status != "active":
        raise Conflict(_("Cette campagne est close."), field="campaign_id")
    kind = str(data.get("kind") or "")
    if kind == "money":
        row = Pledge(campaign_id=campaign.id, user_id=user.id, kind=kind)
        row.amount = money(data.get("amount"), "amount")
        params: dict[str, Any] = {"amount": str(row.amount), "currency": "EUR"}
    elif kind == "material":
        item = text_field(data.get("item"), "item", 200, required=True)
        row = Pledge(campaign_id=campaign.id, user_id=user.id, kind=kind, item=item)
        params = {"item": item}
    else:
        raise ValidationFailed(_("Promesse d'argent ou de matériel."), field="kind")
    db.session.add(row)
    db.session.flush()
    journal("pledge", {"campaign": campaign.id, "title": campaign.title, "kind": kind, **params})
    return row


def pledges_summary(campaign: Campaign) -> dict[str, Any]:
    """Money pledged (total) and material pledged (items), never who: one query."""
    total, items = Decimal("0"), []
    for kind, amount, item in db.session.execute(
        select(Pledge.kind, Pledge.amount, Pledge.item)
        .where(Pledge.campaign_id == campaign.id)
        .order_by(Pledge.id)
    ):
        if kind == "money":
            total += Decimal(amount or 0)
        else:
            items.append(item)
    return {"money": total, "material": items}


# --- report back to the assembly ---------------------------------------------------------


def campaign_figures(campaign: Campaign) -> dict[str, Any]:
    """Actions held, people mobilised (checked in, with or without an account), hours
    given (attendance × duration): one grouped query."""
    held = db.session.execute(
        select(Event.id, Event.starts_at, Event.ends_at, func.count(Registration.id))
        .outerjoin(
            Registration,
            (Registration.event_id == Event.id) & Registration.attended_at.is_not(None),
        )
        .where(
            Event.campaign_id == campaign.id,
            Event.status != "cancelled",
            Event.starts_at <= utcnow(),
        )
        .group_by(Event.id, Event.starts_at, Event.ends_at)
    ).all()
    hours = sum((ends - starts).total_seconds() / 3600 * n for _i, starts, ends, n in held)
    return {
        "events": len(held),
        "people": sum(row[3] for row in held),
        "hours": round(hours, 1),
    }


def report_back(campaign: Campaign, text: Any, actor: Any, *, meeting_id: Any = None) -> Campaign:
    """Close the campaign with its report to the assembly: the report goes into the
    minutes of the assembly's meeting (a draft, an agenda item) and the public journal."""
    from federation.governance import meetings
    from federation.governance.models import Meeting

    require_organiser(actor, campaign)
    if campaign.status != "active":
        raise Conflict(_("Cette campagne a déjà rendu compte."), field="campaign_id")
    report = text_field(text, "report", 20000, required=True)
    figures = campaign_figures(campaign)
    meeting = None
    if meeting_id not in (None, "", 0, "0"):
        meeting = db.session.get(Meeting, ident(meeting_id, "meeting_id"))
        if meeting is None or not meeting.body.is_assembly:
            raise NotFound(_("Réunion de l'assemblée introuvable."), field="meeting_id")
        if meeting.minutes_published_at is not None:
            raise Conflict(
                _("Le compte rendu de cette réunion est déjà publié."), field="meeting_id"
            )
        heading = _("Compte rendu de mandat : %(t)s", t=campaign.title)
        meetings.add_agenda_item(meeting, heading[:200])
        minutes = "\n\n".join(p for p in (meeting.minutes, f"## {heading}\n\n{report}") if p)
        # the draft minutes keep their secretary (the reporter only when there is none yet)
        from federation.identity.models import User

        secretary = db.session.get(User, meeting.secretary_id) if meeting.secretary_id else None
        meetings.write_minutes(meeting, secretary or actor, minutes)
    campaign.status = "reported"
    campaign.report = report
    campaign.reported_at = utcnow()
    campaign.report_meeting_id = meeting.id if meeting else None
    db.session.flush()
    journal(
        "campaign_reported",
        {
            "campaign": campaign.id,
            "title": campaign.title,
            "decision": campaign.decision_id,
            "meeting": campaign.report_meeting_id,
            "supporters": supporter_count(campaign),
            **figures,
        },
        actor,
    )
    return campaign


def assembly_meetings() -> list[Any]:
    """The assembly's meetings whose minutes are still open (where a report may go)."""
    from federation.governance.models import Meeting

    return list(
        db.session.scalars(
            select(Meeting)
            .join(Body, Body.id == Meeting.body_id)
            .where(Body.kind == "assembly", Meeting.minutes_published_at.is_(None))
            .order_by(Meeting.starts_at.desc())
            .limit(20)
        )
    )


# --- deadline reminders -------------------------------------------------------------------


def deadline_recipients(campaign: Campaign) -> set[int]:
    """Who hears that a campaign's deadline is near: who launched it, the members of the
    circle that carries it, and its supporters."""
    from federation.governance.models import BodyMember

    people = set(
        db.session.scalars(select(Supporter.user_id).where(Supporter.campaign_id == campaign.id))
    )
    if campaign.body_id is not None:
        people |= set(
            db.session.scalars(
                select(BodyMember.user_id).where(BodyMember.body_id == campaign.body_id)
            )
        )
    if campaign.created_by_id is not None:
        people.add(campaign.created_by_id)
    return people


def remind_deadlines(*, today: date | None = None, days: int = 7) -> int:
    """Tell the carriers and supporters of every active campaign whose deadline falls
    within ``days`` (once per campaign): a notice of kind ``actions.deadline``, e-mailed
    at once or gathered in each person's digest, as they chose (``notices.tell``).
    Returns how many people were told."""
    from federation.identity.notices import tell

    today = today or utcnow().date()
    due = list(
        db.session.scalars(
            select(Campaign)
            .where(
                Campaign.status == "active",
                Campaign.deadline_reminded_at.is_(None),
                Campaign.deadline.is_not(None),
                Campaign.deadline >= today,
                Campaign.deadline <= today + timedelta(days=days),
            )
            .order_by(Campaign.deadline, Campaign.id)
        )
    )
    told = 0
    slug = _commune_slug()
    for campaign in due:
        told += tell(
            deadline_recipients(campaign),
            "actions.deadline",
            {
                "campaign": campaign.id,
                "title": campaign.title,
                "deadline": campaign.deadline.isoformat(),
                "days": (campaign.deadline - today).days,
            },
            link=f"/c/{slug}/actions/campaigns/{campaign.id}",
            commune_id=campaign.commune_id,
        )
        campaign.deadline_reminded_at = utcnow()
    db.session.flush()
    return told


def _commune_slug() -> str:
    from federation.tenancy.models import Commune

    return db.session.get(Commune, commune_id()).slug
