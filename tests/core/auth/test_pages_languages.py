"""The recovery pages and e-mails in French and in English, with no leftover of the other
language (issue 16: "French first, English complete")."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from tests.core.test_web_pages import PO, _english_msgstrs, _french_msgids, _visible_text

from .conftest import last_link, mails_to


@pytest.fixture
def merged():
    with PO.open("rb") as handle:
        entry = read_po(handle).get("Mot de passe oublié ?")
    if entry is None or not entry.string:
        pytest.skip("the English entries wait in /work/coord/i18n_auth.po for the merge")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_recovery_pages_in_both_languages(app, client, factory, lang, merged):
    french, english = _french_msgids(), _english_msgstrs()
    person = factory.user(email_verified=False, locale=lang)
    client.post("/password/forgot", data={"email": person.email})
    reset_path = last_link(person.email)[1]
    factory.login(client, person)
    client.post("/account/email")
    verify_path = last_link(person.email)[1]
    pages = {
        "/login": 200,
        "/password/forgot": 200,
        reset_path: 200,
        "/password/reset/not-a-token": 400,
        "/account/email": 200,
        verify_path: 200,
        "/email/verify/not-a-token": 400,
    }
    for url, status in pages.items():
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == status, (url, response.status_code)
        text = _visible_text(response.text)
        leftovers = [s for s in (french if lang == "en" else english) if s in text]
        assert not leftovers, f"{url} ({lang}) shows the other language: {leftovers[:3]}"
    for message in mails_to(person.email):
        body = message["Subject"] + " " + message.get_content()
        leftovers = [s for s in (french if lang == "en" else english) if s in body]
        assert not leftovers, f"e-mail ({lang}): {leftovers[:3]}"
    assert ("Hello" if lang == "en" else "Bonjour") in mails_to(person.email)[0].get_content()
