"""REST endpoints: the current user, memberships and roles, personal tokens."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from federation.api import api_error
from federation.api.auth import require_user
from federation.api.errors import service_errors
from federation.db import db
from federation.errors import NotFound
from federation.identity import joining, services
from federation.identity.decorators import check_permission
from federation.identity.models import Membership
from federation.identity.schemas import (
    JoinRequestSchema,
    MembershipSchema,
    NewTokenSchema,
    RoleSchema,
    TokenCreateSchema,
    TokenSchema,
    UserSchema,
)
from federation.plugins.services import verification_methods
from federation.security import no_store

blp = Blueprint(
    "api_identity",
    __name__,
    url_prefix="/api/v1",
    description="Comptes, adhésions, rôles et jetons",
)


def _membership_here(membership_id: int) -> Membership:
    """A membership of the current commune, or 404 (memberships are a global table)."""
    member = db.session.get(Membership, membership_id)
    if member is None or member.commune_id != g.commune.id:
        api_error(404, message="membership not found in this commune")
    return member


@blp.route("/me")
@blp.response(200, UserSchema)
def me():
    """The account the token belongs to."""
    return require_user()


@blp.route("/me/memberships")
@blp.response(200, MembershipSchema(many=True))
def my_memberships():
    """The caller's memberships in every commune."""
    return services.memberships_of(require_user().id)


@blp.route("/me/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """The caller's personal API tokens (never their secrets)."""
        return services.tokens_of(require_user())

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Create a token; its secret is in this answer only."""
        user = require_user()
        with service_errors():
            token, secret = services.create_token(user, data["name"])
        db.session.commit()
        no_store()
        return {
            **{
                k: getattr(token, k)
                for k in ("id", "name", "prefix", "created_at", "last_used_at", "revoked_at")
            },
            "token": secret,
        }


@blp.route("/me/tokens/<int:token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_token(token_id):
    """Revoke one of the caller's tokens."""
    user = require_user()
    with service_errors():
        services.revoke_token(user, token_id)
    db.session.commit()


@blp.route("/communes/<commune>/memberships")
class Memberships(MethodView):
    @blp.response(200, MembershipSchema(many=True))
    def get(self):
        """Members and join requests of the commune (people who approve requests)."""
        check_permission("core.members.approve")
        return services.members_of(g.commune.id)

    @blp.arguments(JoinRequestSchema)
    @blp.response(201, MembershipSchema)
    def post(self, data):
        """Ask to join the commune; verified at once when the commune's method allows."""
        user = require_user()
        with service_errors():
            member = joining.join(
                g.commune,
                user,
                verification_methods(),
                message=data["message"],
                value=data["verification_value"],
            )
        db.session.commit()
        return member


@blp.route("/communes/<commune>/memberships/<int:membership_id>/approve", methods=["POST"])
@blp.response(200, MembershipSchema)
def approve_membership(membership_id):
    """Approve a pending join request."""
    user = check_permission("core.members.approve")
    member = _membership_here(membership_id)
    if member.status != "pending":
        api_error(409, errors={"status": ["only a pending request can be approved"]})
    joining.approve(member, user)
    db.session.commit()
    return member


@blp.route("/communes/<commune>/memberships/<int:membership_id>/roles", methods=["POST"])
@blp.arguments(RoleSchema)
@blp.response(200, MembershipSchema)
def grant_role(data, membership_id):
    """Give a role to a member."""
    check_permission("core.members.roles")
    member = _membership_here(membership_id)
    with service_errors():
        services.grant_role(member, data["role"])
    db.session.commit()
    return member


@blp.route("/communes/<commune>/memberships/<int:membership_id>/roles/<role>", methods=["DELETE"])
@blp.response(200, MembershipSchema)
def revoke_role(membership_id, role):
    """Take a role back from a member."""
    check_permission("core.members.roles")
    member = _membership_here(membership_id)
    with service_errors():
        services.revoke_role(member, role)
    db.session.commit()
    return member


@blp.route("/communes/<commune>/permissions")
@blp.response(200)
def role_permissions():
    """The commune's role × permission table (public: how power is shared is public)."""
    table = services.role_permission_table(g.commune.id)
    return {role: sorted(perms) for role, perms in table.items()}


__all__ = ["NotFound", "blp"]
