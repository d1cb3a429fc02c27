"""What the roster writes in the journal, in the reader's language (issue 16)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting
from federation.roster import titles

P = Mapping[str, Any]


def journal_title(row: Any) -> dict[str, Any]:
    """A shift's or a series' title as journal parameters: the stored title and, for a
    generated one, its kind and parameters (rendered in the reader's language)."""
    found: dict[str, Any] = {"title": row.title}
    if getattr(row, "title_kind", ""):
        found.update(title_kind=row.title_kind, title_params=dict(row.title_params or {}))
    return found


def _title(p: P) -> str:
    if p.get("title_kind"):
        return titles.render_kind(p["title_kind"], p.get("title_params"), p["title"])
    return p["title"]


KINDS = {
    "roster.settings": lambda p: _("Réglages des tours de rôle modifiés"),
    "roster.shift_created": lambda p: _("Créneau ouvert : %(t)s", t=_title(p)),
    "roster.shift_cancelled": lambda p: _("Créneau annulé : %(t)s", t=_title(p)),
    "roster.series_created": lambda p: _("Série de créneaux ouverte : %(t)s", t=_title(p)),
    "roster.series_stopped": lambda p: _("Série de créneaux arrêtée : %(t)s", t=_title(p)),
    "roster.attendance": lambda p: ngettext(
        "Présences relevées : %(t)s (%(num)d présent·e)",
        "Présences relevées : %(t)s (%(num)d présent·es)",
        int(p["attended"]),
        t=_title(p),
    ),
    "roster.duty_set": lambda p: ngettext(
        "Tour de rôle fixé : %(num)d créneau toutes les %(w)d semaines",
        "Tour de rôle fixé : %(num)d créneaux toutes les %(w)d semaines",
        int(p["shifts_per_cycle"]),
        w=int(p["cycle_weeks"]),
    ),
    "roster.duty_ended": lambda p: _("Tour de rôle clos"),
    # notices (in-app and e-mail)
    "roster.shift_cancelled_notice": lambda p: _(
        "Le créneau « %(t)s » du %(d)s est annulé.",
        t=_title(p),
        d=formatting.moment(p["starts_at"]),
    ),
    "roster.reminder": lambda p: _(
        "Rappel : créneau « %(t)s » le %(d)s (%(p)s).",
        t=_title(p),
        d=formatting.moment(p["starts_at"]),
        p=p.get("place") or "—",
    ),
}
