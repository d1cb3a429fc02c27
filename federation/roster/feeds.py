"""iCalendar feeds (RFC 5545, through the ``icalendar`` package): a person's shifts behind a
secret, revocable URL, and a circle's shifts (public: no names).

A person's URL carries ``<row id>.<HMAC>``: the HMAC (SHA-256, keyed by the deployment's
secret) covers the commune, the row, the person and a random nonce stored in the row.
Renewing draws a new nonce (the old URL stops working); revoking deletes the row. Nothing
that would open the feed is stored in clear."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from federation.db import db, utcnow
from federation.roster.models import FeedToken, Shift
from federation.roster.services import aware, current_commune_id

PRODID = "-//Convergence//Tours de rôle//FR"


def _signature(row: FeedToken) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    message = f"roster-feed:{row.commune_id}:{row.id}:{row.user_id}:{row.nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def feed_token(user_id: int) -> str | None:
    """The person's current feed token in this commune, or None (read-only)."""
    row = db.session.scalar(select(FeedToken).where(FeedToken.user_id == user_id))
    return f"{row.id}.{_signature(row)}" if row else None


def renew_feed(user_id: int) -> str:
    """Create the person's feed, or give it a new secret (the old URL stops working)."""
    row = db.session.scalar(select(FeedToken).where(FeedToken.user_id == user_id))
    if row is None:
        row = FeedToken(user_id=user_id, nonce=secrets.token_hex(16))
        db.session.add(row)
    else:
        row.nonce = secrets.token_hex(16)
    db.session.flush()
    return f"{row.id}.{_signature(row)}"


def revoke_feed(user_id: int) -> None:
    row = db.session.scalar(select(FeedToken).where(FeedToken.user_id == user_id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def user_for_feed(token: str) -> int | None:
    """The person a feed token opens in the current commune, or None."""
    row_id, _dot, signature = (token or "").partition(".")
    if not row_id.isdigit() or len(row_id) > 10 or not signature:
        return None
    row = db.session.get(FeedToken, int(row_id))
    if row is None or not hmac.compare_digest(_signature(row), signature):
        return None
    return row.user_id


def person_shifts(user_id: int) -> list[Shift]:
    from federation.roster.models import Signup

    since = utcnow() - timedelta(days=30)
    return list(
        db.session.scalars(
            select(Shift)
            .join(Signup, Signup.shift_id == Shift.id)
            .where(Signup.user_id == user_id, Signup.status == "active", Shift.ends_at >= since)
            .order_by(Shift.starts_at)
        )
    )


def circle_shifts(body_id: int) -> list[Shift]:
    since = utcnow() - timedelta(days=30)
    return list(
        db.session.scalars(
            select(Shift)
            .where(Shift.body_id == body_id, Shift.ends_at >= since)
            .order_by(Shift.starts_at)
        )
    )


def calendar(name: str, items: Iterable[Shift], host: str) -> bytes:
    """An RFC 5545 calendar of shifts (UTC times; cancelled shifts marked so)."""
    from federation.calendar.ical import CalendarEvent, feed

    commune_id = current_commune_id()
    return feed(
        name,
        (
            CalendarEvent(
                uid=f"roster-shift-{commune_id}-{shift.id}@{host}",
                start=aware(shift.starts_at),
                end=aware(shift.ends_at),
                summary=shift.display_title,
                location=shift.place or "",
                description=shift.tasks or "",
                cancelled=shift.status == "cancelled",
                stamp=aware(shift.created_at or utcnow()),
            )
            for shift in items
        ),
        prodid=PRODID,
    )
