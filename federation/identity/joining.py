"""Asking to join a commune, verification, and telling the people concerned."""

from __future__ import annotations

from typing import Any

from federation.auth.verification import require_verified_email
from federation.identity import services
from federation.identity.models import Membership, User
from federation.identity.notifications import notify
from federation.tenancy.models import Commune


def join(
    commune: Commune, user: User, methods: dict[str, Any], *, message: str = "", value: str = ""
) -> Membership:
    """Record a join request and run the commune's verification method on it. The person's
    e-mail address must be verified first: no method admits an unproven address."""
    require_verified_email(user)
    member = services.request_membership(commune.id, user, message)
    method = methods.get(commune.verification_method) or methods["approval"]
    if method.verify is not None and method.verify(member, value or ""):
        services.activate_membership(member, by=None, method=method.name)
        notify(
            user.id,
            kind="membership.verified",
            params={"commune": commune.name},
            link=f"/c/{commune.slug}/",
            commune_id=commune.id,
        )
    else:
        from federation.identity.notices import join_requested

        join_requested(member)  # the people who may approve it are told
        notify(
            user.id,
            kind="membership.pending",
            params={"commune": commune.name},
            link=f"/c/{commune.slug}/",
            commune_id=commune.id,
        )
    return member


def approve(member: Membership, by: User) -> None:
    require_verified_email(member.user)
    services.activate_membership(member, by=by, method="approval")
    notify(
        member.user_id,
        kind="membership.approved",
        params={"commune": member.commune.name},
        link=f"/c/{member.commune.slug}/",
        commune_id=member.commune_id,
    )


def refuse(member: Membership, by: User) -> None:
    services.refuse_membership(member)
    notify(
        member.user_id,
        kind="membership.refused",
        params={"commune": member.commune.name},
        commune_id=member.commune_id,
    )
