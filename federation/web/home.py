"""A person's home, "À faire": what awaits them across their communes and federations
(issue 16 item 3). People land here after signing in.

It lists the votes open to them that they have not cast, the meetings they registered for,
the membership requests they may approve, the shifts they signed up for, the federation
proposals their commune's assembly has to ratify (for its delegates and facilitators),
what each plugin adds through ``federation_todo_items``, and their unread notices. The
number of statements does not grow with the data: one per kind of item, one for the
plugins' enablement, and what each plugin's hook reads (see tests/core/test_home.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, render_template, session
from sqlalchemy import exists, func, or_, select

from federation.db import db, utcnow
from federation.identity.decorators import login_required_here
from federation.identity.models import (
    CommuneRolePermission,
    FederationRole,
    Membership,
    Notification,
    User,
)
from federation.identity.services import memberships_of, registry
from federation.plugins.contributions import TodoItem
from federation.tenancy.context import federation_scope
from federation.tenancy.models import Commune, Federation, FederationMember

bp = Blueprint("home", __name__)


@bp.record_once
def _filters(state: Any) -> None:
    """Babel's dates in the templates (federation.formatting), also for the header."""
    from federation import formatting

    env = state.app.jinja_env
    env.filters.setdefault("day", formatting.day)
    env.filters.setdefault("moment", formatting.moment)


#: how many of each kind of item the home shows (the rest is one click away)
LIMIT = 20
#: session key of the person's federations, shown in every page's menu without a query
FEDERATIONS_KEY = "my_federations"


@dataclass
class Todo:
    """Everything the home shows."""

    votes: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    shifts: list[dict[str, Any]] = field(default_factory=list)
    ratifications: list[dict[str, Any]] = field(default_factory=list)
    plugins: list[TodoItem] = field(default_factory=list)
    notices: list[Notification] = field(default_factory=list)
    communes: list[Commune] = field(default_factory=list)
    federations: list[Federation] = field(default_factory=list)
    coordinated: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return (
            len(self.votes)
            + len(self.meetings)
            + len(self.requests)
            + len(self.shifts)
            + len(self.ratifications)
            + len(self.plugins)
        )


@bp.route("/home")
def home():
    user = login_required_here()
    todo = todo_for(user)
    remember_federations(todo.federations)
    return render_template("home/index.html", todo=todo, user=user)


def remember_federations(federations: list[Federation]) -> None:
    """Keep the person's federations in their session for the menu (no query per page)."""
    value = [[f.slug, f.name] for f in federations[:12]]
    if session.get(FEDERATIONS_KEY) != value:
        session[FEDERATIONS_KEY] = value


def todo_for(user: User, now: datetime | None = None) -> Todo:
    now = now or utcnow()
    members = [m for m in memberships_of(user.id) if m.is_active]
    todo = Todo(communes=[m.commune for m in members])
    by_id = {m.commune_id: m.commune for m in members}
    ids = sorted(by_id)
    roles = _federation_roles(user.id, now)
    todo.coordinated = {r.federation_id for r in roles if r.role == "coordinator"}
    todo.federations = _federations(ids, {r.federation_id for r in roles})
    if ids:
        with federation_scope(ids):
            todo.votes = _votes(user.id, by_id, now)
            todo.meetings = _meetings(user.id, by_id, now)
            todo.shifts = _shifts(user.id, by_id, now)
            allowed = _permitted(user, members, ("core.members.approve", "gov.facilitate"))
        todo.requests = _requests(user.id, allowed["core.members.approve"], by_id)
        delegate_of = {r.commune_id for r in roles if r.role == "delegate" and r.commune_id}
        todo.ratifications = _ratifications(
            (allowed["gov.facilitate"] | delegate_of) & set(ids), by_id
        )
        todo.plugins = _plugin_items(user, todo.communes)
    todo.notices = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(5)
        )
    )
    return todo


