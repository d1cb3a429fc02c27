"""The roster: shifts that food distributions, collective actions, housing work days and
water patrols all use — roles and capacities, sign-ups never over capacity, recurring
series, reminders, attendance — and duties with a ledger per member whose status is derived,
credited across the communes of a federation when both allow it.

The public API for plugins (every function works in the current commune's scope and leaves
the commit to the caller; each state change writes its journal entry and emits its event):

Shifts
    :func:`create_shift` (title, starts_at, ends_at, roles, place=, tasks=, body=,
    source_kind=, source_ref=, signup_deadline=, cancel_deadline=, actor=) → ``Shift``;
    :func:`create_series` (title, first_starts_at, duration_minutes, roles, rule=,
    weeks_ahead=, until=, …) → ``RosterSeries``; :func:`extend_series`;
    :func:`cancel_shift`; :func:`get_shift`; :func:`shifts`; :func:`shifts_for`
    (source_kind, source_ref) — the shifts a plugin attached to one of its objects;
    :func:`filled` (shifts) → active sign-ups per role id, one query.
Sign-ups and attendance
    :func:`sign_up` (shift, role, user, credit_commune_id=, gift_to=) → ``Signup``;
    :func:`cancel` (signup, by=, force=); :func:`record_attendance` (shift,
    {signup_id: "attended" | "missed" | "excused" | None}, actor) → counts;
    :func:`my_signups` (user_id); :func:`send_reminders`.
Duty
    :func:`set_duty` (body=, shifts_per_cycle=, cycle_weeks=, starts_on=, alert_after=,
    suspend_after=); :func:`duty_status` (user, commune_id=) → ``[DutyStatus]`` whose
    ``code`` is one of ``up_to_date``, ``alert``, ``suspended``, ``exempt``, ``on_leave``;
    :func:`grant_exemption`; :func:`settle` (writes the cycles' debits; idempotent).

Roles are :class:`RoleSpec` objects or dicts ``{"name", "needed", "skill", "role"}``.
Errors are :mod:`federation.errors` exceptions (``ValidationFailed`` naming the field,
``Conflict`` when full or past a deadline, ``Forbidden``, ``NotFound``).
Hooks: ``federation_roster_shift_attended`` and ``federation_roster_source_link``
(see :mod:`federation.hookspecs`); events ``roster.shift_created``, ``roster.signed_up``,
``roster.cancelled``, ``roster.attendance_recorded``, ``roster.shift_cancelled``,
``roster.duty_set``, ``roster.exemption_granted``, ``roster.settings_changed``.
"""

from __future__ import annotations

from federation.roster.duty import (
    DutyStatus,
    active_duties,
    duty_status,
    end_duty,
    entries,
    grant_exemption,
    set_duty,
    settle,
    statuses,
)
from federation.roster.services import (
    RoleSpec,
    add_skill,
    cancel,
    cancel_shift,
    create_series,
    create_shift,
    extend_series,
    filled,
    get_shift,
    get_signup,
    gift,
    my_signups,
    record_attendance,
    send_reminders,
    settings,
    shifts,
    shifts_for,
    sign_up,
    signups,
    source_link,
    update_settings,
)

__all__ = [
    "DutyStatus",
    "RoleSpec",
    "active_duties",
    "add_skill",
    "cancel",
    "cancel_shift",
    "create_series",
    "create_shift",
    "duty_status",
    "end_duty",
    "entries",
    "extend_series",
    "filled",
    "get_shift",
    "get_signup",
    "gift",
    "grant_exemption",
    "my_signups",
    "record_attendance",
    "send_reminders",
    "set_duty",
    "settings",
    "settle",
    "shifts",
    "shifts_for",
    "sign_up",
    "signups",
    "source_link",
    "statuses",
    "update_settings",
]
