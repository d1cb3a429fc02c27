"""A distribution journey in a real browser (Playwright, /usr/bin/chromium, CSRF on): a
member subscribes to the open contract, the food circle plans the distribution of the first
delivery day, opens its rota and reads the pick-up list; axe-core finds no serious WCAG
violation on the food pages. Skips, saying why, without Chromium or Playwright."""

from __future__ import annotations

import pytest

from tests.browser.fixtures import AXE, CHROMIUM


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (make install)"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]


def _login(page, server: str, who) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Adresse e-mail").fill(who.user.email)
    page.get_by_label("Mot de passe").fill(who.user.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server}/home")


def test_distribution_journey(live_server, new_page, in_commune, food_town):
    from convergence_food import contracts

    town = food_town
    with in_commune(town.commune):
        first_day = contracts.deliveries_of(contracts.get_contract(town.contract_id))[0]
        day = first_day.delivery_on.isoformat()

    member = new_page()
    _login(member, live_server, town.members[0])
    member.goto(f"{live_server}{town.base}/contracts/{town.contract_id}")
    member.get_by_label("Tomates — quantité par livraison").fill("2")
    member.get_by_role("button", name="Souscrire").click()
    member.wait_for_url(f"**{town.base}/subscriptions/*")
    assert "25,20" in member.content()  # 2 kg × 4,20 € × 3 deliveries

    circle = new_page()
    _login(circle, live_server, town.facilitator)
    circle.goto(f"{live_server}{town.base}/distributions")
    circle.get_by_label("Jour").fill(day)
    circle.get_by_label("Lieu").fill("Salle des fêtes")
    circle.get_by_role("button", name="Prévoir", exact=True).click()
    circle.wait_for_url(f"**{town.base}/distributions/*")
    circle.get_by_role("button", name="Ouvrir l'équipe de la distribution").click()
    circle.wait_for_load_state()
    text = circle.content()
    assert "Tomates" in text and town.members[0].user.display_name in text
    assert "Distribution des paniers" in text

    # the member does not see the list of people
    member.goto(circle.url)
    assert "Tomates" in member.content()
    assert town.members[0].user.display_name not in member.locator("main").inner_text()


def test_food_pages_have_no_serious_violation(live_server, new_page, axe, food_town):
    if not AXE.exists():
        pytest.skip(f"axe-core not installed at {AXE}")
    town = food_town
    page = new_page()
    _login(page, live_server, town.facilitator)
    found = {}
    for path in (
        "/",
        "/producers",
        f"/producers/{town.producer_id}",
        "/contracts",
        f"/contracts/{town.contract_id}",
        "/distributions",
        "/pot",
        "/aid",
        "/land",
        "/needs",
    ):
        page.goto(f"{live_server}{town.base}{path}")
        violations = axe(page)
        if violations:
            found[path] = violations
    assert found == {}
