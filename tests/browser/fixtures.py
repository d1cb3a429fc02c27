"""Fixtures of the real-browser tests: a live server, one Chromium session, pages, axe."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CONVERGENCE_CHROMIUM", "/usr/bin/chromium"))
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_app(make_app, session_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(app, browser_app):
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new(locale: str = "fr-FR"):
        context = browser.new_context(
            locale=locale, bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return _settled(context.new_page())

    yield _new
    for context in contexts:
        context.close()


def _settled(page):
    """A page whose ``content()`` waits for the document it shows to finish loading.

    A click on a submit button returns once the navigation has started: reading the page at
    that moment can catch the next document half parsed (its ``<head>`` and no body yet, which
    failed CI under load). Tests read what a person would see, so the read waits for it.
    """
    read = page.content

    def content() -> str:
        page.wait_for_load_state("load")
        return read()

    page.content = content
    return page


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def axe():
    """Run axe-core on a page; returns the serious and critical violations."""
    if not AXE.exists():
        pytest.skip(f"axe-core not installed at {AXE} (npm install in tests/browser)")
    source = AXE.read_text()

    def _check(page) -> list[dict]:
        page.add_script_tag(content=source)
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
            "'wcag21aa', 'best-practice']})"
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:3],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return _check