def _federation_roles(user_id: int, now: datetime) -> list[FederationRole]:
    rows = db.session.scalars(select(FederationRole).where(FederationRole.user_id == user_id))
    return [
        r
        for r in rows
        if (r.starts_at is None or _utc(r.starts_at) <= now)
        and (r.expires_at is None or _utc(r.expires_at) > now)
    ]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def _federations(commune_ids: list[int], role_federations: set[int]) -> list[Federation]:
    """Federations the person's communes belong to, and those where they hold a role."""
    if not commune_ids and not role_federations:
        return []
    via_communes = select(FederationMember.federation_id).where(
        FederationMember.commune_id.in_(commune_ids or [0]), FederationMember.left_on.is_(None)
    )
    return list(
        db.session.scalars(
            select(Federation)
            .where(or_(Federation.id.in_(via_communes), Federation.id.in_(role_federations or {0})))
            .order_by(Federation.name)
        )
    )


def _votes(user_id: int, by_id: dict[int, Commune], now: datetime) -> list[dict[str, Any]]:
    """Open votes the person may cast and has not cast."""
    from federation.governance.models import (
        Body,
        BodyMember,
        MeetingAttendance,
        Vote,
        VoteParticipation,
    )

    cast = exists().where(
        VoteParticipation.vote_id == Vote.id, VoteParticipation.voter_id == user_id
    )
    in_body = exists().where(BodyMember.body_id == Vote.body_id, BodyMember.user_id == user_id)
    present = exists().where(
        MeetingAttendance.meeting_id == Vote.meeting_id,
        MeetingAttendance.user_id == user_id,
        MeetingAttendance.present.is_(True),
    )
    rows = db.session.scalars(
        select(Vote)
        .join(Body, Body.id == Vote.body_id)
        .where(
            Vote.status == "open",
            or_(Vote.opens_at.is_(None), Vote.opens_at <= now),
            or_(Vote.closes_at.is_(None), Vote.closes_at > now),
            ~cast,
            or_(Vote.electorate == "commune", Body.kind == "assembly", in_body),
            or_(Vote.meeting_id.is_(None), present),
        )
        .order_by(Vote.closes_at.is_(None), Vote.closes_at, Vote.id)
        .limit(LIMIT)
    )
    return [
        _item(v, by_id, "votes", title=v.title, body=v.body.name, closes_at=v.closes_at)
        for v in rows
    ]


def _item(row: Any, by_id: dict[int, Commune], path: str, **fields: Any) -> dict[str, Any]:
    """One line of the home: the row's commune and page, and what the template shows."""
    commune = by_id[row.commune_id]
    return {"commune": commune.name, "url": f"/c/{commune.slug}/{path}/{row.id}", **fields}


