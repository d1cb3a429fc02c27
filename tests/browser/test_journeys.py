"""What a new person does, in a real browser: register, ask to join, be approved, switch
language, enable a plugin for one commune, make a mistake in a form."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/home"))


def test_register_join_approve_switch_language_enable_plugin(
    live_server, new_page, factory, screenshot
):
    base = live_server
    faux = factory.commune("faux-la-montagne", "Faux-la-Montagne", population=443)
    other = factory.commune("tarnac", "Tarnac")
    federation = factory.federation(
        "plateau", communes=[faux, other], name="Plateau de Millevaches"
    )
    admin = factory.member(faux, "admin")

    # a newcomer registers and asks to join
    page = new_page()
    page.goto(f"{base}/register")
    page.get_by_label("Nom affiché").fill("Léa")
    page.get_by_label("Adresse e-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe long")
    page.get_by_label("Confirmer le mot de passe").fill("un mot de passe long")
    page.get_by_role("button", name="Créer mon compte").click()
    # she confirms her address through the e-mailed link: no commune admits her before
    from federation.identity.notifications import OUTBOX

    [mail] = [m for m in OUTBOX if m["To"] == "lea@example.org"]
    page.goto(base + re.search(r"/email/verify/\S+", mail.get_content()).group(0))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    page.goto(f"{base}/c/faux-la-montagne/")
    page.get_by_role("link", name="Rejoindre Faux-la-Montagne").click()
    page.get_by_label("Message pour la commune (facultatif)").fill("J'habite au bourg.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    assert "en attente" in page.content()

    # the commune's admin approves the request
    admin_page = new_page()
    _login(admin_page, base, admin.user.email, admin.user.password)
    admin_page.goto(f"{base}/c/faux-la-montagne/admin/members")
    admin_page.get_by_role("button", name="Valider").click()
    assert "Léa" in admin_page.locator("section:has(#h-active)").inner_text()

    page.goto(f"{base}/c/faux-la-montagne/")
    assert "membre vérifié·e" in page.content()
    page.goto(f"{base}/notifications")
    assert "validée" in page.content()

    # switch language and back
    page.get_by_role("button", name="Switch to English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Notifications" in page.content()
    page.get_by_role("button", name="Passer en français").click()
    assert page.locator("html").get_attribute("lang") == "fr"

    # the admin enables a plugin for this commune only; a bad value first
    admin_page.goto(f"{base}/c/faux-la-montagne/admin/plugins/notes")
    admin_page.get_by_label("Maximum length").fill("2")
    admin_page.get_by_role("button", name="Enregistrer et activer").click()
    error = admin_page.locator("#setting-max_length-error")
    expect(error).to_be_visible()
    assert admin_page.locator("#setting-max_length").get_attribute("aria-invalid") == "true"
    expect(admin_page.locator(".error-summary")).to_be_visible()
    admin_page.get_by_label("Maximum length").fill("200")
    admin_page.get_by_role("button", name="Enregistrer et activer").click()
    admin_page.goto(f"{base}/c/faux-la-montagne/")
    assert admin_page.get_by_role("link", name="Notes").count() == 1
    admin_page.goto(f"{base}/c/tarnac/")
    assert admin_page.get_by_role("link", name="Notes").count() == 0

    page.goto(f"{base}/c/faux-la-montagne/")
    screenshot(page, "commune-home")
    page.goto(f"{base}/f/{federation.slug}/")
    screenshot(page, "federation-home")


def test_form_error_is_shown_next_to_the_field(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server}/register")
    page.get_by_label("Nom affiché").fill("Jules")
    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmer le mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#password-error")).to_be_visible()
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    summary_link = page.locator(".error-summary a[href='#email']")
    assert summary_link.count() == 1


def test_pages_work_on_a_phone(live_server, new_page, factory):
    commune = factory.commune("nedde", "Nedde")
    page = new_page()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server}/c/{commune.slug}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380  # no horizontal scrolling
