"""The one way the platform tells people something (issue 16 item 3).

:func:`tell` stores the notice — a kind + parameters, rendered in each reader's language,
never a sentence — for one person or many, in a constant number of statements, and follows
each person's preference (``User.digest``, chosen on their profile):

* ``"none"`` (the default): each notice in the app and by e-mail as it comes, after the
  commit, in the recipient's own language;
* ``"daily"`` / ``"weekly"``: in the app, and by e-mail in the daily or weekly summary
  (:func:`federation.identity.notifications.send_digests`);
* ``"off"``: in the app only, never by e-mail.

:func:`federation.identity.notifications.notify` is the same call for one person. Services
call them in the same transaction as the change they announce: the notice exists if and only
if the change does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, or_, select

from federation.db import db, utcnow
from federation.identity import memo
from federation.identity.models import Membership, MembershipRole, Notification, User

P = Mapping[str, Any]


def tell(
    user_ids: Iterable[int],
    kind: str,
    params: dict[str, Any],
    *,
    link: str = "",
    commune_id: int | None = None,
) -> int:
    """Notify every person of ``user_ids`` (in the app; by e-mail as their preference says).
    Returns how many were told. Two statements whatever their number."""
    if not kind:
        raise ValueError("a notification needs a kind (declared through federation_text_kinds)")
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    people = db.session.execute(
        select(User.id, User.email, User.locale, User.digest).where(
            User.id.in_(ids), User.active.is_(True)
        )
    ).all()
    if not people:
        return 0
    stored = json.dumps(params, sort_keys=True, default=str)
    now = utcnow()
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": person.id,
                "kind": kind,
                "params": stored,
                "link": link,
                "commune_id": commune_id,
                "message": "",
                "created_at": now,
            }
            for person in people
        ],
    )
    memo.forget()  # unread counts changed
    now_by_mail = [p for p in people if mailed_at_once(p.digest)]
    mailed = [(p.email, p.locale) for p in now_by_mail]
    if len(mailed) > INLINE_MAILS and commune_id is not None:
        # many e-mails: a background job after the commit (an RQ worker when Redis is
        # configured), not the request that opened the vote
        from federation.jobs import enqueue
        from federation.tenancy.context import commune_scope

        with commune_scope(commune_id):
            enqueue(
                "federation.identity.notices:mail_job",
                kind="notices.mail",
                commune_id=commune_id,
                params={
                    "user_ids": [p.id for p in now_by_mail],
                    "kind": kind,
                    "params": json.loads(stored),
                    "link": link,
                    "commune_id": commune_id,
                },
            )
    elif mailed:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        db.session().after_commit(lambda: _mail(app, mailed, kind, params, link, commune_id))
    return len(people)


#: the preferences a person chooses (``User.digest``), see the module's docstring
DIGEST_PREFERENCES = ("none", "daily", "weekly", "off")


def mailed_at_once(preference: str | None) -> bool:
    """Whether a person with this preference gets each notice by e-mail as it comes (the
    others: in their summary, or in the app only)."""
    return (preference or "none") == "none"


#: up to this many e-mails are sent right after the commit; more go to a background job
INLINE_MAILS = 20


def mail_job(
    user_ids: list[int], kind: str, params: dict[str, Any], link: str, commune_id: int
) -> dict[str, int]:
    """The background job of a large notice: e-mail each person in their language."""
    from federation.jobs import report_progress

    people = db.session.execute(
        select(User.email, User.locale).where(User.id.in_(user_ids), User.active.is_(True))
    ).all()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _mail(app, [(p.email, p.locale) for p in people], kind, params, link, commune_id)
    report_progress(len(people), len(people))
    return {"sent": len(people)}


def _mail(
    app: Any, mailed: list[tuple[str, str | None]], kind: str, params: P, link: str, commune_id
):
    from flask_babel import force_locale

    from federation.identity.notifications import absolute_url, send_mail
    from federation.texts import render

    with app.app_context(), app.test_request_context("/"):
        url = absolute_url(link, commune_id) if link else ""
        for email, locale in mailed:
            with force_locale(locale or app.config["DEFAULT_LOCALE"]):
                text = render(kind, params)
            try:
                send_mail(email, text[:120], text + (f"\n\n{url}" if url else ""))
            except OSError:  # one unreachable mail server does not undo the change
                import logging

                logging.getLogger("convergence.mail").exception("notice to %s not sent", email)


def approvers(commune_id: int, permission: str = "core.members.approve") -> list[int]:
    """Who holds ``permission`` in the commune today (its role table applies): two
    statements (the commune's role table, then the holders)."""
    from federation.identity.services import role_permission_table

    roles = sorted(r for r, held in role_permission_table(commune_id).items() if permission in held)
    if not roles:
        return []
    query = select(Membership.user_id).where(
        Membership.commune_id == commune_id, Membership.status == "active"
    )
    if "member" not in roles:
        now = utcnow()
        query = query.join(
            MembershipRole,
            (MembershipRole.membership_id == Membership.id)
            & (MembershipRole.commune_id == commune_id),
        ).where(
            MembershipRole.role.in_(roles),
            or_(MembershipRole.starts_at.is_(None), MembershipRole.starts_at <= now),
            or_(MembershipRole.expires_at.is_(None), MembershipRole.expires_at > now),
        )
    return sorted(set(db.session.scalars(query)))


def join_requested(member: Membership) -> int:
    """A join request waits: the people who may approve it are told."""
    commune = member.commune
    return tell(
        set(approvers(member.commune_id)) - {member.user_id},
        "membership.requested",
        {"user": member.user.display_name, "commune": commune.name},
        link=f"/c/{commune.slug}/admin/members",
        commune_id=commune.id,
    )


KINDS = {
    "membership.requested": lambda p: _(
        "%(u)s demande à rejoindre %(c)s : sa demande attend votre validation.",
        u=p["user"],
        c=p["commune"],
    ),
}
