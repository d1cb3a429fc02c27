"""Duties and the duty ledger: a commune (or a circle) asks N shifts every K weeks; each cycle
debits its members, each attended shift credits them (make-up shifts, solidarity shifts
given to another member, shifts done in another commune of a federation when both allow
it); exemptions and leave suspend the debits. The status is derived from the ledger by
:mod:`federation.roster.ledger`, never set by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from federation.db import db, lock_row, utcnow
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.identity.models import Membership, User
from federation.journal.services import record
from federation.plugins.events import emit
from federation.roster import ledger
from federation.roster.models import (
    EXEMPTION_KINDS,
    EXEMPTION_REASONS,
    Duty,
    Exemption,
    LedgerEntry,
    Shift,
    Signup,
)
from federation.tenancy.context import commune_scope


@dataclass(frozen=True)
class DutyStatus:
    """A member's standing for one duty (data; the page renders the label)."""

    duty_id: int
    body_id: int | None
    user_id: int
    status: ledger.Status

    @property
    def code(self) -> str:
        return self.status.code

    @property
    def balance(self) -> int:
        return self.status.balance


def rule_of(duty: Duty) -> ledger.DutyRule:
    return ledger.DutyRule(
        duty.shifts_per_cycle,
        duty.cycle_weeks,
        duty.starts_on,
        duty.alert_after,
        duty.suspend_after,
    )


def _today(today: date | None) -> date:
    return today or utcnow().date()


# --- duties -----------------------------------------------------------------------------------


def set_duty(
    *,
    body: Any = None,
    shifts_per_cycle: int = 1,
    cycle_weeks: int = 4,
    starts_on: date | None = None,
    alert_after: int = 1,
    suspend_after: int = 2,
    actor: User | None = None,
) -> Duty:
    """Set the commune's duty (``body`` None) or a circle's: a new duty replaces the active
    one of the same owner (the old one's ledger stays, closed)."""
    from federation.roster.services import _body_id

    try:
        values = [int(shifts_per_cycle), int(cycle_weeks), int(alert_after), int(suspend_after)]
    except (TypeError, ValueError):
        raise ValidationFailed(_("Nombre invalide."), field="shifts_per_cycle") from None
    per_cycle, weeks, alert, suspend = values
    if not 1 <= per_cycle <= 20:
        raise ValidationFailed(_("De 1 à 20 créneaux par cycle."), field="shifts_per_cycle")
    if not 1 <= weeks <= 52:
        raise ValidationFailed(_("Un cycle dure de 1 à 52 semaines."), field="cycle_weeks")
    if not 1 <= alert <= suspend <= 100:
        raise ValidationFailed(
            _("L'alerte vient avant la suspension (de 1 à 100 créneaux dus)."),
            field="alert_after",
        )
    body_id = _body_id(body)
    for old in active_duties(body_id=body_id, commune_wide=body_id is None):
        old.active = False
    duty = Duty(
        body_id=body_id,
        shifts_per_cycle=per_cycle,
        cycle_weeks=weeks,
        starts_on=starts_on or _today(None),
        alert_after=alert,
        suspend_after=suspend,
        created_by_id=actor.id if actor else None,
        active=True,
    )
    db.session.add(duty)
    db.session.flush()
    record(
        "roster.duty_set",
        payload={
            "duty": duty.id,
            "body": body_id,
            "shifts_per_cycle": per_cycle,
            "cycle_weeks": weeks,
            "starts_on": duty.starts_on.isoformat(),
            "alert_after": alert,
            "suspend_after": suspend,
        },
        commune_id=duty.commune_id,
        actor=actor.display_name if actor else "",
    )
    emit("roster.duty_set", {"duty_id": duty.id, "body_id": body_id}, commune_id=duty.commune_id)
    return duty


def end_duty(duty: Duty, actor: User | None = None) -> None:
    if not duty.active:
        raise Conflict(_("Ce tour de rôle est déjà clos."), field="duty")
    duty.active = False
    record(
        "roster.duty_ended",
        payload={"duty": duty.id, "body": duty.body_id},
        commune_id=duty.commune_id,
        actor=actor.display_name if actor else "",
    )


def get_duty(duty_id: int) -> Duty:
    duty = db.session.get(Duty, duty_id)
    if duty is None:
        raise NotFound(_("Tour de rôle introuvable."), field="duty")
    return duty


