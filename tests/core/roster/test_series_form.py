"""The series form: every N weeks on chosen weekdays, or every N months on the first shift's
day of the month, with an optional end; a bad rule is named, nothing written. And titles
stored as a kind with parameters are shown in the reader's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from federation import roster, texts
from federation.db import db, utcnow
from federation.errors import ValidationFailed
from federation.roster.models import RosterSeries, Shift
from federation.roster.texts import title_of


def _form(**extra) -> dict:
    first = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    return {
        "title": "Chantier",
        "starts_at": first.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "120",
        "role_name_1": "récolte",
        "role_needed_1": "3",
        "repeat": "on",
        **extra,
    }


def _starts(in_commune, village) -> list:
    """Start times of the shifts of the latest series."""
    with in_commune(village.commune):
        latest = db.session.scalar(select(func.max(RosterSeries.id)))
        return [
            roster.services.aware(s)
            for s in db.session.scalars(
                select(Shift.starts_at).where(Shift.series_id == latest).order_by(Shift.starts_at)
            )
        ]


def test_weekly_on_chosen_days_and_monthly(client, village, factory, in_commune):
    factory.login(client, village.facilitator)
    response = client.post(
        f"{village.base}/new",
        data=_form(freq="weekly", weekday_1="on", weekday_4="on", weeks_ahead="3"),
    )
    assert response.status_code == 302, response.text
    days = _starts(in_commune, village)
    assert {d.weekday() for d in days} == {1, 4} and 4 <= len(days) <= 6
    monthly = client.post(f"{village.base}/new", data=_form(freq="monthly", weeks_ahead="12"))
    assert monthly.status_code == 302, monthly.text
    months = _starts(in_commune, village)
    assert len(months) >= 2 and len({d.day for d in months}) == 1
    assert len({(d.year, d.month) for d in months}) == len(months)


def test_a_bad_rule_is_named_and_nothing_is_written(client, village, factory, in_commune):
    factory.login(client, village.facilitator)
    response = client.post(f"{village.base}/new", data=_form(freq="yearly"))
    assert response.status_code == 422 and "Fréquence inconnue" in response.text
    with in_commune(village.commune):
        assert db.session.scalar(select(func.count(RosterSeries.id))) == 0


@pytest.fixture
def work_day(app):
    """A title kind declared like any text kind (federation.texts), as a plugin's
    ``federation_text_kinds`` would."""
    kinds = {"test.work_day": lambda p: _("Journée de travaux — %(where)s", where=p["where"])}
    with app.app_context():
        texts.register_kinds(kinds, owner="test")
    yield
    with app.app_context():
        texts.registry().pop("test.work_day", None)


def test_a_title_kind_is_rendered_in_the_readers_language(work_day, village, in_commune):
    with in_commune(village.commune):
        shift = roster.create_shift(
            "",
            utcnow() + timedelta(days=3),
            utcnow() + timedelta(days=3, hours=2),
            [{"name": "bras", "needed": 2}],
            title_kind="test.work_day",
            title_params={"where": "Lavoir"},
        )
        assert shift.title == "Journée de travaux — Lavoir"  # the stored fallback
        with force_locale("en"):  # no English for this test message: the French stays
            assert shift.display_title == "Journée de travaux — Lavoir"
        shift.title_params = {}
        assert shift.display_title == shift.title  # parameters that do not fit
        assert title_of("gone.plugin", {"x": 1}, "fallback") == "fallback"


def test_a_title_kind_no_plugin_declares_is_refused(work_day, village, in_commune):
    when = utcnow() + timedelta(days=3)
    with in_commune(village.commune):
        for kind, params in (("gone.plugin", {}), ("test.work_day", {"elsewhere": "x"})):
            with pytest.raises(ValidationFailed) as refused:
                roster.create_shift(
                    "",
                    when,
                    when + timedelta(hours=2),
                    [{"name": "bras", "needed": 2}],
                    title_kind=kind,
                    title_params=params,
                )
            assert refused.value.field == "title"
        assert db.session.scalar(select(func.count(Shift.id))) == 0
