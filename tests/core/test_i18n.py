"""French first, English complete: every msgid of the core (and of each plugin) has an English
translation, and the locale is chosen as people expect."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import federation

ROOT = Path(federation.__file__).resolve().parent
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _catalog_dirs() -> list[tuple[Path, Path, str]]:
    """(source folder, .po file, domain) for the core and every built-in plugin."""
    found = [(ROOT, ROOT / "translations/en/LC_MESSAGES/convergence.po", "convergence")]
    for package in sorted(
        p for p in ROOT.parent.glob("plugins/*/convergence_*") if (p / "__init__.py").exists()
    ):
        domain = package.name
        found.append((package, package / f"translations/en/LC_MESSAGES/{domain}.po", domain))
    return found


@pytest.mark.parametrize(
    ("source", "po_path", "domain"),
    _catalog_dirs(),
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_every_french_msgid_has_an_english_translation(source, po_path, domain):
    assert po_path.exists(), f"missing catalog {po_path}"
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    missing = []
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(source), METHODS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(msgid)
    assert not missing, f"{len(missing)} untranslated in {domain}: {sorted(set(missing))[:10]}"


def test_locale_follows_choice_then_accept_language_then_default(client, factory):
    assert 'lang="fr"' in client.get("/").text
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert 'lang="en"' in english and "Communes" in english
    assert 'lang="en"' in client.get("/?lang=en").text
    client.post("/lang/en", data={"next": "/"})
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "fr"}).text
    user = factory.user(locale="fr")
    factory.login(client, user)
    assert 'lang="fr"' in client.get("/", headers={"Accept-Language": "en"}).text


def test_english_pages_are_translated(client, factory):
    commune = factory.commune()
    page = client.get(f"/c/{commune.slug}/?lang=en").text
    assert "Public journal" in page and "Journal public" not in page
    assert "Log in" in client.get("/login?lang=en").text


def test_language_switch_keeps_the_page(client):
    response = client.post("/lang/en", data={"next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    unsafe = client.post("/lang/fr", data={"next": "https://evil.example"})
    assert unsafe.headers["Location"] == "/"
    assert client.post("/lang/de").status_code == 404
