"""Community places: opening hours, rooms booked under their rules, no double booking;
cooperative and association projects with their steps done by decisions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from convergence_actions import places

from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, ValidationFailed
from tests.plugins.actions.conftest import adopted_decision, user


def _next(weekday: int, hour: int) -> datetime:
    now = utcnow()
    day = now + timedelta(days=(weekday - now.weekday()) % 7 + 7)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def room_id(town, in_commune):
    with in_commune(town.commune):
        place = places.create_place(
            {"name": "Maison commune", "opening_hours": "0 09:00-12:00 14:00-20:00\n5 10:00-18:00"},
            user(town.facilitator),
        )
        assert place.opening_hours == {
            "0": [["09:00", "12:00"], ["14:00", "20:00"]],
            "5": [["10:00", "18:00"]],
        }
        return places.add_room(
            place, {"name": "Salle", "max_hours": 3, "min_notice_hours": 24}, user(town.facilitator)
        ).id


def test_opening_hours_are_checked(town, in_commune):
    with in_commune(town.commune):
        for bad in ("8 09:00-10:00", "0 10:00-09:00", "0 9h-10h", "lundi"):
            with pytest.raises(ValidationFailed) as refused:
                places.parse_hours(bad)
            assert refused.value.field == "opening_hours"
        with pytest.raises(Forbidden):
            places.create_place({"name": "X"}, user(town.members[0]))


def test_bookings_follow_the_rules_and_never_overlap(town, in_commune, room_id):
    monday = _next(0, 14)
    with in_commune(town.commune):
        room = places.get_room(room_id)
        member = user(town.members[0])
        for span, field in (
            ((monday, monday + timedelta(hours=4)), "ends_at"),  # longer than 3 hours
            ((monday.replace(hour=12), monday.replace(hour=13)), "starts_at"),  # closed
            ((_next(1, 14), _next(1, 15)), "starts_at"),  # Tuesday: closed
            ((utcnow() + timedelta(hours=2), utcnow() + timedelta(hours=3)), "starts_at"),
        ):
            with pytest.raises(ValidationFailed) as refused:
                places.book(room, {"starts_at": span[0], "ends_at": span[1]}, member)
            assert refused.value.field == field, span
        booking = places.book(
            room, {"starts_at": monday, "ends_at": monday + timedelta(hours=2)}, member
        )
        booking_id = booking.id
    with in_commune(town.commune):
        with pytest.raises(Conflict):
            places.book(
                places.get_room(room_id),
                {"starts_at": monday + timedelta(hours=1), "ends_at": monday + timedelta(hours=3)},
                user(town.members[1]),
            )
        db.session.rollback()
    with in_commune(town.commune):
        with pytest.raises(Forbidden):
            places.cancel_booking(places.get_booking(booking_id), user(town.members[1]))
        db.session.rollback()
    with in_commune(town.commune):
        places.cancel_booking(places.get_booking(booking_id), user(town.members[0]))
    with in_commune(town.commune):  # the slot is free again
        places.book(
            places.get_room(room_id),
            {"starts_at": monday + timedelta(hours=1), "ends_at": monday + timedelta(hours=3)},
            user(town.members[1]),
        )


def test_a_cooperative_project_moves_step_by_step_with_decisions(town, in_commune):
    with in_commune(town.commune):
        project = places.start_project(
            {
                "name": "Coopérative vélo",
                "kind": "cooperative",
                "steps": "Statuts\nAssemblée constitutive",
                "body_id": town.circle_id,
            },
            user(town.facilitator),
        )
        project_id = project.id
        steps = [s.id for s in places.steps(project)]
        decision_id = adopted_decision("Statuts adoptés", [town.facilitator], town.facilitator).id
    with in_commune(town.commune):
        project = places.get_project(project_id)
        with pytest.raises(Forbidden):
            places.complete_step(project, steps[0], user(town.members[0]))
        db.session.rollback()
    with in_commune(town.commune):
        project = places.get_project(project_id)
        places.complete_step(project, steps[0], user(town.circle_member), decision_id=decision_id)
        assert project.status == "active"
        places.complete_step(project, steps[1], user(town.circle_member))
        assert project.status == "done"
        assert places.steps(project)[0].decision_id == decision_id