def active_duties(*, body_id: int | None = None, commune_wide: bool = False) -> list[Duty]:
    """Active duties of the current commune: all, or the commune-wide one
    (``commune_wide``), or a circle's (``body_id``)."""
    query = select(Duty).where(Duty.active.is_(True)).order_by(Duty.id)
    if commune_wide:
        query = query.where(Duty.body_id.is_(None))
    elif body_id is not None:
        query = query.where(Duty.body_id == body_id)
    return list(db.session.scalars(query))


# --- who owes, since when ---------------------------------------------------------------------


def _joined(duty: Duty, user_ids: list[int] | None = None) -> dict[int, date]:
    """Members subject to a duty and the day they joined (commune members, or circle members)."""
    if duty.body_id is None:
        query = select(Membership.user_id, Membership.verified_at, Membership.created_at).where(
            Membership.commune_id == duty.commune_id, Membership.status == "active"
        )
        if user_ids is not None:
            query = query.where(Membership.user_id.in_(user_ids))
        return {
            uid: (verified or created or datetime.now()).date()
            for uid, verified, created in db.session.execute(query).all()
        }
    from federation.governance.models import BodyMember

    query = select(BodyMember.user_id, BodyMember.created_at).where(
        BodyMember.body_id == duty.body_id
    )
    if user_ids is not None:
        query = query.where(BodyMember.user_id.in_(user_ids))
    return {uid: created.date() for uid, created in db.session.execute(query).all()}


def _periods(duty: Duty, user_ids: list[int] | None = None) -> dict[int, list[ledger.Period]]:
    query = select(Exemption).where(Exemption.duty_id == duty.id)
    if user_ids is not None:
        query = query.where(Exemption.user_id.in_(user_ids))
    found: dict[int, list[ledger.Period]] = {}
    for row in db.session.scalars(query):
        found.setdefault(row.user_id, []).append(
            ledger.Period(row.kind, row.starts_on, row.ends_on)
        )
    return found


def statuses(
    duty: Duty, user_ids: list[int] | None = None, *, today: date | None = None
) -> dict[int, DutyStatus]:
    """Derived status of every member subject to ``duty`` (or of ``user_ids``): a constant
    number of queries whatever the number of members."""
    today = _today(today)
    joined = _joined(duty, user_ids)
    ids = list(joined)
    totals: dict[int, int] = {}
    debited: dict[int, set[int]] = {}
    if ids:
        for uid, total in db.session.execute(
            select(LedgerEntry.user_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.duty_id == duty.id, LedgerEntry.user_id.in_(ids))
            .group_by(LedgerEntry.user_id)
        ).all():
            totals[uid] = int(total or 0)
        for uid, cycle in db.session.execute(
            select(LedgerEntry.user_id, LedgerEntry.cycle).where(
                LedgerEntry.duty_id == duty.id,
                LedgerEntry.user_id.in_(ids),
                LedgerEntry.kind == "debit",
            )
        ).all():
            debited.setdefault(uid, set()).add(cycle)
    periods = _periods(duty, ids)
    rule = rule_of(duty)
    return {
        uid: DutyStatus(
            duty.id,
            duty.body_id,
            uid,
            ledger.derive_status(
                rule,
                totals.get(uid, 0),
                debited.get(uid, set()),
                joined[uid],
                today,
                periods.get(uid, []),
            ),
        )
        for uid in ids
    }


def duty_status(
    user: User | int, commune_id: int | None = None, *, today: date | None = None
) -> list[DutyStatus]:
    """A member's status for every active duty of a commune (default: the current one)."""
    user_id = user if isinstance(user, int) else user.id

    def read() -> list[DutyStatus]:
        found = []
        for duty in active_duties():
            found.extend(statuses(duty, [user_id], today=today).values())
        return found

    if commune_id is None:
        return read()
    with commune_scope(commune_id):
        return read()


def entries(duty: Duty, user_id: int) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.duty_id == duty.id, LedgerEntry.user_id == user_id)
            .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
        )
    )


def settle(duty: Duty, *, today: date | None = None) -> int:
    """Write the debits of the cycles begun by ``today`` (idempotent: one debit per member
    and cycle, a UNIQUE key backs it). Statuses do not change: they already counted them."""
    today = _today(today)
    lock_row(Duty, duty.id)
    joined = _joined(duty)
    periods = _periods(duty)
    rule = rule_of(duty)
    written = {
        (uid, cycle)
        for uid, cycle in db.session.execute(
            select(LedgerEntry.user_id, LedgerEntry.cycle).where(
                LedgerEntry.duty_id == duty.id, LedgerEntry.kind == "debit"
            )
        ).all()
    }
    added = 0
    for uid, since in sorted(joined.items()):
        for cycle in ledger.cycles_due(rule, since, today, periods.get(uid, [])):
            if (uid, cycle) in written:
                continue
            db.session.add(
                LedgerEntry(
                    duty_id=duty.id,
                    user_id=uid,
                    kind="debit",
                    amount=-duty.shifts_per_cycle,
                    cycle=cycle,
                )
            )
            added += 1
    db.session.flush()
    return added


