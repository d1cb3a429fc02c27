"""Shift titles stored as data: a kind and its parameters, rendered in the reader's language.

A plugin that opens shifts with a title of its own registers the kind once, at import time,
with a lazy French message (its catalog translates it)::

    from federation.roster.titles import register_title
    register_title("food.harvest", _l("Chantier de récolte — %(producer)s"))

and passes ``title_kind="food.harvest", title_params={"producer": "…"}`` to
:func:`federation.roster.create_shift` / :func:`create_series`. The shift's ``title`` column
keeps the French rendering as a fallback (a kind whose plugin is gone, a search); every
page, feed and notification shows :func:`render` in the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_KINDS: dict[str, Any] = {}
MAX_KIND = 60


def register_title(kind: str, message: Any) -> None:
    """Declare a title kind: ``message`` is a lazy (French) message with ``%(name)s``
    placeholders, translated when rendered."""
    if not kind or len(kind) > MAX_KIND:
        raise ValueError(f"title kind {kind!r}: 1 to {MAX_KIND} characters")
    _KINDS[kind] = message


def known(kind: str) -> bool:
    return kind in _KINDS


def render_kind(kind: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The title of ``kind`` with ``params`` in the current locale (``fallback`` when the
    kind is unknown or its parameters do not fit)."""
    message = _KINDS.get(kind or "")
    if message is None:
        return fallback
    try:
        return str(message) % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return fallback


def render(row: Any) -> str:
    """The title of a shift or a series in the reader's language."""
    kind = getattr(row, "title_kind", "") or ""
    if not kind:
        return row.title
    return render_kind(kind, getattr(row, "title_params", None), row.title)


def french(kind: str, params: Mapping[str, Any] | None) -> str:
    """The stored fallback: the title in French (the deployment's first language)."""
    from flask_babel import force_locale

    with force_locale("fr"):
        return render_kind(kind, params, "")
