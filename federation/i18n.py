"""Locale selection and the catalogs of the core and every plugin."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from federation.config import LOCALES


def _user() -> object | None:
    """The signed-in person, or None when the request's token is refused: the locale is
    also chosen while an error is answered (a body refused before the token was read), and
    the refusal must not turn that answer into a 500."""
    try:
        return current_user._get_current_object()
    except HTTPException:
        return None


def select_locale() -> str:
    """The user's choice (account, then session), then Accept-Language, then the commune's."""
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        return chosen
    user = _user()
    if getattr(user, "is_authenticated", False) and getattr(user, "locale", None) in LOCALES:
        return user.locale
    if session.get("lang") in LOCALES:
        return session["lang"]
    best = request.accept_languages.best_match(LOCALES)
    if best:
        return best
    commune = g.get("commune")
    if commune is not None and commune.default_locale in LOCALES:
        return commune.default_locale
    return current_app.config["DEFAULT_LOCALE"]


def catalog_settings(core_dir: str, plugins: list[tuple[str, str]]) -> tuple[str, str]:
    """BABEL_TRANSLATION_DIRECTORIES and BABEL_DOMAIN for the core plus each plugin."""
    dirs = [core_dir] + [path for path, _domain in plugins]
    domains = ["convergence"] + [domain for _path, domain in plugins]
    return ";".join(dirs), ";".join(domains)
