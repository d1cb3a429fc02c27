"""What the roster writes in the journal, in the reader's language (issue 16), and the titles
of generated shifts.

A plugin that opens shifts under a title of its own declares the title as a text kind like
any other (hook ``federation_text_kinds``, :mod:`federation.texts`)::

    "food.harvest": lambda p: _("Chantier de récolte — %(producer)s", producer=p["producer"])

and passes ``title_kind="food.harvest", title_params={"producer": "…"}`` to
:func:`federation.roster.create_shift` / :func:`create_series`. The shift's ``title`` column
keeps the French rendering as a fallback (a kind whose plugin is gone, a search); every page,
feed and notification shows :func:`display_title` in the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from federation import formatting, texts

P = Mapping[str, Any]


def journal_title(row: Any) -> dict[str, Any]:
    """A shift's or a series' title as journal parameters: the stored title and, for a
    generated one, its kind and parameters (rendered in the reader's language)."""
    found: dict[str, Any] = {"title": row.title}
    if getattr(row, "title_kind", ""):
        found.update(title_kind=row.title_kind, title_params=dict(row.title_params or {}))
    return found


def title_of(kind: str, params: Mapping[str, Any] | None, fallback: str) -> str:
    """A generated title in the reader's language (``fallback``, the stored title, for no
    kind, a kind no plugin declares any more, or parameters that no longer fit)."""
    if not kind:
        return fallback
    return texts.render(kind, params, fallback)


def display_title(row: Any) -> str:
    """The title of a shift or a series in the reader's language."""
    return title_of(getattr(row, "title_kind", ""), getattr(row, "title_params", None), row.title)


def french_title(kind: str, params: Mapping[str, Any]) -> str | None:
    """The title stored as the fallback, in French (the deployment's first language): None
    for a kind no plugin declares, "" for parameters that do not fit it."""
    from flask_babel import force_locale

    renderer = texts.registry().get(kind)
    if renderer is None:
        return None
    try:
        with force_locale("fr"):
            return str(renderer(params))
    except (KeyError, TypeError, ValueError, LookupError):
        return ""


def _title(p: P) -> str:
    return title_of(p.get("title_kind", ""), p.get("title_params"), p["title"])


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