def _meetings(user_id: int, by_id: dict[int, Commune], now: datetime) -> list[dict[str, Any]]:
    from federation.governance.models import Meeting, MeetingAttendance

    rows = db.session.scalars(
        select(Meeting)
        .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(
            MeetingAttendance.user_id == user_id,
            MeetingAttendance.registered.is_(True),
            Meeting.status == "scheduled",
            Meeting.starts_at >= now - timedelta(hours=12),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(LIMIT)
    )
    return [
        _item(
            m,
            by_id,
            "meetings",
            title=m.title,
            body=m.body.name,
            starts_at=m.starts_at,
            place=m.place,
        )
        for m in rows
    ]


def _shifts(user_id: int, by_id: dict[int, Commune], now: datetime) -> list[dict[str, Any]]:
    from federation.roster.models import Shift, Signup

    rows = db.session.scalars(
        select(Shift)
        .join(Signup, Signup.shift_id == Shift.id)
        .where(
            Signup.user_id == user_id,
            Signup.status == "active",
            Shift.status == "open",
            Shift.starts_at >= now,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(LIMIT)
    )
    return [
        _item(
            s, by_id, "roster/shifts", title=s.display_title, starts_at=s.starts_at, place=s.place
        )
        for s in rows
    ]


def _permitted(
    user: User, members: list[Membership], names: tuple[str, ...]
) -> dict[str, set[int]]:
    """Communes (of ``members``) where the person holds each permission: one statement for
    every commune's changes to the role table (the request's federation scope)."""
    found: dict[str, set[int]] = {name: set() for name in names}
    if not members:
        return found
    if user.is_platform_admin:
        return {name: {m.commune_id for m in members} for name in names}
    overrides: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for commune_id, role, perm, granted in db.session.execute(
        select(
            CommuneRolePermission.commune_id,
            CommuneRolePermission.role,
            CommuneRolePermission.permission,
            CommuneRolePermission.granted,
        ).where(CommuneRolePermission.permission.in_(names))
    ):
        overrides[commune_id].append((role, perm, granted))
    perms = registry()
    for member in members:
        table = perms.effective_table(overrides.get(member.commune_id, []))
        held = {"member"} | member.role_names()
        for name in names:
            if any(name in table.get(role, set()) for role in held):
                found[name].add(member.commune_id)
    return found


def _requests(user_id: int, communes: set[int], by_id: dict[int, Commune]) -> list[dict[str, Any]]:
    """Membership requests waiting in the communes where the person may approve them."""
    if not communes:
        return []
    rows = db.session.execute(
        select(Membership.commune_id, func.count(Membership.id))
        .where(
            Membership.commune_id.in_(sorted(communes)),
            Membership.status == "pending",
            Membership.user_id != user_id,
        )
        .group_by(Membership.commune_id)
    ).all()
    return [
        {
            "commune": by_id[commune_id].name,
            "count": count,
            "url": f"/c/{by_id[commune_id].slug}/admin/members",
        }
        for commune_id, count in sorted(rows, key=lambda r: by_id[r[0]].name)
        if count
    ]


def _ratifications(communes: set[int], by_id: dict[int, Commune]) -> list[dict[str, Any]]:
    """Federation proposals waiting for these communes' assemblies."""
    if not communes:
        return []
    from federation.intercommunal.models import FederationProposal, Ratification

    rows = db.session.execute(
        select(Ratification, FederationProposal, Federation)
        .join(FederationProposal, FederationProposal.id == Ratification.proposal_id)
        .join(Federation, Federation.id == FederationProposal.federation_id)
        .where(
            Ratification.commune_id.in_(sorted(communes)),
            Ratification.status == "pending",
            FederationProposal.status == "ratifying",
        )
        .order_by(FederationProposal.deadline.is_(None), FederationProposal.deadline)
        .limit(LIMIT)
    ).all()
    found = []
    for ratification, proposal, federation in rows:
        commune = by_id[ratification.commune_id]
        local = ratification.commune_proposal_id
        found.append(
            {
                "title": proposal.title,
                "federation": federation.name,
                "commune": commune.name,
                "deadline": proposal.deadline,
                "url": f"/c/{commune.slug}/proposals/{local}"
                if local
                else f"/f/{federation.slug}/proposals/{proposal.id}",
            }
        )
    return found


def _plugin_items(user: User, communes: list[Commune]) -> list[TodoItem]:
    """``federation_todo_items`` of each plugin, with the communes where it is on (one
    statement for the enablement; a plugin that raises is logged and skipped)."""
    from federation.plugins.services import communes_with_plugins, manager

    pm = manager()
    on = communes_with_plugins([c.id for c in communes])
    items: list[TodoItem] = []
    for impl in pm.hook.federation_todo_items.get_hookimpls():
        plugin = pm.by_name.get(impl.plugin_name)
        if plugin is not None and plugin.always_on:
            theirs = list(communes)
        else:
            enabled = set(on.get(impl.plugin_name, []))
            theirs = [c for c in communes if c.id in enabled]
        if not theirs:
            continue
        try:
            found = impl.function(user=user, communes=theirs)
        except Exception:
            import logging

            logging.getLogger(__name__).exception(
                "plugin %s failed in federation_todo_items; skipped", impl.plugin_name
            )
            continue
        items.extend(found or [])
    return sorted(items, key=lambda i: (i.weight, _sortable(i.when), str(i.label)))


def _sortable(when: Any) -> str:
    return when.isoformat() if hasattr(when, "isoformat") else "9999"
