"""Human labels (French first, translated) of governance values, as template filters."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from federation.governance.proposals import STATE_LABELS

MANDATE_LABELS = {
    "facilitator": _l("facilitation"),
    "guarantor": _l("garant·e de la gouvernance"),
    "secretary": _l("secrétariat"),
    "delegate": _l("délégué·e"),
    "elected": _l("élu·e"),
    "other": _l("autre mandat"),
}
VOTE_STATUS = {"draft": _l("en préparation"), "open": _l("ouvert"), "closed": _l("clos")}
METHOD_LABELS = {
    "majority": _l("majorité"),
    "consent": _l("consentement"),
    "advice": _l("sollicitation d'avis"),
    "approval": _l("vote par approbation"),
    "score": _l("vote par notes"),
    "dot": _l("vote par points (gommettes)"),
    "majority_judgment": _l("jugement majoritaire"),
    "schulze": _l("classement (Schulze)"),
    "stv": _l("vote unique transférable"),
    "time_poll": _l("sondage de dates"),
}
ORG_KINDS = {
    "association": _l("association"),
    "cooperative": _l("coopérative"),
    "company": _l("entreprise"),
    "public_body": _l("service public"),
    "collective": _l("collectif"),
}
AMENDMENT_STATUS = {"proposed": _l("proposé"), "accepted": _l("intégré"), "rejected": _l("écarté")}
GRADES = [
    _l("à rejeter"),
    _l("insuffisant"),
    _l("passable"),
    _l("assez bien"),
    _l("bien"),
    _l("très bien"),
    _l("excellent"),
]


def grade_labels(count: int) -> list[Any]:
    count = max(2, min(int(count), len(GRADES)))
    return [*GRADES[: count - 1], GRADES[-1]] if count < len(GRADES) else list(GRADES)


def register(bp: Blueprint) -> None:
    def lookup(table: dict) -> Any:
        return lambda value: str(table.get(value, value))

    bp.add_app_template_filter(lookup(STATE_LABELS), "state_label")
    bp.add_app_template_filter(lookup(MANDATE_LABELS), "mandate_label")
    bp.add_app_template_filter(lookup(VOTE_STATUS), "vote_status")
    bp.add_app_template_filter(lookup(METHOD_LABELS), "method_label")
    bp.add_app_template_filter(lookup(ORG_KINDS), "org_kind")
    bp.add_app_template_filter(lookup(AMENDMENT_STATUS), "amendment_status")
    bp.add_app_template_filter(lambda key, table: table.get(key, key), "option_label")
    from federation.governance.texts import body_name

    bp.add_app_template_filter(body_name, "body_name")
    bp.add_app_template_global(grade_labels, "grade_labels")
