"""marshmallow's messages in the reader's language (issue 16 item 1): translated in one
place where they leave the application (federation.validation_messages)."""

from __future__ import annotations

import marshmallow
import pytest
from flask_babel import force_locale

from federation.testing.factories import Factory
from federation.validation_messages import MESSAGES, translate


def test_every_message_of_marshmallow_is_known(app):
    """Each of marshmallow's English templates (fields, schema, validators) has a French
    message of ours: a new marshmallow message shows up here, not in English on a page."""
    found = set()
    for cls in vars(marshmallow.fields).values():
        if isinstance(cls, type):
            found.update(cls.__dict__.get("default_error_messages", {}).values())
    found.update({"Invalid input type.", "Unknown field."})
    for name in ("Length", "OneOf", "Regexp", "Equal", "ContainsOnly", "ContainsNoneOf"):
        cls = getattr(marshmallow.validate, name)
        found.update(
            v for k, v in vars(cls).items() if k.startswith(("message", "default_message"))
        )
    found -= {"Not a valid {obj_type}.", '"{input}" cannot be formatted as a {obj_type}.'}
    found = {m for m in found if "{input!r}" not in m and "IP" not in m and "IPv" not in m}
    missing = sorted(m for m in found if m not in MESSAGES)
    assert not missing, missing


@pytest.mark.parametrize(
    ("english", "fr", "en"),
    [
        ("Not a valid integer.", "Ce n'est pas un nombre entier valide.", "Not a valid integer."),
        (
            "Longer than maximum length 200.",
            "Trop long : 200 caractères au plus.",
            "Too long: 200 characters at most.",
        ),
        (
            "Must be greater than or equal to 0 and less than or equal to 10.",
            "Doit être compris entre 0 et 10.",
            "Must be between 0 and 10.",
        ),
        ("Déjà traduit.", "Déjà traduit.", "Déjà traduit."),  # a schema's own: unchanged
    ],
)
def test_messages_follow_the_locale(app, english, fr, en):
    with app.test_request_context():
        with force_locale("fr"):
            assert translate({"f": [english]}) == {"f": [fr]}
        with force_locale("en"):
            assert translate({"f": [english]}) == {"f": [en]}


def test_an_api_422_speaks_the_readers_language(app, client):
    commune = Factory(app).commune()
    url = f"/api/v1/communes/{commune.slug}/journal?before=abc"
    fr = client.get(url, headers={"Accept-Language": "fr"})
    en = client.get(url, headers={"Accept-Language": "en"})
    assert fr.status_code == en.status_code == 422, fr.data
    assert "Ce n'est pas un nombre entier valide." in fr.get_data(as_text=True)
    assert "Not a valid integer" not in fr.get_data(as_text=True)
    assert "Not a valid integer." in en.get_data(as_text=True)
