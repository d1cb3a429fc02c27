"""Limits on signing in and on the e-mails of account recovery (R17), in shared storage
(Redis when ``REDIS_URL`` is set, so every worker counts together).

Only **failed** sign-ins count, per address (``LOGIN_RATE_LIMIT``) and per account tried
(``LOGIN_ACCOUNT_RATE_LIMIT``): a room of 40 people signing in over one Wi-Fi within a
minute never meets the limit, since their successful sign-ins are not counted; a 41st
failed attempt from one address in ten minutes is refused (429) before the password is
even checked. The sign-in view answers 422 exactly when an attempt failed (wrong password,
unknown account, incomplete form), 302 when it succeeded.

Asking for a reset or verification e-mail is counted every time, per address and per
address asked for, since each request may send a message.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request

#: endpoints whose every POST may send an e-mail: limited per address and per account
MAIL_ENDPOINTS = (
    "auth_recovery.forgot_password",
    "auth_recovery.resend_verification",
    "api_auth.password_reset_request",
    "api_auth.email_verification_request",
)


def failed_attempt(response: Response) -> bool:
    """A sign-in attempt failed (the only ones the limits count)."""
    return response.status_code == 422


def _account_tried() -> str:
    """The account a request names: the form's or the JSON body's e-mail address, else
    the signed-in person (asking for a verification e-mail names no address)."""
    email = request.form.get("email")
    if email is None and request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return f"user:{current_user.id}"
        email = ""
    return "account:" + email.strip().lower()[:254]


def _wrap(app: Flask, endpoint: str, *decorators: Callable) -> None:
    view = app.view_functions[endpoint]
    for decorator in reversed(decorators):
        view = decorator(view)
    app.view_functions[endpoint] = view


def install(app: Flask) -> None:
    """Put the limits on the sign-in view and on the views that send account e-mails."""
    limiter = app.extensions["convergence"].limiter
    config = app.config
    _wrap(
        app,
        "auth.login",
        limiter.limit(
            config["LOGIN_RATE_LIMIT"],
            methods=["POST"],
            scope="login-address",
            deduct_when=failed_attempt,
        ),
        limiter.limit(
            config["LOGIN_ACCOUNT_RATE_LIMIT"],
            key_func=_account_tried,
            methods=["POST"],
            scope="login-account",
            deduct_when=failed_attempt,
        ),
    )
    # shared by the pages and the API: asking through one does not reset the other
    per_address = limiter.shared_limit(
        config["ACCOUNT_MAIL_RATE_LIMIT"], scope="account-mail-address", methods=["POST"]
    )
    per_account = limiter.shared_limit(
        config["ACCOUNT_MAIL_PER_ACCOUNT_RATE_LIMIT"],
        scope="account-mail-account",
        key_func=_account_tried,
        methods=["POST"],
    )
    missing = [e for e in MAIL_ENDPOINTS if e not in app.view_functions]
    if missing:
        # a limit that silently wraps nothing is no limit: the API's reset e-mails went
        # unlimited once its blueprints were registered after this ran
        raise RuntimeError(f"limits installed before these views exist: {', '.join(missing)}")
    for endpoint in MAIL_ENDPOINTS:
        _wrap(app, endpoint, per_address, per_account)
