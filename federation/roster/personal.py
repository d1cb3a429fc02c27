"""A person's roster data (GDPR export and erasure), read across communes (unscoped)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from federation.db import db
from federation.roster.models import (
    Exemption,
    FeedToken,
    LedgerEntry,
    MemberSkill,
    Shift,
    Signup,
)


def export(user_id: int) -> dict[str, Any]:
    signups = db.session.execute(
        select(Signup, Shift)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(Signup.user_id == user_id)
    ).all()
    return {
        "signups": [
            {
                "commune_id": s.commune_id,
                "shift": shift.display_title,
                "starts_at": shift.starts_at,
                "status": s.status,
                "attendance": s.attendance,
                "credit_commune_id": s.credit_commune_id,
            }
            for s, shift in signups
        ],
        "ledger": [
            {
                "commune_id": e.commune_id,
                "duty_id": e.duty_id,
                "kind": e.kind,
                "amount": e.amount,
                "at": e.recorded_at,
            }
            for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.user_id == user_id))
        ],
        "exemptions": [
            {
                "commune_id": x.commune_id,
                "kind": x.kind,
                "reason": x.reason,
                "starts_on": x.starts_on,
                "ends_on": x.ends_on,
            }
            for x in db.session.scalars(select(Exemption).where(Exemption.user_id == user_id))
        ],
        "skills": [
            {"commune_id": k.commune_id, "skill": k.skill}
            for k in db.session.scalars(select(MemberSkill).where(MemberSkill.user_id == user_id))
        ],
    }


def erase(user_id: int) -> None:
    """Everything that names the person goes; a solidarity shift given to them stays the
    giver's (the gift is undone)."""
    for model in (FeedToken, MemberSkill, Exemption, LedgerEntry, Signup):
        db.session.execute(
            delete(model)
            .where(model.user_id == user_id)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(Signup)
        .where(Signup.gift_to_id == user_id)
        .values(gift_to_id=None)
        .execution_options(synchronize_session=False)
    )
