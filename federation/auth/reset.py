"""Password reset by e-mail ("mot de passe oublié"): the only service path, used by the
web pages and the API alike."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from federation.auth import tokens
from federation.auth.mail import send_account_mail
from federation.db import utcnow
from federation.identity import passwords
from federation.identity.models import User
from federation.identity.services import find_user_by_email, validate_password
from federation.security import security_event


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address. The caller answers the
    same way whether or not one has: the answer does not reveal who has an account."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        security_event("password_reset_unknown")
        return
    token = tokens.make_token(tokens.RESET, user)

    def compose(link: str, site: str) -> tuple[str, list[str]]:
        return _("Réinitialiser votre mot de passe"), [
            _("Bonjour %(name)s,", name=user.display_name),
            _(
                "Quelqu'un, sans doute vous, a demandé à changer le mot de passe de votre "
                "compte sur %(site)s. Pour choisir un nouveau mot de passe, ouvrez ce lien :",
                site=site,
            ),
            link,
            _(
                "Ce lien sert une seule fois et expire dans %(n)d minutes. Si vous n'avez "
                "rien demandé, ignorez ce message : votre mot de passe ne change pas.",
                n=max_age_minutes(),
            ),
        ]

    send_account_mail(user, f"/password/reset/{token}", compose)
    security_event("password_reset_requested", user_id=user.id)


def max_age_minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)


def check_reset_token(token: str, *, lock: bool = False) -> User:
    """The account of a reset link still usable (ValidationFailed on ``token`` otherwise)."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    return tokens.user_for_token(tokens.RESET, token, max_age, lock=lock)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a link. The link then stops working (the password hash
    and the session version it was bound to change), every open session ends, and the
    address counts as verified: the link reached its mailbox."""
    user = check_reset_token(token, lock=True)
    validate_password(new_password, field="password")
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    security_event("password_reset_done", user_id=user.id)
    return user
