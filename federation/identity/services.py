"""Accounts, memberships, roles, permission checks and API tokens (no request objects here)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from federation.db import db, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.identity import memo, passwords
from federation.identity.models import (
    ApiToken,
    CommuneRolePermission,
    FederationRole,
    Membership,
    MembershipRole,
    User,
)
from federation.identity.permissions import (
    COMMUNE_ROLES,
    FEDERATION_ROLES,
    PermissionRegistry,
)
from federation.security_log import security_event
from federation.tenancy.context import commune_scope

TOKEN_PREFIX = "cvg_"  # noqa: S105 - a public prefix, not a secret


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# --- accounts ---------------------------------------------------------------------------


def validate_password(password: str, field: str = "password") -> None:
    if len(password or "") < passwords.MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _(
                "Le mot de passe doit comporter au moins %(n)d caractères.",
                n=passwords.MIN_PASSWORD_LENGTH,
            ),
            field=field,
        )


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    email: str,
    password: str,
    display_name: str,
    *,
    locale: str | None = None,
    is_platform_admin: bool = False,
) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ValidationFailed(_("Adresse e-mail invalide."), field="email")
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationFailed(_("Le nom affiché est obligatoire."), field="display_name")
    if len(display_name) > 120:
        raise ValidationFailed(
            _("Le nom affiché est trop long (120 caractères au plus)."), field="display_name"
        )
    validate_password(password)
    if find_user_by_email(email) is not None:
        raise Conflict(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
    user = User(
        email=email,
        display_name=display_name,
        locale=locale,
        password_hash=passwords.hash_password(password),
        is_platform_admin=is_platform_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches; rehashes a hash made with older parameters."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        # spend the same time as a real check so that timing does not reveal accounts
        passwords.verify_password(_DUMMY_HASH(), password or "")
        return None
    if not passwords.verify_password(user.password_hash, password or ""):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    return user


_dummy: list[str] = []


def _DUMMY_HASH() -> str:
    if not _dummy:
        _dummy.append(passwords.hash_password(secrets.token_urlsafe(16)))
    return _dummy[0]


def change_password(user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current or ""):
        raise ValidationFailed(_("Le mot de passe actuel est incorrect."), field="current_password")
    validate_password(new, field="new_password")
    user.password_hash = passwords.hash_password(new)
    user.session_version += 1  # every other session ends


def user_by_session_id(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = _load_signed_in(user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def _load_signed_in(user_id: int) -> User | None:
    """The account with its memberships, their roles and its unread notifications count,
    in one statement; the request's memo keeps them (:mod:`federation.identity.memo`)."""
    from federation.identity.models import Notification
    from federation.tenancy.models import Commune

    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    rows = (
        db.session.execute(
            select(User, Membership, unread)
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Commune, Commune.id == Membership.commune_id)
            .where(User.id == user_id)
            .options(joinedload(Membership.roles), lazyload(Membership.user))
            .order_by(Commune.name, Membership.id)
        )
        .unique()
        .all()
    )
    if not rows:
        return None
    found = memo.memo()
    if found is not None:
        found["memberships"][user_id] = [row[1] for row in rows if row[1] is not None]
        found["unread"][user_id] = rows[0][2] or 0
    return rows[0][0]


# --- memberships and roles ----------------------------------------------------------------


def membership(commune_id: int, user_id: int) -> Membership | None:
    """The person's membership of the commune (any status), from the request's memo."""
    for member in memberships_of(user_id):
        if member.commune_id == commune_id:
            return member
    return None


def is_active_member(commune_id: int, user_id: int) -> bool:
    """The person is a verified member of the commune (from the request's memo)."""
    member = membership(commune_id, user_id)
    return member is not None and member.is_active


def memberships_of(user_id: int) -> list[Membership]:
    """Every membership of the person with its roles, by commune name: one statement per
    request and person (:mod:`federation.identity.memo`)."""
    from federation.tenancy.models import Commune

    memo.settle(db.session())
    found = memo.memo()
    if found is not None and user_id in found["memberships"]:
        return list(found["memberships"][user_id])
    members = list(
        db.session.scalars(
            select(Membership)
            .join(Commune, Commune.id == Membership.commune_id)
            .where(Membership.user_id == user_id)
            .options(joinedload(Membership.roles))
            .order_by(Commune.name, Membership.id)
        ).unique()
    )
    if found is not None:
        found["memberships"][user_id] = members
    return list(members)


