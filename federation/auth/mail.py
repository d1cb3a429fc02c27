"""The e-mails of this package, in the reader's language, with links from configuration."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import force_locale

from federation.identity.models import User
from federation.identity.notifications import absolute_url, send_mail

#: (link, site name) → (subject, paragraphs), called in the reader's language
Compose = Callable[[str, str], tuple[str, list[str]]]


def send_account_mail(user: User, path: str, compose: Compose) -> None:
    """Send ``user`` the message ``compose`` writes, in their language. The link is built
    from ``BASE_URL``, never from the request's Host header (R7)."""
    config = current_app.config
    with force_locale(user.locale or config["DEFAULT_LOCALE"]):
        subject, paragraphs = compose(absolute_url(path), config["DEPLOYMENT_NAME"])
        send_mail(user.email, subject, "\n\n".join(paragraphs) + "\n")
