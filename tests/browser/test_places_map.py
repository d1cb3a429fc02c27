"""In a real browser: the places page's optional Leaflet map (issue 16 item 7). With tiles
that load, a map with one marker per located place; with unreachable tiles the map goes
away and the list stays; without a tile server, a list and no script at all."""

from __future__ import annotations

import base64

import pytest

from federation.db import db

#: a 1x1 PNG, served for every tile in the test that fakes a tile server
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def places(factory, in_commune, browser_app):
    from federation.calendar import views
    from federation.calendar.models import Place

    with browser_app.app_context():
        if not views.leaflet_installed():
            pytest.skip("Leaflet not installed (make static-deps needs npm)")
    commune = factory.commune("carte", "Carte")
    with in_commune(commune):
        db.session.add(Place(name="Lavoir", latitude=45.75, longitude=1.93))
        db.session.add(Place(name="Salle des fêtes", latitude=45.76, longitude=1.94))
        db.session.add(Place(name="Sans coordonnées"))
    yield commune
    browser_app.config["MAP_TILES_URL"] = ""


def test_map_with_tiles_and_list_when_tiles_fail(
    live_server, new_page, places, browser_app, screenshot
):
    url = f"{live_server}/c/{places.slug}/places"
    browser_app.config["MAP_TILES_URL"] = "https://tiles.test/{z}/{x}/{y}.png"
    page = new_page()
    page.route(
        "https://tiles.test/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL),
    )
    page.goto(url)
    page.wait_for_selector("#places-map .leaflet-marker-icon")
    assert page.locator("#places-map").is_visible()
    assert page.locator("#places-map .leaflet-marker-icon").count() == 2
    assert page.locator("#places-list").is_visible()
    screenshot(page, "places-map")

    down = new_page()
    down.route("https://tiles.test/**", lambda route: route.abort())
    down.goto(url)
    down.wait_for_function("document.getElementById('places-map').hidden === true")
    assert down.locator("#places-list").is_visible()
    assert "Sans coordonnées" in down.locator("#places-list").inner_text()


def test_no_tile_server_no_map_no_script(live_server, new_page, places):
    page = new_page()
    page.goto(f"{live_server}/c/{places.slug}/places")
    assert page.locator("#places-map").count() == 0
    assert page.locator("script[src*=leaflet], script[src*=places-map]").count() == 0
    assert page.locator("#places-list li").count() == 3
