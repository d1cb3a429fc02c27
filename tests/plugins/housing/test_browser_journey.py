"""In a real browser: an inhabitant reports a vacant house, the housing circle confirms it
and moves its follow-up, the inhabitant pledges to a collective purchase; axe-core finds no
serious or critical WCAG 2.1 AA violation on the housing pages seen on the way.

Skips, saying why, without Chromium, Playwright or axe-core (``make install``)."""

from __future__ import annotations

import pytest
from convergence_housing import collective

from tests.browser.fixtures import AXE, CHROMIUM

from .conftest import user


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (make install)"
    if not AXE.exists():
        return f"axe-core not installed at {AXE}"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]


def _login(page, live_server, ref) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Adresse e-mail").fill(ref.user.email)
    page.get_by_label("Mot de passe").fill(ref.user.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server}/home")


def test_report_confirm_follow_and_pledge(live_server, new_page, axe, town, in_commune):
    with in_commune(town.commune):
        project_id = collective.create_project(
            {"name": "Ancienne école", "price": "1000"}, user(town.facilitator)
        ).id
    violations: dict[str, list] = {}

    def check(page) -> None:
        found = axe(page)
        if found:
            violations[page.url] = found

    inhabitant = new_page()
    _login(inhabitant, live_server, town.members[0])
    inhabitant.goto(f"{live_server}{town.base}/")
    check(inhabitant)
    inhabitant.get_by_role("link", name="Signaler un logement vacant").click()
    inhabitant.get_by_label("Adresse ou lieu-dit").fill("Ancienne boulangerie")
    inhabitant.get_by_label("Ce que vous avez remarqué").fill("Volets fermés")
    check(inhabitant)
    inhabitant.get_by_role("button", name="Envoyer le signalement").click()
    assert "Merci" in inhabitant.content()

    circle = new_page()
    _login(circle, live_server, town.circle_member)
    circle.goto(f"{live_server}{town.base}/dwellings")
    check(circle)
    circle.get_by_role("link", name="SIG-0001").click()
    circle.get_by_role("button", name="Confirmer le signalement").click()
    assert "signalement à confirmer" not in circle.content()
    circle.get_by_label("Nouveau statut").select_option("first_contact")
    circle.get_by_role("button", name="Enregistrer le statut").click()
    assert "premier contact" in circle.content()
    check(circle)

    inhabitant.goto(f"{live_server}{town.base}/projects/{project_id}")
    inhabitant.get_by_label("Montant (€)").fill("250")
    inhabitant.get_by_role("button", name="Promettre").click()
    text = inhabitant.content()
    # amounts and percentages through Babel, the count through ngettext ("1 promesse")
    assert "250,00&nbsp;€ (1 promesse, 25&nbsp;%)" in text
    check(inhabitant)
    assert violations == {}
