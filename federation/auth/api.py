"""REST endpoints of account recovery: password reset and e-mail verification.

Asking for a reset answers 202 whether or not an account has the address (nothing is
revealed); the links' tokens are those of the e-mails (see :mod:`federation.auth.tokens`).
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from federation.api.auth import require_user
from federation.api.errors import service_errors
from federation.api.fields import DateTime
from federation.auth import reset, verification
from federation.db import db
from federation.tenancy.schemas import StrictSchema

blp = Blueprint(
    "api_auth",
    __name__,
    url_prefix="/api/v1/auth",
    description="Mot de passe oublié, confirmation de l'adresse e-mail",
)


class ResetRequestSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))


class ResetConfirmSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(1, 500))
    password = fields.String(required=True, validate=validate.Length(1, 200))


class VerifyConfirmSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(1, 500))


class AcceptedSchema(StrictSchema):
    status = fields.String(dump_only=True)


class EmailStatusSchema(StrictSchema):
    email = fields.String(dump_only=True)
    verified = fields.Boolean(dump_only=True)
    verified_at = DateTime(dump_only=True, allow_none=True)
    sent = fields.Boolean(dump_only=True)


def _status(user, sent: bool = False) -> dict:
    return {
        "email": user.email,
        "verified": verification.is_verified(user),
        "verified_at": user.email_verified_at,
        "sent": sent,
    }


@blp.route("/password-reset", methods=["POST"])
@blp.arguments(ResetRequestSchema)
@blp.response(202, AcceptedSchema)
def password_reset_request(data):
    """Mail a reset link if an account has this address (the answer is the same if not)."""
    reset.request_password_reset(data["email"])
    db.session.commit()
    return {"status": "accepted"}


@blp.route("/password-reset/confirm", methods=["POST"])
@blp.arguments(ResetConfirmSchema)
@blp.response(204)
def password_reset_confirm(data):
    """Set a new password with the link's token; the token then stops working and every
    session of the account ends (API tokens stay: revoke them under /me/tokens)."""
    with service_errors():
        reset.reset_password(data["token"], data["password"])
    db.session.commit()


@blp.route("/email-verification", methods=["GET"])
@blp.response(200, EmailStatusSchema)
def email_verification_status():
    """Whether the caller's address is verified."""
    return _status(require_user())


@blp.route("/email-verification", methods=["POST"])
@blp.response(202, EmailStatusSchema)
def email_verification_request():
    """Mail the caller a verification link (``sent`` is false when already verified)."""
    user = require_user()
    sent = verification.send_verification(user)
    db.session.commit()
    return _status(user, sent)


@blp.route("/email-verification/confirm", methods=["POST"])
@blp.arguments(VerifyConfirmSchema)
@blp.response(200, EmailStatusSchema)
def email_verification_confirm(data):
    """Confirm an address with the token of the link sent to it."""
    with service_errors():
        user = verification.confirm_email(data["token"])
    db.session.commit()
    return _status(user)
