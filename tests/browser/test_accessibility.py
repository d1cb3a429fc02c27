"""axe-core (from the npm registry, injected by Playwright) finds no serious or critical
WCAG 2.1 AA violation on the main pages, in light and dark schemes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.fixture
def site(factory, in_commune):
    commune = factory.commune("royere", "Royère-de-Vassivière", population=565, insee_code="23165")
    other = factory.commune("gentioux", "Gentioux-Pigerolles")
    federation = factory.federation(
        "plateau", communes=[commune, other], name="Plateau de Millevaches"
    )
    factory.enable(commune, "notes")
    admin = factory.member(commune, "admin")
    voters = [factory.member(commune) for _ in range(2)]
    with in_commune(commune):
        from federation.db import db
        from federation.governance.demo import load
        from federation.identity.models import User
        from federation.tenancy.models import Commune

        people = {"facilitator": db.session.get(User, admin.user.id)}
        people.update({f"m{n}": db.session.get(User, v.user.id) for n, v in enumerate(voters)})
        load(db.session.get(Commune, commune.id), people)
    return {"commune": commune, "federation": federation, "admin": admin}


PAGES = {
    "portal": "/",
    "commune-home": "/c/royere/",
    "federation-home": "/f/plateau/",
    "login": "/login",
    "register": "/register",
    "journal": "/c/royere/journal",
    "concerns": "/c/royere/concerns",
    "bodies": "/c/royere/bodies/assemblee",
    "proposal": "/c/royere/proposals/1",
    "vote": "/c/royere/votes/1",
    "meeting": "/c/royere/meetings/1",
    "mandates": "/c/royere/mandates",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_public_pages_have_no_serious_violation(live_server, new_page, axe, site, name, scheme):
    page = new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server + PAGES[name])
    assert axe(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/c/royere/admin/plugins/notes",
        "/c/royere/admin/members",
        "/c/royere/admin/profile",
        "/account/tokens",
    ],
)
def test_admin_forms_have_no_serious_violation(live_server, new_page, axe, site, path):
    page = new_page()
    _sign_in(page, live_server, site["admin"].user)
    page.goto(live_server + path)
    assert axe(page) == []


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(user.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/home")


def test_error_summary_form_has_no_serious_violation(live_server, new_page, axe):
    page = new_page()
    page.goto(f"{live_server}/register")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert axe(page) == []


@pytest.mark.parametrize("menu", ["folded", "open"])
def test_phone_header_has_no_serious_violation(live_server, new_page, axe, site, menu):
    """At 375 px the header folds into one Menu button (static/convergence.js)."""
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server + "/c/royere/")
    if menu == "open":
        page.locator(".menu-toggle").click()
    assert axe(page) == []


def test_home_has_no_serious_violation(live_server, new_page, axe, site):
    page = new_page()
    _sign_in(page, live_server, site["admin"].user)
    assert axe(page) == []
    page.locator(".switcher summary").click()
    assert axe(page) == []
