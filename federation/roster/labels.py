"""Human labels (French first, translated at read time) of the roster's stored values."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "up_to_date": _l("à jour"),
    "alert": _l("en alerte"),
    "suspended": _l("suspendu·e"),
    "exempt": _l("dispensé·e"),
    "on_leave": _l("en congé"),
}
ATTENDANCE_LABELS = {
    "attended": _l("présent·e"),
    "missed": _l("absent·e"),
    "excused": _l("excusé·e"),
}
ENTRY_LABELS = {
    "debit": _l("cycle"),
    "credit": _l("créneau effectué"),
    "makeup": _l("créneau de rattrapage"),
    "gift": _l("créneau solidaire reçu"),
    "correction": _l("correction"),
}
EXEMPTION_LABELS = {"exemption": _l("dispense"), "leave": _l("congé")}
REASON_LABELS = {
    "health": _l("santé"),
    "family": _l("famille"),
    "age": _l("âge"),
    "work": _l("travail"),
    "other": _l("autre"),
}
SHIFT_STATUS = {"open": _l("ouvert"), "cancelled": _l("annulé")}


def register(bp: Blueprint) -> None:
    def lookup(table: dict) -> Any:
        return lambda value: str(table.get(value, value))

    bp.add_app_template_filter(lookup(STATUS_LABELS), "duty_status_label")
    bp.add_app_template_filter(lookup(ATTENDANCE_LABELS), "attendance_label")
    bp.add_app_template_filter(lookup(ENTRY_LABELS), "ledger_label")
    bp.add_app_template_filter(lookup(EXEMPTION_LABELS), "exemption_label")
    bp.add_app_template_filter(lookup(REASON_LABELS), "reason_label")
    bp.add_app_template_filter(lookup(SHIFT_STATUS), "shift_status_label")
