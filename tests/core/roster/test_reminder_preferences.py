"""Shift reminders and cancellations follow each person's notice preference like every other
notice (federation.identity.notices): mailed at once, kept for the summary, or in the app only."""

from __future__ import annotations

from sqlalchemy import select

from federation import roster
from federation.db import db
from federation.identity import notices
from federation.identity.models import Notification, User
from federation.identity.notifications import OUTBOX
from tests.core.roster.conftest import user

PREFERENCES = ("none", "daily", "weekly", "off")


def _remind_one_of_each(app, village, make_shift, in_commune) -> dict[str, str]:
    people = dict(zip(PREFERENCES, village.members, strict=True))
    with app.app_context():
        for preference, member in people.items():
            db.session.get(User, member.user.id).digest = preference
        db.session.commit()
    near = make_shift(village.commune, needed=4, starts_in=5)
    with in_commune(village.commune):
        shift = roster.get_shift(near)
        for member in people.values():
            roster.sign_up(shift, shift.roles[0], user(member))
        assert roster.send_reminders() == len(PREFERENCES)
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind)).all()
        assert kinds.count("roster.reminder") == len(PREFERENCES)  # all told in the app
    return {preference: member.user.email for preference, member in people.items()}


def test_a_reminder_is_mailed_only_to_who_wants_each_notice(app, village, make_shift, in_commune):
    emails = _remind_one_of_each(app, village, make_shift, in_commune)
    reminders = [m for m in OUTBOX if "Rappel" in m["Subject"]]
    assert [m["To"] for m in reminders] == [emails["none"]]


def test_planted_twin_a_reminder_mailed_to_all_is_seen(
    app, village, make_shift, in_commune, monkeypatch
):
    """Plant the bug (reminders e-mailed whatever the preference, as before): the check
    above then fails."""
    monkeypatch.setattr(notices, "mailed_at_once", lambda preference: True)
    emails = _remind_one_of_each(app, village, make_shift, in_commune)
    reminders = [m for m in OUTBOX if "Rappel" in m["Subject"]]
    assert [m["To"] for m in reminders] != [emails["none"]]
    assert {m["To"] for m in reminders} == set(emails.values())


def test_a_daily_reader_finds_the_reminder_in_the_summary(app, village, make_shift, in_commune):
    from federation.identity.notifications import send_digests

    emails = _remind_one_of_each(app, village, make_shift, in_commune)
    OUTBOX.clear()
    with app.app_context():
        assert send_digests("daily") == 1
        db.session.commit()
    [summary] = OUTBOX
    assert summary["To"] == emails["daily"] and "Rappel" in summary.get_content()
