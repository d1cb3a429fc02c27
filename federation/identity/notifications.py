"""Reading notifications, the daily and weekly summaries, and e-mail through the configured
backend. Telling people goes through :mod:`federation.identity.notices` (``notify`` below is
its call for one person)."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from federation.db import db, utcnow
from federation.identity import memo
from federation.identity.models import Notification

log = logging.getLogger("convergence.mail")
#: messages sent with MAIL_BACKEND = "memory" (tests)
OUTBOX: list[EmailMessage] = []


def notify(
    user_id: int,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    link: str = "",
    commune_id: int | None = None,
) -> int:
    """Leave a notice for one person: :func:`federation.identity.notices.tell` for one
    (stored as ``kind`` + ``params``, a kind declared through ``federation_text_kinds``;
    e-mailed, or kept for the summary, as the person's preference says, in their language).
    Returns 1 when the person was told (0 for an inactive account)."""
    from federation.identity.notices import tell

    return tell([user_id], kind, params or {}, link=link, commune_id=commune_id)


def absolute_url(path: str, commune_id: int | None = None) -> str:
    """Absolute links come from configuration (the commune's own host, else BASE_URL),
    never from the request's Host header (R7)."""
    if commune_id is not None:
        from federation.tenancy.models import Commune

        commune = db.session.get(Commune, commune_id)
        if commune is not None and commune.host:
            return f"https://{commune.host}{path}"
    return current_app.config["BASE_URL"].rstrip("/") + path


def unread_count(user_id: int) -> int:
    """Unread notifications (read with the signed-in account, see identity.memo)."""
    memo.settle(db.session())
    found = memo.memo()
    if found is not None and user_id in found["unread"]:
        return found["unread"][user_id]
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def notifications_of(user_id: int, limit: int = 100) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def send_mail(to: str, subject: str, body: str) -> None:
    """Send through SMTP, keep in memory (tests) or print to the log (development)."""
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        OUTBOX.append(msg)
    elif backend == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        log.info("mail to=%s subject=%s\n%s", to, subject, body)


DIGEST_PERIODS = {"daily": 1, "weekly": 7}


def send_digests(frequency: str, now: datetime | None = None) -> int:
    """E-mail each person who chose this frequency their unread notifications since the
    last digest (one message per person). Returns how many e-mails were sent."""
    from datetime import timedelta

    from flask_babel import force_locale, ngettext

    from federation.db import utcnow
    from federation.identity.models import User

    if frequency not in DIGEST_PERIODS:
        raise ValueError(f"unknown digest frequency {frequency!r}")
    now = now or utcnow()
    due_before = now - timedelta(days=DIGEST_PERIODS[frequency]) + timedelta(minutes=5)
    sent = 0
    for user in db.session.scalars(
        select(User).where(User.digest == frequency, User.active.is_(True))
    ):
        last = user.digest_sent_at
        if last is not None and last.replace(tzinfo=None) > due_before.replace(tzinfo=None):
            continue
        query = select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
        if last is not None:
            query = query.where(Notification.created_at > last)
        items = list(db.session.scalars(query.order_by(Notification.created_at)))
        if not items:
            continue
        with force_locale(user.locale or current_app.config["DEFAULT_LOCALE"]):
            subject = ngettext(
                "Votre notification sur %(site)s",
                "Vos %(num)d notifications sur %(site)s",
                len(items),
                site=current_app.config["DEPLOYMENT_NAME"],
            )
            lines = [
                f"- {n.text}" + (f"\n  {absolute_url(n.link, n.commune_id)}" if n.link else "")
                for n in items
            ]
        send_mail(user.email, subject, "\n".join(lines))
        user.digest_sent_at = now
        sent += 1
    return sent
