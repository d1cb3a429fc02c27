"""What the system writes is data: a *kind* and its *parameters*, rendered at read time.

Journal entries, notifications and e-mails are stored as ``(kind, params)`` — never as a
sentence in the writer's language — and turned into text in the reader's language when
they are shown. Each plugin (and each core module, through its own plugin class) declares
the kinds it writes with the :func:`~federation.hookspecs.federation_text_kinds` hook: a
mapping from the kind to a function that takes the parameters and returns the text, using
``gettext`` and the Babel formatters of :mod:`federation.formatting` so that the request's
locale applies.

A kind with no renderer (an old entry, a plugin since removed) shows its stored fallback
(the French sentence older entries kept) or, failing that, the kind itself: a reader never
gets an error for a journal page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, has_app_context

log = logging.getLogger("convergence.texts")

#: a renderer: the stored parameters → the text in the current locale
Renderer = Callable[[Mapping[str, Any]], str]

_EXTENSION = "convergence_texts"


def registry() -> dict[str, Renderer]:
    """The app's renderers by kind (collected from every plugin at start-up)."""
    if not has_app_context():
        return {}
    return current_app.extensions.setdefault(_EXTENSION, {})


def register_kinds(kinds: Mapping[str, Renderer], *, owner: str = "") -> None:
    """Add renderers to the current app's registry; a kind declared twice is an error."""
    found = registry()
    for kind, renderer in kinds.items():
        if kind in found and found[kind] is not renderer:
            raise ValueError(f"text kind {kind!r} is declared twice (again by {owner or '?'})")
        found[kind] = renderer


def has_kind(kind: str) -> bool:
    return kind in registry()


def with_titles(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """``params`` with a generated title (``title_kind`` and ``title_params`` beside the
    stored ``title``, see ``GeneratedTitle.title_data``) read in the current locale: the
    renderers that show ``p["title"]`` show it in the reader's language."""
    kind = params.get("title_kind")
    if not kind or kind not in registry():
        return params
    title = render(str(kind), params.get("title_params") or {}, str(params.get("title", "")))
    return {**params, "title": title}


def render(kind: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The text of ``kind`` with ``params`` in the current locale.

    Falls back to ``fallback`` (or the kind) when no renderer is registered or the
    parameters no longer fit it (logged, never raised: a journal page must render).
    """
    renderer = registry().get(kind)
    if renderer is None:
        return fallback or kind
    try:
        return renderer(with_titles(params or {}))
    except (KeyError, TypeError, ValueError, LookupError):
        log.warning("text kind %s could not be rendered with %r", kind, params, exc_info=True)
        return fallback or kind
