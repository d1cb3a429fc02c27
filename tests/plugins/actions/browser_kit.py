"""What the plugins' real-browser tests share: skip marks saying why (no Chromium, no
Playwright) and signing a factory-made person in through the login form."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import CHROMIUM


def missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (make install)"
    return None


MARKS = [pytest.mark.browser, pytest.mark.skipif(missing() is not None, reason=missing() or "")]


def login(page, server: str, who) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Adresse e-mail").fill(who.user.email)
    page.get_by_label("Mot de passe").fill(who.user.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/home")
