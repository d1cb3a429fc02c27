"""The demo's five journeys in a real browser, in French and in English (issue 16, "Done
when"): an inhabitant, a facilitator, a municipal agent, the water circle and a coordinator,
each signed in as the demo's persona on the demo federation (``instances/demo/demo.toml``,
loaded once for the module by ``convergence demo load``).

Every page of a journey is also opened on a 375 px wide phone: no horizontal scrolling, the
header folded into one "Menu" button, a screenshot in ``tests/browser/screenshots/``
(``<journey>-<lang>-<page>.png``). English pages show none of a list of French interface
words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

DEMO = Path(__file__).parents[2] / "instances" / "demo" / "demo.toml"
PASSWORD = "demo-convergence"
FAUX = "/c/faux-la-montagne"
PLATEAU = "/f/plateau-millevaches"
PHONE = {"width": 375, "height": 740}
LANGS = ["fr", "en"]

#: interface words an English page must not show (French leftovers); names people gave
#: (a proposal's title, a commune's name) stay as given, so these are interface words only
FRENCH_INTERFACE = [
    "Se déconnecter",
    "Se connecter",
    "Aller au contenu",
    "Journal public",
    "Préoccupations",
    "Enregistrer",
    "Rejoindre",
    "Soutenir",
    "Toutes les communes",
    "Mes communes",
    "À faire",
    "Notifications non lues",
    "Accueil",
    "Assemblée et cercles",
    "Projets mutualisés",
    "plateforme communaliste",
]


@pytest.fixture(scope="module")
def demo_site(session_app, make_app) -> Iterator[dict[str, Any]]:
    """The demo on a fresh copy of the test database, served on a live server by an app
    with the installed plugins only (as ``make demo`` runs it) and CSRF on."""
    from flask.cli import ScriptInfo

    from federation.cli import main

    database = session_app.extensions["convergence_test_db"]
    database.reset(session_app)
    app = make_app(extra_plugins=[], WTF_CSRF_ENABLED=True)
    loaded = app.test_cli_runner().invoke(
        main, ["demo", "load", "--file", str(DEMO)], obj=ScriptInfo(create_app=lambda: app)
    )
    assert loaded.exit_code == 0, loaded.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_port}", "app": app}
    server.shutdown()
    thread.join(timeout=5)
    database.reset(session_app)


class Journey:
    """One persona's browser, in one language, that checks every page it opens."""

    def __init__(self, name: str, lang: str, base: str, new_page, screenshot) -> None:
        self.name, self.lang, self.base = name, lang, base
        self.new_page = new_page
        self.page = new_page("en-GB" if lang == "en" else "fr-FR")
        self.phone = new_page("en-GB" if lang == "en" else "fr-FR")
        self.phone.set_viewport_size(PHONE)
        self.screenshot = screenshot
        self.shots: list[Path] = []

    def sign_in(self, email: str) -> None:
        for page in (self.page, self.phone):
            page.goto(f"{self.base}/login")
            page.locator("#email").fill(email)
            page.locator("#password").fill(PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(re.compile(r"/home$"))
            self.speak(page)

    def speak(self, page) -> None:
        """Switch the page to the journey's language (it is kept in the person's account)."""
        if page.locator("html").get_attribute("lang") != self.lang:
            page.locator("form.lang button").click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == self.lang

    def go(self, path: str, label: str) -> Any:
        """Open ``path`` on the desktop page and on the phone; check both; screenshot."""
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        self.check_language(self.page, path)
        self.on_phone(path, label)
        return self.page

    def on_phone(self, path: str, label: str) -> None:
        phone = self.phone
        response = phone.goto(self.base + path)
        assert response is not None and response.status < 400, path
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"
        header = phone.evaluate("document.querySelector('.site-header').offsetHeight")
        assert header <= PHONE["height"] * 0.2, f"{path}: the header takes {header}px"
        self.shots.append(self.screenshot(phone, f"{self.name}-{self.lang}-{label}"))

    def check_language(self, page, path: str) -> None:
        if self.lang != "en":
            return
        text = page.locator("body").inner_text()
        found = [w for w in FRENCH_INTERFACE if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
        assert not found, f"{path} (English) shows French interface words: {found}"

    def flash(self) -> str:
        return self.page.locator(".flashes").inner_text()


@pytest.fixture
def journey(demo_site, new_page, screenshot):
    return lambda name, lang: Journey(name, lang, demo_site["base"], new_page, screenshot)


def _outbox_link(to: str, pattern: str) -> str:
    from federation.identity.notifications import OUTBOX

    mails = [m for m in OUTBOX if m["To"] == to]
    assert mails, f"no mail to {to}"
    return re.search(pattern, mails[-1].get_content()).group(0)


def _pages_of(page, prefix: str) -> list[str]:
    """The links of the page's main content to ``prefix`` + an id, in order."""
    hrefs = page.locator(f"main a[href^='{prefix}']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [h for h in hrefs if re.fullmatch(rf"{re.escape(prefix)}\d+", h)]


@pytest.mark.parametrize("lang", LANGS)
def test_inhabitant(journey, demo_site, lang):
    """Registers, confirms her address, asks to join; then (Léa, a verified member)
    reports a concern, supports two others, joins the water circle, follows a proposal and
    finds what awaits her at home."""
    j = journey("inhabitant", lang)
    newcomer = f"nouvelle-{lang}@example.org"
    page = j.page
    page.goto(f"{j.base}/register")
    page.locator("#display_name").fill(f"Zoé ({lang})")
    page.locator("#email").fill(newcomer)
    page.locator("#password").fill("un mot de passe long")
    page.locator("#confirm").fill("un mot de passe long")
    page.locator("#locale").select_option(lang)
    page.locator("main form button[type=submit]").click()
    j.speak(page)
    page.goto(j.base + _outbox_link(newcomer, r"/email/verify/\S+"))
    page.locator("main form button[type=submit]").click()
    page.goto(f"{j.base}{FAUX}/join")
    page.locator("#message").fill("J'habite au bourg.")
    page.locator("main form button[type=submit]").click()
    assert page.url.endswith(f"{FAUX}/")
    j.go("/home", "newcomer-home")
    # the people who may approve it are told, and find it on their home
    approver = Journey("approver", lang, j.base, j.new_page, j.screenshot)
    approver.sign_in("facilitatrice@demo.convergence.local")
    home = approver.go("/home", "home").locator("main").inner_text()
    assert f"Zoé ({lang})" in home, home
    approver.go("/notifications", "notifications")

    j.sign_in("habitante@demo.convergence.local")
    j.go("/home", "home")
    j.go(f"{FAUX}/concerns", "concerns")
    page.locator("#f-title").fill(f"Le lavoir du bourg fuit ({lang})")
    page.locator("#f-theme").fill("eau")
    page.locator("main form.narrow button[type=submit]").click()
    assert "/concerns/" in page.url
    j.go(f"{FAUX}/concerns", "concerns-after")
    # she supports every concern of the demo already: withdraws two supports, gives them again
    for action in ("unsupport", "unsupport", "support", "support"):
        page.locator(f"form[action^='{FAUX}/concerns/'][action$='/{action}'] button").first.click()
        page.wait_for_load_state()
        said = {"support": ("enregistré", "recorded"), "unsupport": ("retiré", "withdrawn")}
        assert said[action][LANGS.index(lang)] in j.flash()
        page.goto(f"{j.base}{FAUX}/concerns")
    j.go(f"{FAUX}/bodies/cercle-de-l-eau", "water-circle")
    join = page.locator(f"form[action='{FAUX}/bodies/cercle-de-l-eau/join'] button")
    if join.count():
        join.click()
        assert ("rejoint" if lang == "fr" else "joined") in j.flash()
    j.go(f"{FAUX}/proposals", "proposals")
    page.locator(f"main a[href^='{FAUX}/proposals/']").first.click()
    proposal = page.url.replace(j.base, "")
    follow = page.locator("form[action$='/follow'] button")
    if follow.count():
        follow.click()
        assert ("Vous suivez" if lang == "fr" else "You follow") in j.flash()
    j.on_phone(proposal, "proposal")
    j.go("/notifications", "notifications")
    j.go(f"{FAUX}/journal", "journal")


@pytest.mark.parametrize("lang", LANGS)
def test_facilitator(journey, lang):
    """Finds what awaits her at home, convenes an assembly with the most supported concerns
    on its agenda (the confirmation names its date), looks at votes, decisions, mandates and
    the journal."""
    j = journey("facilitator", lang)
    j.sign_in("facilitatrice@demo.convergence.local")
    j.go("/home", "home")
    page = j.go(f"{FAUX}/bodies/assemblee/meetings/new", "meeting-new")
    page.locator("#f-title").fill(f"Assemblée de printemps ({lang})")
    page.locator("#f-starts_at").fill("2027-04-10T18:00")
    page.locator("#f-place").fill("Salle des fêtes")
    page.locator("main form button[type=submit]").click()
    assert "/meetings/" in page.url
    flash = j.flash()
    assert ("10 avril 2027" if lang == "fr" else "April 10, 2027") in flash, flash
    j.on_phone(page.url.replace(j.base, ""), "meeting")
    j.go(f"{FAUX}/bodies/assemblee", "assembly")
    j.go(f"{FAUX}/decisions", "decisions")
    j.go(f"{FAUX}/mandates", "mandates")
    j.go(f"{FAUX}/admin/members", "members")
    j.go(f"{FAUX}/journal", "journal")


@pytest.mark.parametrize("lang", LANGS)
def test_municipal_agent(journey, lang):
    """The open budget, its ledger and the participatory budgets with their results."""
    j = journey("agent", lang)
    j.sign_in("agente@demo.convergence.local")
    j.go("/home", "home")
    j.go(f"{FAUX}/budget/", "budget")
    j.go(f"{FAUX}/budget/import", "budget-import")
    page = j.go(f"{FAUX}/budget/pb/", "pb")
    processes = _pages_of(page, f"{FAUX}/budget/pb/")
    assert processes
    first = processes[-1]  # the demo's cycle that went to its results
    j.go(first, "pb-process")
    j.go(f"{first}/results", "pb-results")
    j.go(f"{FAUX}/decisions", "decisions")


@pytest.mark.parametrize("lang", LANGS)
def test_water_circle(journey, lang):
    """The resources, the drought levels, the allocations and each user's explained share."""
    j = journey("water", lang)
    j.sign_in("habitante@demo.convergence.local")
    j.go(f"{FAUX}/water/", "water")
    j.go(f"{FAUX}/water/resources", "resources")
    j.go(f"{FAUX}/water/levels", "levels")
    page = j.go(f"{FAUX}/water/allocations", "allocations")
    runs = _pages_of(page, f"{FAUX}/water/allocations/")
    assert runs
    j.go(runs[0], "allocation")
    j.go(f"{FAUX}/water/me", "my-water")
    j.go(f"{FAUX}/water/alerts", "alerts")


@pytest.mark.parametrize("lang", LANGS)
def test_coordinator(journey, lang):
    """Her federation in her menu and at home, the dashboard, coordination, intercommunal
    proposals, pooled projects, the council and the federation's journal."""
    j = journey("coordinator", lang)
    j.sign_in("coordinatrice@demo.convergence.local")
    home = j.go("/home", "home")
    assert home.locator(f"main a[href='{PLATEAU}/coordination']").count() == 1
    menu = home.locator(".switcher")
    menu.locator("summary").click()
    assert menu.locator(f"a[href='{PLATEAU}/']").is_visible()
    j.go(f"{PLATEAU}/", "dashboard")
    j.go(f"{PLATEAU}/coordination", "coordination")
    j.go(f"{PLATEAU}/proposals", "proposals")
    j.go(f"{PLATEAU}/projects", "projects")
    j.go(f"{PLATEAU}/council", "council")
    j.go(f"{PLATEAU}/journal", "journal")


def test_the_phone_menu_folds_and_opens(demo_site, new_page, screenshot):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{demo_site['base']}{FAUX}/")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".commune-nav").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".commune-nav").is_visible()
    screenshot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    assert not page.locator(".commune-nav").is_visible()


def test_journal_hashes_fold_with_a_copy_button(demo_site, new_page, screenshot):
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{demo_site['base']}{FAUX}/journal")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    buttons = page.locator("main button.copy")
    assert buttons.count() >= 2
    hashes = page.locator("main code.digest")
    assert re.fullmatch(r"[0-9a-f]{64}", hashes.first.get_attribute("title"))
    page.emulate_media(media="print")
    assert not buttons.first.is_visible()  # print shows the hashes in full, no controls
    assert page.locator(".site-menu").is_hidden()
    screenshot(page, "journal-print")


#: the main pages of the demo, signed in as the facilitator of Faux-la-Montagne
MAIN_PAGES = [
    "/",
    "/home",
    "/notifications",
    "/account/",
    "/account/memberships",
    f"{FAUX}/",
    f"{FAUX}/bodies",
    f"{FAUX}/bodies/assemblee",
    f"{FAUX}/concerns",
    f"{FAUX}/proposals",
    f"{FAUX}/decisions",
    f"{FAUX}/organisations",
    f"{FAUX}/mandates",
    f"{FAUX}/journal",
    f"{FAUX}/admin/",
    f"{FAUX}/admin/members",
    f"{FAUX}/roster/",
    f"{FAUX}/budget/",
    f"{FAUX}/budget/pb/",
    f"{FAUX}/water/",
    f"{FAUX}/water/levels",
    f"{FAUX}/housing/",
    f"{FAUX}/food/",
    f"{PLATEAU}/",
    f"{PLATEAU}/council",
    f"{PLATEAU}/proposals",
    f"{PLATEAU}/projects",
    f"{PLATEAU}/journal",
]


@pytest.mark.parametrize("lang", LANGS)
def test_every_main_page_fits_a_phone(journey, lang):
    """Each main page at 375 px: no sideways scrolling, a folded header, a screenshot."""
    j = journey("page", lang)
    j.sign_in("facilitatrice@demo.convergence.local")
    problems = []
    for path in MAIN_PAGES:
        label = path.strip("/").replace("/", "-") or "portal"
        try:
            j.on_phone(path, label)
        except AssertionError as exc:
            problems.append(str(exc).splitlines()[0])
    assert not problems, problems
