"""axe-core finds no serious or critical WCAG 2.1 AA violation on the water pages (with
their forms, as a member of the water circle), in light and dark schemes.

Uses the real-browser fixtures of ``tests/browser``; skips, saying why, without Chromium,
Playwright or axe-core (``make install`` provides them).
"""

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
    if not AXE.exists():
        return f"axe-core not installed at {AXE}"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_missing() is not None, reason=_missing() or ""),
]


@pytest.fixture
def pages(water_town, in_commune):
    from convergence_water import readings, services

    town = water_town
    with in_commune(town.commune):
        services.declare_level({"level": "alerte"}, source="manual")
        run = services.runs()[0]
        services.apply_run(run)
        run_id = run.id
        readings.import_text("compteur;date;index\nM1;2026-09-01;10\nM1;2026-10-01;40\n")
    base = town.base
    return town, [
        f"{base}/",
        f"{base}/resources",
        f"{base}/resources/{town.spring_id}",
        f"{base}/users",
        f"{base}/users/{town.users['martin']}",
        f"{base}/levels",
        f"{base}/rules",
        f"{base}/allocations",
        f"{base}/allocations/{run_id}",
        f"{base}/me",
        f"{base}/import",
        f"{base}/alerts",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_water_pages_have_no_serious_violation(live_server, new_page, axe, pages, scheme):
    town, urls = pages
    page = new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{live_server}/login")
    page.get_by_label("Adresse e-mail").fill(town.facilitator.user.email)
    page.get_by_label("Mot de passe").fill(town.facilitator.user.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server}/home")
    found = {}
    for url in urls:
        page.goto(live_server + url)
        violations = axe(page)
        if violations:
            found[url] = violations
    assert found == {}
