"""Built-in ways to verify that a person asking to join a commune lives there."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import TimestampMixin, db, utcnow
from federation.errors import ValidationFailed
from federation.identity.models import Membership
from federation.plugins.contributions import VerificationMethod
from federation.tenancy.context import commune_scope
from federation.tenancy.scoping import TenantMixin

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or on paper


class InvitationCode(TenantMixin, TimestampMixin, db.Model):
    """A one-time code handed out in person or by post. Only its hash is stored."""

    __tablename__ = "invitation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("commune_id", "code_hash"),)


class ResidentEntry(TenantMixin, TimestampMixin, db.Model):
    """A line of the residents list imported by the commune's agents (e-mail addresses)."""

    __tablename__ = "resident_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)

    __table_args__ = (UniqueConstraint("commune_id", "email"),)


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def generate_codes(commune_id: int, count: int, created_by_id: int | None = None) -> list[str]:
    codes = []
    with commune_scope(commune_id):
        for _ in range(count):
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
            db.session.add(
                InvitationCode(
                    commune_id=commune_id, code_hash=_digest(raw), created_by_id=created_by_id
                )
            )
            codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.flush()
    return codes


def _verify_code(member: Membership, value: str) -> bool:
    if not value:
        return False
    with commune_scope(member.commune_id):
        code = db.session.scalar(
            select(InvitationCode).where(
                InvitationCode.code_hash == _digest(value), InvitationCode.used_at.is_(None)
            )
        )
        if code is None:
            return False
        code.used_at = utcnow()
        code.used_by_id = member.user_id
    return True


#: an address as a list gives it: no spaces or controls, one @, a dotted domain
_ADDRESS = re.compile(r"[^\s@\x00-\x1f\x7f]{1,64}@[^\s@\x00-\x1f\x7f.]+(\.[^\s@\x00-\x1f\x7f.]+)+")
MAX_REPORTED_LINES = 20


def import_residents(commune_id: int, emails: list[str]) -> int:
    """Add the addresses of the residents list (one a line, blank lines ignored). Every
    line must be an address: otherwise nothing is added and the error names the bad lines
    (random bytes pasted were stored as hundreds of "addresses")."""
    bad: list[int] = []
    for number, raw in enumerate(emails, start=1):
        email = raw.strip()
        if email and (len(email) > 254 or not _ADDRESS.fullmatch(email)):
            bad.append(number)
    if bad:
        shown = ", ".join(str(n) for n in bad[:MAX_REPORTED_LINES])
        more = "…" if len(bad) > MAX_REPORTED_LINES else ""
        raise ValidationFailed(
            _("Adresses invalides, rien n'est ajouté (lignes %(lines)s).", lines=shown + more),
            field="emails",
        )
    added = 0
    with commune_scope(commune_id):
        known = set(db.session.scalars(select(ResidentEntry.email)))
        for raw in emails:
            email = raw.strip().lower()
            if email and email not in known:
                db.session.add(ResidentEntry(commune_id=commune_id, email=email))
                known.add(email)
                added += 1
        db.session.flush()
    return added


def _verify_resident(member: Membership, _value: str) -> bool:
    with commune_scope(member.commune_id):
        return (
            db.session.scalar(
                select(ResidentEntry.id).where(ResidentEntry.email == member.user.email)
            )
            is not None
        )


def builtin_methods() -> list[VerificationMethod]:
    return [
        VerificationMethod(
            "approval",
            _l("Validation par un·e facilitateur·rice"),
            _l("Votre demande sera examinée par un·e facilitateur·rice de la commune."),
        ),
        VerificationMethod(
            "invitation_code",
            _l("Code d'invitation"),
            _l("Saisissez le code remis en main propre ou reçu par courrier."),
            field_label=_l("Code d'invitation"),
            verify=_verify_code,
        ),
        VerificationMethod(
            "residents_list",
            _l("Liste des habitant·es"),
            _l(
                "Votre adresse e-mail est comparée à la liste tenue par la mairie ; "
                "sinon un·e facilitateur·rice examine votre demande."
            ),
            verify=_verify_resident,
        ),
    ]
