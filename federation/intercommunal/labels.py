"""Human labels of intercommunal values, as template filters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

FEDERATION_STATUS = {
    "draft": _l("en préparation"),
    "ratifying": _l("en ratification"),
    "adopted": _l("ratifiée"),
    "rejected": _l("non ratifiée"),
}
RATIFICATION_STATUS = {
    "pending": _l("en attente"),
    "ratified": _l("ratifiée"),
    "rejected": _l("rejetée"),
    "left": _l("a quitté la fédération"),
    "unable": _l("ne peut pas répondre (aucun·e membre pouvant voter)"),
    "unanswered": _l("sans réponse avant la décision"),
}
UNABLE_RULE_LABELS = {
    "abstain": _l("comptée comme abstention"),
    "refuse": _l("comptée comme refus"),
    "exclude": _l("hors du calcul"),
}
RULE_LABELS = {
    "majority": _l("majorité des communes"),
    "qualified": _l("majorité qualifiée"),
    "unanimity": _l("unanimité"),
}
PROJECT_STATUS = {
    "draft": _l("en préparation"),
    "ratifying": _l("en ratification"),
    "approved": _l("approuvé"),
    "rejected": _l("non ratifié"),
}


def register(bp: Blueprint) -> None:
    def lookup(table: dict) -> Any:
        return lambda value: str(table.get(value, value))

    bp.add_app_template_filter(lookup(FEDERATION_STATUS), "federation_status")
    bp.add_app_template_filter(lookup(RATIFICATION_STATUS), "ratification_status")
    bp.add_app_template_filter(lookup(RULE_LABELS), "rule_label")
    bp.add_app_template_filter(lookup(UNABLE_RULE_LABELS), "unable_rule_label")
    bp.add_app_template_filter(lookup(PROJECT_STATUS), "project_status")
