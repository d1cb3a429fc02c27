"""Duties and the ledger in the database: debits per cycle, credits for attended shifts,
make-up and solidarity shifts, exemptions and leave, credit across the communes of a
federation when both allow it (issue 14 item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from federation import roster
from federation.db import db, utcnow
from federation.errors import Forbidden, ValidationFailed
from federation.roster.models import LedgerEntry
from tests.core.roster.conftest import user


def _attend(in_commune, commune, shift_id, signup_ids, mark="attended"):
    with in_commune(commune):
        shift = roster.get_shift(shift_id)
        return roster.record_attendance(
            shift, dict.fromkeys(signup_ids, mark), now=shift.starts_at + timedelta(hours=1)
        )


def _status(in_commune, commune, ref, **kw):
    with in_commune(commune):
        found = roster.duty_status(ref.user.id, **kw)
        return [(s.code, s.balance) for s in found]


def _duty(in_commune, commune, weeks_ago=0, **kw):
    with in_commune(commune):
        duty = roster.set_duty(starts_on=utcnow().date() - timedelta(weeks=weeks_ago), **kw)
        return duty.id


def test_a_new_cycle_debits_and_an_attended_shift_credits(village, make_shift, in_commune):
    _duty(in_commune, village.commune)
    member = village.members[0]
    assert _status(in_commune, village.commune, member) == [("up_to_date", -1)]
    shift_id = make_shift(village.commune, starts_in=-3)  # already begun
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        signup_id = roster.sign_up(
            shift, shift.roles[0], user(member), now=shift.starts_at - timedelta(hours=30)
        ).id
    _attend(in_commune, village.commune, shift_id, [signup_id])
    assert _status(in_commune, village.commune, member) == [("up_to_date", 0)]
    # recording the same attendance again credits nothing more
    _attend(in_commune, village.commune, shift_id, [signup_id])
    assert _status(in_commune, village.commune, member) == [("up_to_date", 0)]
    # a correction reverses the credit
    _attend(in_commune, village.commune, shift_id, [signup_id], "missed")
    assert _status(in_commune, village.commune, member) == [("up_to_date", -1)]
    with in_commune(village.commune):
        kinds = [e.kind for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))]
    assert kinds == ["credit", "correction"]


def test_missed_cycles_put_a_member_on_alert_then_suspended(village, in_commune):
    _duty(in_commune, village.commune, weeks_ago=5, cycle_weeks=4)  # 2 cycles begun
    member = village.members[0]
    # joined today: no debit for cycles begun before joining
    assert _status(in_commune, village.commune, member) == [("up_to_date", 0)]
    with in_commune(village.commune):
        duty = roster.active_duties()[0]
        # cycles begin 5 weeks ago, 1 week ago, in 3, 7 and 11 weeks; joined today
        later = {
            weeks: {
                s.status.code
                for s in roster.statuses(
                    duty, today=utcnow().date() + timedelta(weeks=weeks)
                ).values()
            }
            for weeks in (4, 8, 12)
        }
    # 1 cycle due (the current one), then 1 late, then 2 late
    assert later == {4: {"up_to_date"}, 8: {"alert"}, 12: {"suspended"}}


def test_settle_writes_debits_once_and_statuses_do_not_move(village, in_commune):
    duty_id = _duty(in_commune, village.commune)
    before = _status(in_commune, village.commune, village.members[0])
    with in_commune(village.commune):
        duty = roster.active_duties()[0]
        first = roster.settle(duty)
        assert first == 5  # facilitator + 4 members
        assert roster.settle(duty) == 0
        assert duty.id == duty_id
    assert _status(in_commune, village.commune, village.members[0]) == before


def test_exemption_and_leave(village, in_commune):
    duty_id = _duty(in_commune, village.commune)
    today = utcnow().date()
    with in_commune(village.commune):
        duty = roster.active_duties()[0]
        roster.grant_exemption(duty, village.members[0].user.id, "exemption", today)
        roster.grant_exemption(
            duty,
            village.members[1].user.id,
            "leave",
            today,
            today + timedelta(days=60),
            reason="family",
        )
        with pytest.raises(ValidationFailed) as refused:
            roster.grant_exemption(duty, village.members[2].user.id, "leave", today)
        assert refused.value.field == "ends_on"
        assert duty.id == duty_id
    assert _status(in_commune, village.commune, village.members[0]) == [("exempt", 0)]
    assert _status(in_commune, village.commune, village.members[1]) == [("on_leave", 0)]


def test_a_solidarity_shift_credits_the_member_it_is_given_to(village, make_shift, in_commune):
    _duty(in_commune, village.commune)
    giver, receiver = village.members[0], village.members[1]
    shift_id = make_shift(village.commune, starts_in=-2)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        with pytest.raises(ValidationFailed):
            roster.sign_up(
                shift,
                shift.roles[0],
                user(giver),
                gift_to=giver.user.id,
                now=shift.starts_at - timedelta(hours=30),
            )
        signup_id = roster.sign_up(
            shift,
            shift.roles[0],
            user(giver),
            gift_to=receiver.user.id,
            now=shift.starts_at - timedelta(hours=30),
        ).id
    _attend(in_commune, village.commune, shift_id, [signup_id])
    assert _status(in_commune, village.commune, receiver) == [("up_to_date", 0)]
    assert _status(in_commune, village.commune, giver) == [("up_to_date", -1)]
    with in_commune(village.commune):
        assert [e.kind for e in db.session.scalars(select(LedgerEntry))] == ["gift"]


def test_a_makeup_shift_is_labelled_as_such(village, make_shift, in_commune):
    _duty(in_commune, village.commune, weeks_ago=9, cycle_weeks=4, suspend_after=3)
    member = village.members[0]
    with in_commune(village.commune):
        # joined long ago: the backdated membership makes earlier cycles due
        from federation.identity.services import membership

        membership(village.commune.id, member.user.id).verified_at = utcnow() - timedelta(weeks=20)
    assert _status(in_commune, village.commune, member) == [("alert", -3)]
    shift_id = make_shift(village.commune, starts_in=-2)
    with in_commune(village.commune):
        shift = roster.get_shift(shift_id)
        signup_id = roster.sign_up(
            shift, shift.roles[0], user(member), now=shift.starts_at - timedelta(hours=30)
        ).id
    _attend(in_commune, village.commune, shift_id, [signup_id])
    with in_commune(village.commune):
        assert [e.kind for e in db.session.scalars(select(LedgerEntry))] == ["makeup"]
    assert _status(in_commune, village.commune, member) == [("alert", -2)]


# --- across a federation -----------------------------------------------------------------------


@pytest.fixture
def pair(factory, in_commune):
    home = factory.commune("home-town")
    away = factory.commune("away-town")
    factory.federation("plateau", [home, away])
    person = factory.member(home)
    for commune in (home, away):
        with in_commune(commune):
            roster.update_settings(federated_credit=True)
    return home, away, person


def test_a_shift_done_in_another_commune_credits_the_home_commune(pair, make_shift, in_commune):
    home, away, person = pair
    _duty(in_commune, home)
    shift_id = make_shift(away, starts_in=-2)
    with in_commune(away):
        shift = roster.get_shift(shift_id)
        signup = roster.sign_up(
            shift, shift.roles[0], user(person), now=shift.starts_at - timedelta(hours=30)
        )
        assert signup.credit_commune_id == home.id
        signup_id = signup.id
    _attend(in_commune, away, shift_id, [signup_id])
    assert _status(in_commune, home, person) == [("up_to_date", 0)]
    with in_commune(home):
        entry = db.session.scalars(select(LedgerEntry)).one()
        assert entry.shift_commune_id == away.id and entry.commune_id == home.id


@pytest.mark.parametrize("refusing", ["home", "away"])
def test_no_federated_credit_unless_both_communes_allow_it(pair, make_shift, in_commune, refusing):
    home, away, person = pair
    _duty(in_commune, home)
    shift_id = make_shift(away, starts_in=-2)
    with in_commune(away):
        shift = roster.get_shift(shift_id)
        signup_id = roster.sign_up(
            shift, shift.roles[0], user(person), now=shift.starts_at - timedelta(hours=30)
        ).id
    with in_commune(home if refusing == "home" else away):
        roster.update_settings(federated_credit=False)
    _attend(in_commune, away, shift_id, [signup_id])
    assert _status(in_commune, home, person) == [("up_to_date", -1)]
    # and a new sign-up is refused outright
    other = make_shift(away)
    with in_commune(away):
        shift = roster.get_shift(other)
        with pytest.raises(Forbidden):
            roster.sign_up(shift, shift.roles[0], user(person))


def test_no_federated_credit_outside_a_shared_federation(factory, make_shift, in_commune):
    home, elsewhere = factory.commune(), factory.commune()
    person = factory.member(home)
    for commune in (home, elsewhere):
        with in_commune(commune):
            roster.update_settings(federated_credit=True)
    shift_id = make_shift(elsewhere)
    with in_commune(elsewhere):
        shift = roster.get_shift(shift_id)
        with pytest.raises(Forbidden):
            roster.sign_up(shift, shift.roles[0], user(person))