# --- credits ------------------------------------------------------------------------------------


def _both_allow(here: int, home: int) -> bool:
    from federation.roster.services import settings
    from federation.tenancy.models import FederationMember

    feds = select(FederationMember.federation_id).where(FederationMember.commune_id == here)
    shared = db.session.scalar(
        select(func.count(FederationMember.id)).where(
            FederationMember.commune_id == home, FederationMember.federation_id.in_(feds)
        )
    )
    if not shared or not settings().federated_credit:
        return False
    with commune_scope(home):
        return settings().federated_credit


def credit_shift(
    shift: Shift, signup: Signup, amount: int, *, now: datetime | None = None
) -> list[LedgerEntry]:
    """Credit (``+1``) or reverse (``-1``) an attended shift in the ledgers it counts for:
    the credited commune's commune-wide duty, and, at home, the organising circle's duty.
    A shift done in another commune credits only while both communes allow it."""
    here = shift.commune_id
    home = signup.credit_commune_id or here
    beneficiary = signup.gift_to_id or signup.user_id
    if home != here and not _both_allow(here, home):
        return []
    written: list[LedgerEntry] = []

    def write() -> None:
        duties = active_duties(commune_wide=True)
        if home == here and shift.body_id is not None:
            duties += active_duties(body_id=shift.body_id)
        for duty in duties:
            base = f"{here}:{signup.id}:"
            n = (
                db.session.scalar(
                    select(func.count(LedgerEntry.id)).where(
                        LedgerEntry.duty_id == duty.id, LedgerEntry.ref.startswith(base)
                    )
                )
                or 0
            )
            if amount > 0:
                if signup.gift_to_id:
                    kind = "gift"
                else:
                    late = statuses(duty, [beneficiary]).get(beneficiary)
                    kind = "makeup" if late and late.status.late > 0 else "credit"
            else:
                kind = "correction"
            entry = LedgerEntry(
                duty_id=duty.id,
                user_id=beneficiary,
                kind=kind,
                amount=amount,
                ref=f"{base}{n}",
                shift_commune_id=here,
            )
            db.session.add(entry)
            written.append(entry)
        db.session.flush()

    if home == here:
        write()
    else:
        with commune_scope(home):
            write()
    return written


# --- exemptions and leave -----------------------------------------------------------------------


def grant_exemption(
    duty: Duty,
    user_id: int,
    kind: str,
    starts_on: date,
    ends_on: date | None = None,
    *,
    reason: str = "other",
    actor: User | None = None,
) -> Exemption:
    """An exemption (may be open-ended) or a leave (dated) from a duty."""
    if kind not in EXEMPTION_KINDS:
        raise ValidationFailed(_("Type inconnu : %(k)s", k=kind), field="kind")
    if reason not in EXEMPTION_REASONS:
        raise ValidationFailed(_("Motif inconnu : %(r)s", r=reason), field="reason")
    if kind == "leave" and ends_on is None:
        raise ValidationFailed(_("Un congé a une date de fin."), field="ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed(_("La fin précède le début."), field="ends_on")
    if user_id not in _joined(duty, [user_id]):
        raise NotFound(
            _("Cette personne n'est pas concernée par ce tour de rôle."), field="user_id"
        )
    row = Exemption(
        duty_id=duty.id,
        user_id=user_id,
        kind=kind,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_by_id=actor.id if actor else None,
    )
    db.session.add(row)
    db.session.flush()
    emit(
        "roster.exemption_granted",
        {"duty_id": duty.id, "user_id": user_id, "kind": kind, "exemption_id": row.id},
        commune_id=duty.commune_id,
    )
    return row


def exemptions(duty: Duty, user_id: int | None = None) -> list[Exemption]:
    query = select(Exemption).where(Exemption.duty_id == duty.id)
    if user_id is not None:
        query = query.where(Exemption.user_id == user_id)
    return list(db.session.scalars(query.order_by(Exemption.starts_on)))


def end_exemption(row: Exemption, ends_on: date) -> None:
    if ends_on < row.starts_on:
        raise ValidationFailed(_("La fin précède le début."), field="ends_on")
    row.ends_on = ends_on
    db.session.flush()
