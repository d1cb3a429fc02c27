"""One way to tell people something (federation.identity.notices.tell; ``notify`` is its call
for one person): the notice is stored as a kind + parameters, and each person's preference
decides the e-mail — each notice as it comes, a daily or weekly summary, or none."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from federation.db import db
from federation.identity import notices
from federation.identity.models import Notification, User
from federation.identity.notifications import OUTBOX, notify, send_digests
from federation.tenancy.context import commune_scope

PREFERENCES = ("none", "daily", "weekly", "off")


def _people(app, factory) -> tuple[int, dict[str, str]]:
    """A commune and one person per preference (the "none" one reads English)."""
    commune = factory.commune()
    emails = {}
    for preference in PREFERENCES:
        person = factory.user(
            f"{preference}@example.org", locale="en" if preference == "none" else "fr"
        )
        with app.app_context():
            db.session.get(User, person.id).digest = preference
            db.session.commit()
        emails[preference] = person.email
    return commune.id, emails


def _tell_everyone(app, commune_id: int) -> int:
    with app.app_context(), commune_scope(commune_id):
        ids = list(db.session.scalars(select(User.id)))
        told = notices.tell(
            ids,
            "membership.requested",
            {"user": "Camille", "commune": "Faux"},
            link="/c/faux/admin/members",
            commune_id=commune_id,
        )
        db.session.commit()
    return told


def test_each_person_is_told_in_the_app_and_mailed_as_they_chose(app, factory):
    commune_id, emails = _people(app, factory)
    assert _tell_everyone(app, commune_id) == len(PREFERENCES)
    with app.app_context():
        stored = list(db.session.scalars(select(Notification)))
        assert len(stored) == len(PREFERENCES)  # everyone sees it in the app
        assert {n.kind for n in stored} == {"membership.requested"}
        assert {n.message for n in stored} == {""}  # data, no sentence
        assert json.loads(stored[0].params) == {"commune": "Faux", "user": "Camille"}
    # only the person who wants each notice is mailed now, in their language (English)
    assert [m["To"] for m in OUTBOX] == [emails["none"]]
    assert "demande à rejoindre" not in OUTBOX[0].get_content()
    # the daily summary mails the daily person; "off" is never mailed, even by a summary
    OUTBOX.clear()
    with app.app_context():
        assert send_digests("daily") == 1
        assert send_digests("weekly") == 1
        db.session.commit()
    assert sorted(m["To"] for m in OUTBOX) == [emails["daily"], emails["weekly"]]


def test_planted_twin_mailing_regardless_of_the_preference_is_seen(app, factory, monkeypatch):
    """Plant the old second path's bug (a notice e-mailed whatever the person chose): the
    check of the test above then fails."""
    monkeypatch.setattr(notices, "mailed_at_once", lambda preference: True)
    commune_id, emails = _people(app, factory)
    _tell_everyone(app, commune_id)
    assert [m["To"] for m in OUTBOX] != [emails["none"]]
    assert {m["To"] for m in OUTBOX} == set(emails.values())


def test_notify_is_tell_for_one_person(app, factory):
    commune_id, emails = _people(app, factory)
    with app.app_context():
        daily = db.session.scalar(select(User.id).where(User.email == emails["daily"]))
        none = db.session.scalar(select(User.id).where(User.email == emails["none"]))
        assert notify(daily, kind="membership.pending", params={"commune": "Faux"}) == 1
        assert notify(none, kind="membership.pending", params={"commune": "Faux"}) == 1
        db.session.commit()
        assert db.session.scalar(select(db.func.count(Notification.id))) == 2
    assert [m["To"] for m in OUTBOX] == [emails["none"]]


def test_a_notice_without_a_kind_is_refused(app, factory):
    person = factory.user()
    with app.app_context():
        with pytest.raises(TypeError):
            notify(person.id, "Bonjour")  # a sentence: no longer a way to notify
        with pytest.raises(ValueError, match="kind"):
            notices.tell([person.id], "", {})
        assert db.session.scalar(select(db.func.count(Notification.id))) == 0


# --- the preference on the profile, as a person reads it ---------------------------------


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        (
            "fr",
            [
                "Recevoir mes notifications",
                "Par e-mail, chacune dès qu'elle arrive",
                "Par e-mail, en un résumé chaque jour",
                "Par e-mail, en un résumé chaque semaine",
                "Pas d'e-mail : seulement sur le site",
            ],
            ">Jamais<",
        ),
        # English once the core catalog has merged /work/coord/i18n_cleanup.po
        ("en", ["Get my notifications", "No e-mail: on the site only"], ">Never<"),
    ],
)
def test_the_preference_reads_as_a_person_would_say_it(
    app, client, factory, lang, expected, absent
):
    person = factory.user(locale=lang)
    factory.login(client, person)
    page = client.get("/account/", headers={"Accept-Language": lang})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in expected:
        assert text in html
    assert absent not in html


def test_the_preference_is_saved_and_a_foreign_value_refused(app, client, factory):
    person = factory.user(locale="fr")
    factory.login(client, person)
    form = {"display_name": "Camille", "locale": "fr", "digest": "off"}
    assert client.post("/account/", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(User, person.id).digest == "off"
    refused = client.post("/account/", data={**form, "digest": "hourly"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(User, person.id).digest == "off"