def members_of(commune_id: int, status: str | None = None) -> list[Membership]:
    query = select(Membership).where(Membership.commune_id == commune_id)
    if status:
        query = query.where(Membership.status == status)
    return list(db.session.scalars(query.order_by(Membership.created_at)))


def request_membership(commune_id: int, user: User, message: str = "") -> Membership:
    existing = membership(commune_id, user.id)
    if existing is not None:
        if existing.status in ("left", "refused"):
            existing.status = "pending"
            existing.message = message
            return existing
        raise Conflict(_("Vous avez déjà une adhésion ou une demande pour cette commune."))
    if len(message) > 2000:
        raise ValidationFailed(_("Message trop long (2000 caractères au plus)."), field="message")
    member = Membership(commune_id=commune_id, user_id=user.id, status="pending", message=message)
    db.session.add(member)
    db.session.flush()
    return member


def activate_membership(member: Membership, *, by: User | None, method: str) -> None:
    member.status = "active"
    member.verified_at = utcnow()
    member.verified_by_id = by.id if by else None
    member.verification_method = method


def refuse_membership(member: Membership) -> None:
    if member.status != "pending":
        raise Conflict(_("Seule une demande en attente peut être refusée."))
    member.status = "refused"


def grant_role(
    member: Membership, role: str, *, source: str = "admin", expires_at=None, starts_at=None
) -> None:
    if role not in COMMUNE_ROLES:
        raise ValidationFailed(_("Rôle inconnu : %(role)s", role=role), field="role")
    if role == "member":
        return  # every active member holds it
    if not member.is_active:
        raise Conflict(_("Le rôle ne peut être donné qu'à un·e membre vérifié·e."))
    for held in member.roles:
        if held.role == role and held.source == source:
            held.expires_at = expires_at
            held.starts_at = starts_at
            return
    member.roles.append(
        MembershipRole(
            commune_id=member.commune_id,
            role=role,
            source=source,
            expires_at=expires_at,
            starts_at=starts_at,
        )
    )
    security_event(
        "role_granted", member=member.user_id, role=role, source=source, at=member.commune_id
    )


def revoke_role(member: Membership, role: str, *, source: str = "admin") -> None:
    if role not in COMMUNE_ROLES:
        raise ValidationFailed(_("Rôle inconnu : %(role)s", role=role), field="role")
    for held in list(member.roles):
        if held.role == role and held.source == source:
            member.roles.remove(held)
            security_event("role_revoked", member=member.user_id, role=role, at=member.commune_id)


def grant_federation_role(
    federation_id: int, user: User, role: str, commune_id: int | None = None
) -> FederationRole:
    if role not in FEDERATION_ROLES:
        raise ValidationFailed(_("Rôle inconnu : %(role)s", role=role), field="role")
    existing = db.session.scalar(
        select(FederationRole).where(
            FederationRole.federation_id == federation_id,
            FederationRole.user_id == user.id,
            FederationRole.role == role,
        )
    )
    if existing:
        return existing
    fed_role = FederationRole(
        federation_id=federation_id, user_id=user.id, role=role, commune_id=commune_id
    )
    db.session.add(fed_role)
    db.session.flush()
    security_event("federation_role_granted", member=user.id, role=role, federation=federation_id)
    return fed_role


def federation_roles_of(user_id: int, federation_id: int) -> set[str]:
    """The person's roles in the federation today (from the request's list of the
    federation's role holders when a page read it already: identity.memo)."""
    now = utcnow()
    memo.settle(db.session())
    found = memo.memo()
    if found is not None and federation_id in found["federation_roles"]:
        roles = [r for r in found["federation_roles"][federation_id] if r.user_id == user_id]
    else:
        roles = db.session.scalars(
            select(FederationRole).where(
                FederationRole.user_id == user_id, FederationRole.federation_id == federation_id
            )
        )
    naive = now.replace(tzinfo=None)
    return {
        r.role
        for r in roles
        if (r.expires_at is None or r.expires_at.replace(tzinfo=None) > naive)
        and (r.starts_at is None or r.starts_at.replace(tzinfo=None) <= naive)
    }


