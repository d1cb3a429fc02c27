"""In a real browser: the search, calendar and places pages have no serious or critical
WCAG 2.1 AA violation (axe-core), in light and dark schemes and at 375 px (screenshots)."""

from __future__ import annotations

import pytest


@pytest.fixture
def site(factory, in_commune):
    commune = factory.commune("royere", "Royère-de-Vassivière")
    other = factory.commune("gentioux", "Gentioux-Pigerolles")
    factory.federation("plateau", communes=[commune, other], name="Plateau de Millevaches")
    admin = factory.member(commune, "admin")
    with in_commune(commune):
        from federation.calendar.models import Place
        from federation.db import db
        from federation.governance.demo import load
        from federation.identity.models import User
        from federation.tenancy.models import Commune

        load(
            db.session.get(Commune, commune.id),
            {"facilitator": db.session.get(User, admin.user.id)},
        )
        db.session.add(Place(name="Lavoir", address="Rue du lavoir", latitude=45.7, longitude=1.9))
    return commune


PAGES = {
    "search": "/c/royere/search?q=eau",
    "search-empty": "/c/royere/search?q=introuvable",
    "federation-search": "/f/plateau/search?q=eau",
    "calendar": "/c/royere/calendar",
    "places": "/c/royere/places",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_have_no_serious_violation(live_server, new_page, axe, site, name, scheme):
    page = new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server + PAGES[name])
    assert axe(page) == []


@pytest.mark.parametrize("name", ["search", "calendar"])
def test_phone_width(live_server, new_page, axe, site, screenshot, name):
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server + PAGES[name])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name} scrolls sideways ({width} px)"
    assert axe(page) == []
    screenshot(page, f"375-{name}")
