"""Shifts, sign-ups, cancel deadlines, attendance: the services plugins build on (issue 14
item 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from federation import roster
from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, ValidationFailed
from federation.journal.models import JournalEntry
from federation.roster.models import Shift, Signup
from tests.core.roster.conftest import soon, user


def test_a_shift_fills_to_capacity_and_refuses_one_more(village, make_shift, in_commune):
    shift_id = make_shift(village.commune, needed=2)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        role = shift.roles[0]
        roster.sign_up(shift, role, user(village.members[0]))
        roster.sign_up(shift, role, user(village.members[1]))
        with pytest.raises(Conflict) as refused:
            roster.sign_up(shift, role, user(village.members[2]))
        assert refused.value.field == "role"
        assert roster.filled([shift]) == {role.id: 2}


def test_one_person_signs_up_once_per_shift(village, make_shift, in_commune):
    shift_id = make_shift(
        village.commune,
        roles=[{"name": "accueil", "needed": 3}, {"name": "caisse", "needed": 3}],
    )
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        person = user(village.members[0])
        roster.sign_up(shift, shift.roles[0], person)
        with pytest.raises(Conflict):
            roster.sign_up(shift, shift.roles[1], person)


def test_cancel_before_the_deadline_frees_the_place(village, make_shift, in_commune):
    shift_id = make_shift(village.commune, needed=1)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        signup = roster.sign_up(shift, shift.roles[0], user(village.members[0]))
        roster.cancel(signup)
        again = roster.sign_up(shift, shift.roles[0], user(village.members[1]))
        assert again.status == "active"
        # the first person comes back: the same row is reused, and the role is full
        with pytest.raises(Conflict):
            roster.sign_up(shift, shift.roles[0], user(village.members[0]))


def test_cancel_after_the_deadline_is_refused_unless_forced(village, make_shift, in_commune):
    shift_id = make_shift(village.commune, starts_in=10)  # cancel deadline: 24 h before
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        signup = roster.sign_up(shift, shift.roles[0], user(village.members[0]))
        with pytest.raises(Conflict):
            roster.cancel(signup)
        roster.cancel(signup, by=user(village.facilitator), force=True)
        assert signup.status == "cancelled"


def test_signup_after_the_deadline_is_refused(village, make_shift, in_commune):
    shift_id = make_shift(village.commune)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        with pytest.raises(Conflict):
            roster.sign_up(
                shift,
                shift.roles[0],
                user(village.members[0]),
                now=shift.starts_at + timedelta(minutes=1),
            )


def test_only_verified_members_sign_up(village, make_shift, in_commune, factory):
    outsider = factory.user()
    pending = factory.member(village.commune, status="pending")
    shift_id = make_shift(village.commune)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        for person in (outsider, pending.user):
            with pytest.raises(Forbidden):
                roster.sign_up(shift, shift.roles[0], user(person))


def test_required_skill_and_role(village, make_shift, in_commune):
    shift_id = make_shift(
        village.commune,
        roles=[
            {"name": "chauffeur", "needed": 1, "skill": "permis poids lourd"},
            {"name": "animation", "needed": 1, "role": "facilitator"},
        ],
    )
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        driver, facilitation = shift.roles
        member = user(village.members[0])
        with pytest.raises(Forbidden):
            roster.sign_up(shift, driver, member)
        with pytest.raises(Forbidden):
            roster.sign_up(shift, facilitation, member)
        roster.add_skill(member.id, "permis poids lourd")
        roster.sign_up(shift, driver, member)
        roster.sign_up(shift, facilitation, user(village.facilitator))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"roles": []}, "roles"),
        ({"roles": [{"name": "x", "needed": 0}]}, "roles"),
        ({"roles": [{"name": "x", "needed": "many"}]}, "roles"),
        ({"roles": [{"name": "x", "needed": 1}, {"name": "X", "needed": 1}]}, "roles"),
        ({"hours": -1}, "ends_at"),
    ],
)
def test_bad_shift_input_names_the_field(village, in_commune, kwargs, field):
    with in_commune(village.commune):
        start = soon()
        with pytest.raises(ValidationFailed) as refused:
            roster.create_shift(
                kwargs.get("title", "Chantier"),
                start,
                start + timedelta(hours=kwargs.get("hours", 2)),
                kwargs.get("roles", [{"name": "x", "needed": 1}]),
            )
        assert refused.value.field == field
        db.session.rollback()
        assert db.session.scalars(select(Shift)).all() == []


def test_attendance_is_recorded_after_the_start_and_journaled_without_names(
    village, make_shift, in_commune
):
    shift_id = make_shift(village.commune, needed=3)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        people = [user(m) for m in village.members[:3]]
        ups = [roster.sign_up(shift, shift.roles[0], p) for p in people]
        with pytest.raises(Conflict):
            roster.record_attendance(shift, {ups[0].id: "attended"})
        later = shift.starts_at + timedelta(hours=1)
        counts = roster.record_attendance(
            shift,
            {ups[0].id: "attended", ups[1].id: "missed", ups[2].id: "excused"},
            user(village.facilitator),
            now=later,
        )
        assert counts == {"attended": 1, "missed": 1, "excused": 1}
        with pytest.raises(ValidationFailed):
            roster.record_attendance(shift, {ups[0].id: "maybe"}, now=later)
        entries = db.session.scalars(
            select(JournalEntry).where(JournalEntry.kind.like("roster.%"))
        ).all()
        assert {e.kind for e in entries} == {"roster.shift_created", "roster.attendance"}
        for entry in entries:
            for person in people:
                assert person.display_name not in entry.payload + entry.summary
                assert person.email not in entry.payload + entry.summary


def test_shifts_for_a_plugin_object(village, make_shift, in_commune):
    make_shift(village.commune, source_kind="food.distribution", source_ref="7")
    make_shift(village.commune, source_kind="food.distribution", source_ref="8")
    make_shift(village.commune)
    with in_commune(village.commune):
        assert len(roster.shifts_for("food.distribution", 7)) == 1
        assert len(roster.shifts_for("food.distribution")) == 2
        assert len(roster.shifts(after=utcnow())) == 3


def test_cancelling_a_shift_tells_its_people(village, make_shift, in_commune, app):
    from federation.identity.notifications import OUTBOX

    shift_id = make_shift(village.commune)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        roster.sign_up(shift, shift.roles[0], user(village.members[0]))
        roster.cancel_shift(shift, user(village.facilitator))
        with pytest.raises(Conflict):
            roster.sign_up(shift, shift.roles[0], user(village.members[1]))
    assert [m["To"] for m in OUTBOX] == [village.members[0].user.email]


def test_reminders_once_per_signup(village, make_shift, in_commune):
    from federation.identity.notifications import OUTBOX

    near = make_shift(village.commune, starts_in=5)
    make_shift(village.commune, starts_in=24 * 5)  # too far ahead for a reminder
    with in_commune(village.commune):
        shift = roster.get_shift(near)
        roster.sign_up(shift, shift.roles[0], user(village.members[0]))
        assert roster.send_reminders() == 1
        assert roster.send_reminders() == 0
        assert db.session.scalars(select(Signup)).one().reminded_at is not None
    assert len(OUTBOX) == 1 and "Rappel" in OUTBOX[0]["Subject"]
