"""Proving one receives mail at one's address.

No verification method of a commune (residents list, invitation code, a facilitator's
approval) grants a membership, and so the right to vote, before the address is verified:
:func:`require_verified_email` is called by :mod:`federation.identity.joining` before any
method runs. The residents list compares addresses: without this, anyone typing a listed
address would have been admitted in that person's name.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from federation.auth import tokens
from federation.auth.mail import send_account_mail
from federation.db import utcnow
from federation.errors import Conflict
from federation.identity.models import User
from federation.security import security_event


def is_verified(user: User) -> bool:
    return user.email_verified_at is not None


def require_verified_email(user: User) -> None:
    if not is_verified(user):
        raise Conflict(
            _(
                "Confirmez d'abord votre adresse e-mail : suivez le lien que nous vous avons "
                "envoyé, ou demandez-en un nouveau depuis la page « Adresse e-mail »."
            ),
            field="email",
        )


def send_verification(user: User) -> bool:
    """Mail a verification link; False (nothing sent) when the address is verified."""
    if is_verified(user):
        return False
    token = tokens.make_token(tokens.VERIFY, user)
    days = current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 86400

    def compose(link: str, site: str) -> tuple[str, list[str]]:
        return _("Confirmez votre adresse e-mail"), [
            _("Bonjour %(name)s,", name=user.display_name),
            _(
                "Pour confirmer que cette adresse est bien la vôtre sur %(site)s, ouvrez ce lien :",
                site=site,
            ),
            link,
            ngettext(
                "Une commune ne peut valider votre adhésion qu'une fois votre adresse "
                "confirmée. Ce lien expire dans %(num)d jour. Si vous n'avez pas créé de "
                "compte, ignorez ce message.",
                "Une commune ne peut valider votre adhésion qu'une fois votre adresse "
                "confirmée. Ce lien expire dans %(num)d jours. Si vous n'avez pas créé de "
                "compte, ignorez ce message.",
                days,
            ),
        ]

    send_account_mail(user, f"/email/verify/{token}", compose)
    security_event("email_verification_sent", user_id=user.id)
    return True


def check_verification_token(token: str, *, lock: bool = False) -> User:
    max_age = current_app.config["EMAIL_VERIFICATION_MAX_AGE"]
    return tokens.user_for_token(tokens.VERIFY, token, max_age, lock=lock)


def confirm_email(token: str) -> User:
    """Mark the address of a verification link verified; the link then stops working."""
    user = check_verification_token(token, lock=True)
    user.email_verified_at = utcnow()
    security_event("email_verified", user_id=user.id)
    return user


def mark_verified(user: User) -> None:
    """For operators (CLI) and test fixtures that vouch for an address themselves."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


def send_after_signup(user: User) -> None:
    """The first verification e-mail, right after an account is created. A mail server
    that does not answer does not undo the account: the person asks again later."""
    import logging
    import smtplib

    try:
        send_verification(user)
    except (OSError, smtplib.SMTPException):
        logging.getLogger("convergence.mail").exception("verification e-mail not sent")