def federation_role_holders(federation_id: int) -> list[FederationRole]:
    """Everyone holding a role in the federation, read once per request (identity.memo)."""
    memo.settle(db.session())
    found = memo.memo()
    if found is not None and federation_id in found["federation_roles"]:
        return list(found["federation_roles"][federation_id])
    rows = list(
        db.session.scalars(
            select(FederationRole)
            .where(FederationRole.federation_id == federation_id)
            .order_by(FederationRole.role, FederationRole.id)
        )
    )
    if found is not None:
        found["federation_roles"][federation_id] = rows
    return rows


# --- permissions --------------------------------------------------------------------------


def registry() -> PermissionRegistry:
    return current_app.extensions["convergence"].permissions


def role_permission_table(commune_id: int) -> dict[str, set[str]]:
    """The commune's effective role → permissions table (cached per request)."""
    cache = g.setdefault("_role_tables", {}) if has_app_context() else {}
    if commune_id not in cache:
        with commune_scope(commune_id):
            overrides = db.session.execute(
                select(
                    CommuneRolePermission.role,
                    CommuneRolePermission.permission,
                    CommuneRolePermission.granted,
                )
            ).all()
        cache[commune_id] = registry().effective_table(overrides)
    return cache[commune_id]


def set_role_permission(commune_id: int, role: str, perm_name: str, granted: bool) -> None:
    if role not in COMMUNE_ROLES:
        raise ValidationFailed(_("Rôle inconnu : %(role)s", role=role), field="role")
    if perm_name not in registry():
        raise ValidationFailed(_("Permission inconnue : %(p)s", p=perm_name), field="permission")
    with commune_scope(commune_id):
        row = db.session.scalar(
            select(CommuneRolePermission).where(
                CommuneRolePermission.role == role,
                CommuneRolePermission.permission == perm_name,
            )
        )
        if row is None:
            db.session.add(
                CommuneRolePermission(
                    commune_id=commune_id, role=role, permission=perm_name, granted=granted
                )
            )
        else:
            row.granted = granted
        db.session.flush()
    security_event(
        "role_rule_changed", at=commune_id, role=role, permission=perm_name, granted=granted
    )
    if has_app_context():
        g.pop("_role_tables", None)
        memo.forget()


def roles_in(user: User, commune_id: int) -> set[str]:
    member = membership(commune_id, user.id)
    if member is None or not member.is_active:
        return set()
    return {"member"} | member.role_names()


def permissions_in(user: User, commune_id: int) -> set[str]:
    """What the person may do in the commune (kept by the request's memo)."""
    if getattr(user, "is_platform_admin", False):
        return {p.name for p in registry().all()}
    memo.settle(db.session())
    found = memo.memo()
    key = (user.id, commune_id)
    if found is not None and key in found["permissions"]:
        return found["permissions"][key]
    table = role_permission_table(commune_id)
    held: set[str] = set()
    for role in roles_in(user, commune_id):
        held |= table.get(role, set())
    if found is not None:
        found["permissions"][key] = held
    return held


def has_permission(user: object, perm_name: str, commune_id: int | None) -> bool:
    if perm_name not in registry():
        raise KeyError(f"undeclared permission {perm_name!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_platform_admin", False):
        return True
    if commune_id is None:
        return False
    return perm_name in permissions_in(user, commune_id)  # type: ignore[arg-type]


# --- API tokens ---------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the secret, shown once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed(_("Donnez un nom de 1 à 80 caractères au jeton."), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_for_token(secret: str) -> User | None:
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Jeton introuvable."))
    token.revoked_at = token.revoked_at or utcnow()


def delete_user(user: User) -> None:
    db.session.delete(user)


def user_summary(users: Iterable[User]) -> list[dict[str, object]]:
    return [{"id": u.id, "display_name": u.display_name} for u in users]
