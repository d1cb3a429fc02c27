"""Events: capacity and a waiting list promoted automatically, approval, registration by
e-mail only, door codes recorded as attendance, reminders, iCalendar, roles from the
roster, and the notifications (kinds rendered in each person's language)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from convergence_actions import events
from convergence_actions.models import Registration
from sqlalchemy import select

from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from tests.plugins.actions.conftest import new_event, user


def _statuses(event_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Registration.status)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        )
    )


def test_capacity_then_waiting_list_then_automatic_promotion(town, in_commune):
    from federation.identity.models import Notification

    event_id = new_event(town, in_commune, capacity=2)
    with in_commune(town.commune):
        event = events.get_event(event_id)
        rows = [events.register(event, user(m)) for m in town.members[:4]]
        first_id = rows[0].id
        assert [r.status for r in rows] == ["confirmed", "confirmed", "waiting", "waiting"]
        assert events.waiting_rank(rows[3]) == 2
        db.session.commit()
        with pytest.raises(Conflict):
            events.register(event, user(town.members[0]))
        db.session.rollback()
    with in_commune(town.commune):
        event = events.get_event(event_id)
        first = events.get_registration(event, first_id)
        promoted = events.cancel_registration(event, first, user(town.members[0]))
        assert [p.user_id for p in promoted] == [town.members[2].user.id]
    with in_commune(town.commune):
        assert _statuses(event_id) == ["cancelled", "confirmed", "confirmed", "waiting"]
        kinds = list(
            db.session.scalars(
                select(Notification.kind)
                .where(
                    Notification.user_id == town.members[2].user.id,
                    Notification.kind.like("actions.%"),
                )
                .order_by(Notification.id)
            )
        )
        assert kinds == ["actions.waiting", "actions.promoted"]
        # more places: the waiting list moves up at once
        events.update_capacity(events.get_event(event_id), 3, user(town.facilitator))
    with in_commune(town.commune):
        assert _statuses(event_id) == ["cancelled", "confirmed", "confirmed", "confirmed"]


def test_a_full_event_without_waiting_list_refuses(town, in_commune):
    event_id = new_event(town, in_commune, capacity=1, waiting_list=False)
    with in_commune(town.commune):
        event = events.get_event(event_id)
        events.register(event, user(town.members[0]))
        db.session.commit()
        with pytest.raises(Conflict):
            events.register(event, user(town.members[1]))
        db.session.rollback()


def test_approval_when_the_organisers_want_it(town, in_commune):
    event_id = new_event(town, in_commune, capacity=1, approval=True)
    with in_commune(town.commune):
        event = events.get_event(event_id)
        a, b, c = (events.register(event, user(m)) for m in town.members[:3])
        assert {a.status, b.status, c.status} == {"pending"}
        db.session.commit()
        with pytest.raises(Forbidden):
            events.decide(event, a, True, user(town.members[3]))
        db.session.rollback()
    with in_commune(town.commune):
        event = events.get_event(event_id)
        regs = {r.user_id: r for r in events.registrations(event, user(town.facilitator))}
        ids = [m.user.id for m in town.members[:3]]
        assert events.decide(event, regs[ids[0]], True, user(town.facilitator)).status == (
            "confirmed"
        )
        assert events.decide(event, regs[ids[1]], True, user(town.facilitator)).status == "waiting"
        assert events.decide(event, regs[ids[2]], False, user(town.facilitator)).status == "refused"


def test_registration_by_email_only_where_allowed(town, in_commune):
    from federation.identity.notifications import OUTBOX

    closed = new_event(town, in_commune, title="Réservée aux membres")
    opened = new_event(town, in_commune, title="Ouverte", open_to_email=True)
    with in_commune(town.commune):
        with pytest.raises(Forbidden):
            events.register(events.get_event(closed), email="a@example.org")
        with pytest.raises(ValidationFailed):
            events.register(events.get_event(opened), email="pas-une-adresse")
        row = events.register(events.get_event(opened), email="Voisine@Example.org")
        assert row.user_id is None and row.email == "voisine@example.org"
        code = row.code
    assert OUTBOX[-1]["To"] == "voisine@example.org" and code in OUTBOX[-1].get_content()
    with in_commune(town.commune):
        with pytest.raises(Conflict):
            events.register(events.get_event(opened), email="voisine@example.org")
        db.session.rollback()
    with in_commune(town.commune):
        events.cancel_by_code(events.get_event(opened), code.lower())
    with in_commune(town.commune):
        assert _statuses(opened) == ["cancelled"]


def test_door_codes_become_attendance_once(town, in_commune):
    event_id = new_event(town, in_commune, days=1)
    with in_commune(town.commune):
        event = events.get_event(event_id)
        row = events.register(event, user(town.members[0]))
        start = event.starts_at
        with pytest.raises(Conflict):  # too early
            events.check_in(event, row.code, user(town.facilitator), now=start - timedelta(hours=5))
        with pytest.raises(Forbidden):
            events.check_in(event, row.code, user(town.members[1]), now=start)
        with pytest.raises(NotFound):
            events.check_in(event, "ZZZZZZZZ", user(town.facilitator), now=start)
        done = events.check_in(
            event, f" {row.code[:4]}-{row.code[4:]} ", user(town.facilitator), now=start
        )
        assert done.attended_at is not None
        with pytest.raises(Conflict):
            events.check_in(event, row.code, user(town.facilitator), now=start)
        db.session.rollback()


def test_a_code_from_another_event_is_not_accepted(town, in_commune):
    one = new_event(town, in_commune, days=0.01)
    two = new_event(town, in_commune, days=0.01, title="Autre")
    with in_commune(town.commune):
        row = events.register(events.get_event(one), user(town.members[0]))
        code = row.code
    with in_commune(town.commune):
        with pytest.raises(NotFound):
            events.check_in(events.get_event(two), code, user(town.facilitator))
        db.session.rollback()


def test_reminders_go_once_to_confirmed_people(town, in_commune):
    from federation.identity.models import Notification

    soon = new_event(town, in_commune, days=0.5, capacity=1)
    later = new_event(town, in_commune, days=5, title="Plus tard")
    with in_commune(town.commune):
        events.register(events.get_event(soon), user(town.members[0]))
        events.register(events.get_event(soon), user(town.members[1]))  # waiting
        events.register(events.get_event(later), user(town.members[2]))
    with in_commune(town.commune):
        assert events.send_reminders() == 1
        assert events.send_reminders() == 0
        reminded = list(
            db.session.scalars(
                select(Notification.user_id).where(Notification.kind == "actions.reminder")
            )
        )
        assert reminded == [town.members[0].user.id]


def test_icalendar_of_an_event_and_of_the_commune(client, town, in_commune):
    event_id = new_event(town, in_commune, title="Vélorution; du printemps")
    one = client.get(f"{town.base}/events/{event_id}/event.ics")
    assert one.status_code == 200 and one.mimetype == "text/calendar"
    assert "SUMMARY:Vélorution\\; du printemps" in one.text
    assert one.text.startswith("BEGIN:VCALENDAR\r\n")
    feed = client.get(f"{town.base}/calendar.ics")
    assert f"UID:action-{event_id}@" in feed.text


def test_roles_and_quotas_come_from_the_roster(client, factory, town, in_commune):
    from federation.roster.services import get_shift, sign_up

    event_id = new_event(town, in_commune)
    with in_commune(town.commune):
        shift = events.open_roles(
            events.get_event(event_id),
            "Signaleur·e:2, Mécanicien·ne:1, Premiers secours:1:secourisme",
            user(town.facilitator),
        )
        shift_id = shift.id
        assert [(r.name, r.needed, r.required_skill) for r in shift.roles] == [
            ("Signaleur·e", 2, ""),
            ("Mécanicien·ne", 1, ""),
            ("Premiers secours", 1, "secourisme"),
        ]
        db.session.commit()
        with pytest.raises(Conflict):
            events.open_roles(events.get_event(event_id), "Autre:1", user(town.facilitator))
        db.session.rollback()
    with in_commune(town.commune):
        shift = get_shift(shift_id)
        sign_up(shift, shift.roles[1], user(town.members[0]))
        db.session.commit()
        with pytest.raises(Conflict):  # the quota holds
            sign_up(shift, shift.roles[1], user(town.members[1]))
        db.session.rollback()
    with in_commune(town.commune):
        shift = get_shift(shift_id)
        with pytest.raises(ServiceError):  # the qualification is required
            sign_up(shift, shift.roles[2], user(town.members[1]))
        db.session.rollback()
    page = client.get(f"/c/{town.commune.slug}/roster/shifts/{shift_id}")
    assert page.status_code == 200
    assert f"{town.base}/events/{event_id}" in page.text  # the roster links back


def test_bad_dates_are_refused_naming_the_field(town, in_commune):
    from convergence_actions import services

    with in_commune(town.commune):
        campaign = services.get_campaign(town.campaign_id)
        start = utcnow() + timedelta(days=2)
        for data, field in (
            ({"starts_at": "demain", "ends_at": start}, "starts_at"),
            ({"starts_at": start, "ends_at": start - timedelta(hours=1)}, "ends_at"),
            ({"starts_at": start, "ends_at": start + timedelta(days=30)}, "ends_at"),
        ):
            with pytest.raises(ValidationFailed) as refused:
                events.schedule(
                    {"title": "T", "location": "L", **data},
                    user(town.facilitator),
                    campaign=campaign,
                )
            assert refused.value.field == field
