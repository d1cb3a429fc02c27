"""Links sent by e-mail: signed, expiring, and single use without a table.

Why itsdangerous rather than a stored hashed token: the link carries the account id, the
time it was made and a fingerprint of the account's state, signed with ``SECRET_KEY``
(HMAC). Using the link changes that state (a password reset changes the password hash and
the session version; a verification sets ``email_verified_at``), so the fingerprint no
longer matches and the same link is refused: single use, with nothing stored, nothing to
purge, and the same answer from every worker. Any other change of the state (a new
password, "log out everywhere", a new address) voids outstanding links too. The cost: a
newer link does not void an older unused one; both die at first use or at expiry.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from federation.db import db, lock_row
from federation.errors import ValidationFailed
from federation.identity.models import User

RESET = "password-reset"
VERIFY = "email-verification"


def _state(purpose: str, user: User) -> str:
    """What using the link changes: the link is good only while it is unchanged."""
    if purpose == RESET:
        return f"{user.email}|{user.password_hash}|{user.session_version}|{user.active}"
    return f"{user.email}|{user.email_verified_at is not None}"


def fingerprint(purpose: str, user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{purpose}|{user.id}|{_state(purpose, user)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"convergence.{purpose}")


def make_token(purpose: str, user: User) -> str:
    return str(_serializer(purpose).dumps([user.id, fingerprint(purpose, user)]))


def user_for_token(purpose: str, token: str, max_age: int, *, lock: bool = False) -> User:
    """The account a link was made for; a link that is forged, expired or already used is
    refused with an error on the ``token`` field. ``lock`` (to use the link, not to show
    its page): the account's row is locked first, so that of two uses at once the second
    sees the first one's change and is refused."""
    try:
        user_id, mark = _serializer(purpose).loads(token or "", max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed(
            _("Ce lien a expiré. Demandez-en un nouveau."), field="token"
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise ValidationFailed(_("Ce lien n'est pas valide."), field="token") from None
    if not isinstance(user_id, int):
        raise ValidationFailed(_("Ce lien n'est pas valide."), field="token")
    if lock:
        lock_row(User, user_id)
    user = db.session.get(User, user_id, populate_existing=lock)
    if user is None or not hmac.compare_digest(str(mark), fingerprint(purpose, user)):
        raise ValidationFailed(
            _("Ce lien a déjà servi ou n'est plus valable. Demandez-en un nouveau."),
            field="token",
        )
    return user
