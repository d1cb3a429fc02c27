"""What the system writes is data (issue 16 item 1): journal entries and notifications are a
kind and parameters, rendered in the reader's language when read (hook
``federation_text_kinds``)."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from federation import formatting
from federation.db import db
from federation.plugins import ConvergencePlugin, hookimpl
from federation.testing.factories import Factory, in_commune


def _repair_done(params):
    return f"repair {params['bike']}: {formatting.money(params['cost'], params.get('currency'))}"


class BikesPlugin(ConvergencePlugin):
    name = "bikes_texts"

    @hookimpl
    def federation_text_kinds(self):
        return {"bikes.repair_done": _repair_done, "bikes.broken": lambda p: p["missing"]}


class ClashingPlugin(ConvergencePlugin):
    name = "clashing_texts"

    @hookimpl
    def federation_text_kinds(self):
        return {"bikes.repair_done": lambda p: "another sentence"}


@pytest.fixture(scope="module")
def bikes_app(make_app):
    return make_app(extra_plugins=[BikesPlugin()])


@pytest.fixture
def bapp(app, bikes_app):
    """The bikes app on the database the ``app`` fixture has just reset."""
    return bikes_app


def test_hook_federation_text_kinds(bapp):
    """A journal entry of a declared kind stores no sentence and reads in each language."""
    from federation.journal.models import JournalEntry
    from federation.journal.services import record

    commune = Factory(bapp).commune()
    with in_commune(bapp, commune):
        record(
            "bikes.repair_done",
            "Réparation du vélo 12 : 18500.00 €",  # ignored: the kind has a renderer
            {"bike": "12", "cost": "18500.00", "currency": "EUR"},
            commune_id=commune.id,
        )
    with bapp.test_request_context():
        entry = db.session.scalars(db.select(JournalEntry)).one()
        assert entry.summary == ""  # the hashed content holds no language
        with force_locale("fr"):
            assert entry.text == "repair 12: 18\u202f500,00\u00a0€"
        with force_locale("en"):
            assert entry.text == "repair 12: €18,500.00"

    body = bapp.test_client().get(
        f"/api/v1/communes/{commune.slug}/journal", headers={"Accept-Language": "en"}
    )
    assert body.status_code == 200, body.data
    item = body.get_json()["items"][0] if "items" in body.get_json() else body.get_json()[0]
    assert item["text"] == "repair 12: €18,500.00"
    assert item["summary"] == ""


def test_a_kind_without_renderer_keeps_its_sentence_and_a_broken_one_falls_back(bapp):
    from federation.journal.services import record

    commune = Factory(bapp).commune()
    with in_commune(bapp, commune):
        plain = record("legacy.kind", "Phrase d'autrefois", {}, commune_id=commune.id)
        broken = record("bikes.broken", "", {"other": 1}, commune_id=commune.id)
        assert plain.summary == "Phrase d'autrefois"
        assert plain.text == "Phrase d'autrefois"
        assert broken.text == "bikes.broken"  # parameters that no longer fit: never a 500


def test_a_notification_is_mailed_in_the_recipients_language(bapp):
    from federation.identity.models import Notification
    from federation.identity.notifications import OUTBOX, notify

    factory = Factory(bapp)
    commune = factory.commune()
    reader = factory.user(locale="en")
    with bapp.test_request_context(headers={"Accept-Language": "fr"}), force_locale("fr"):
        notify(
            reader.id,
            kind="bikes.repair_done",
            params={"bike": "7", "cost": "12.5", "currency": "PLN"},
            commune_id=commune.id,
        )
        db.session.commit()
        note = db.session.scalars(db.select(Notification)).one()
        assert note.message == ""
        assert json.loads(note.params)["bike"] == "7"
        assert note.text == "repair 7: 12,50\u00a0PLN"
    assert OUTBOX[-1]["Subject"] == "repair 7: PLN12.50"


def test_two_plugins_declaring_one_kind_is_an_error_at_start_up(make_app):
    with pytest.raises(ValueError, match=r"bikes\.repair_done"):
        make_app(extra_plugins=[BikesPlugin(), ClashingPlugin()])
