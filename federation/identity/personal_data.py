"""Personal-data export and erasure (GDPR), the core's part plus every plugin's."""

from __future__ import annotations

from typing import Any

from federation.db import db
from federation.identity import services
from federation.identity.models import User
from federation.identity.notifications import notifications_of
from federation.plugins.services import manager
from federation.tenancy.context import unscoped


def export_user(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "locale": user.locale,
            "created_at": user.created_at,
            "last_login_at": user.last_login_at,
        },
        "memberships": [
            {
                "commune": m.commune.slug,
                "status": m.status,
                "roles": sorted(m.role_names()),
                "since": m.created_at,
                "message": m.message,
            }
            for m in services.memberships_of(user.id)
        ],
        "notifications": [
            {
                "message": n.text,
                "kind": n.kind,
                "link": n.link,
                "at": n.created_at,
                "read_at": n.read_at,
            }
            for n in notifications_of(user.id, limit=10_000)
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at,
                "revoked_at": t.revoked_at,
            }
            for t in services.tokens_of(user)
        ],
        "plugins": {},
    }
    with unscoped():  # the person's own data, in every commune
        for plugin, part in manager().call_isolated("federation_user_data_export", user=user):
            data["plugins"][plugin] = part
    return data


def erase_user(user: User) -> None:
    """Plugins erase or anonymise first, then the account and what hangs on it goes.

    Public-journal entries keep the name they were signed with: the journal is a
    public record and is append-only.
    """
    with unscoped():
        manager().hook.federation_user_data_erase(user=user)
        db.session.flush()
    db.session.delete(user)
    db.session.flush()
