"""What can be found: :class:`SearchSource`, returned by the hook ``federation_search_sources``.

A source names a kind of object (``"governance.proposal"``), its ORM model, and how to read
the indexed text, whether it is public, and the page that shows it. The core declares its
own (proposals, concerns, decisions, meetings, journal entries) through the same hook.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l


def _always(_obj: Any) -> bool:
    return True


def _no_date(_obj: Any) -> datetime | None:
    return None


def _commune_of(obj: Any) -> int | None:
    return getattr(obj, "commune_id", None)


@dataclass(frozen=True)
class SearchSource:
    """One kind of searchable object.

    :param kind: a unique name, prefixed by the plugin's name (``"bikes.repair"``).
    :param model: the ORM class; every flush that writes one of its rows updates the index.
    :param label: what results of this kind are called (lazy text, ``"Réparation"``).
    :param title: ``obj → str``, the object's title (weighted higher).
    :param text: ``obj → str``, the rest of its searchable text.
    :param url: ``(commune_slug, ref) → str``, the page showing the object (``ref`` is its id
        as text: no query is needed to link a result).
    :param public: ``obj → bool``; only public objects are found across a federation and by
        visitors; the commune's members find the others too.
    :param when: ``obj → datetime | None``, the object's date, shown with the result.
    :param commune: ``obj → int | None``, its commune (``commune_id`` by default; ``None``
        means the object is not indexed).
    """

    kind: str
    model: type
    label: Any
    title: Callable[[Any], str]
    url: Callable[[str, str], str]
    text: Callable[[Any], str] = lambda _obj: ""
    public: Callable[[Any], bool] = _always
    when: Callable[[Any], datetime | None] = _no_date
    commune: Callable[[Any], int | None] = _commune_of
    #: the plugin that declared it (filled in by the core); its kinds are found only in
    #: communes where it is enabled
    plugin: str = field(default="", compare=False)


_EXTENSION = "convergence_search_sources"


def collect(pm: Any) -> dict[str, SearchSource]:
    """Every source by kind, from every plugin's ``federation_search_sources``."""
    found: dict[str, SearchSource] = {}
    for impl in pm.hook.federation_search_sources.get_hookimpls():
        for source in impl.function() or []:
            if source.kind in found:
                raise ValueError(f"search kind {source.kind!r} is declared twice")
            found[source.kind] = SearchSource(**{**source.__dict__, "plugin": impl.plugin_name})
    return found


def registry() -> dict[str, SearchSource]:
    """The app's sources by kind (collected once, at the first use)."""
    if not has_app_context():
        return {}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_EXTENSION)
    if found is None:
        found = app.extensions[_EXTENSION] = collect(app.extensions["convergence"].pm)
        app.extensions[_EXTENSION + ".models"] = _by_model(found)
    return found


def _by_model(sources: dict[str, SearchSource]) -> dict[type, list[SearchSource]]:
    models: dict[type, list[SearchSource]] = {}
    for source in sources.values():
        models.setdefault(source.model, []).append(source)
    return models


def sources_of_model() -> dict[type, list[SearchSource]]:
    registry()
    return current_app.extensions.get(_EXTENSION + ".models", {}) if has_app_context() else {}


# -- the core's own sources ---------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    """Every text inside a journal entry's parameters (names people gave, amounts)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    return []


def _journal_text(entry: Any) -> str:
    try:
        params = json.loads(entry.payload or "{}")
    except ValueError:
        params = {}
    return " ".join([entry.summary or "", *_strings(params)])


def _journal_title(entry: Any) -> str:
    """The entry's sentence in both languages (found whatever the reader's language);
    results show it rendered again in the reader's language."""
    from flask_babel import force_locale

    texts = []
    for locale in ("fr", "en"):
        try:
            with force_locale(locale):
                texts.append(entry.text)
        except Exception:
            texts.append(entry.summary or entry.kind)
    return " / ".join(dict.fromkeys(texts))


def core_sources() -> list[SearchSource]:
    from federation.governance.models import Concern, Decision, Meeting, Proposal
    from federation.journal.models import JournalEntry

    return [
        SearchSource(
            kind="governance.proposal",
            model=Proposal,
            label=_l("Proposition"),
            title=lambda p: p.title,
            text=lambda p: p.text,
            url=lambda slug, ref: f"/c/{slug}/proposals/{ref}",
            public=lambda p: p.status not in ("draft", "withdrawn"),
            when=lambda p: p.decided_at or p.opened_at or p.created_at,
        ),
        SearchSource(
            kind="governance.concern",
            model=Concern,
            label=_l("Préoccupation"),
            title=lambda c: c.title,
            text=lambda c: " ".join((c.description, c.place, c.affected, c.theme)),
            url=lambda slug, ref: f"/c/{slug}/concerns/{ref}",
            when=lambda c: c.created_at,
        ),
        SearchSource(
            kind="governance.decision",
            model=Decision,
            label=_l("Décision"),
            title=lambda d: d.title,
            text=lambda d: d.text,
            url=lambda slug, _ref: f"/c/{slug}/decisions",
            when=lambda d: d.adopted_at,
        ),
        SearchSource(
            kind="governance.meeting",
            model=Meeting,
            label=_l("Réunion"),
            title=lambda m: m.title,
            text=lambda m: " ".join((m.place, m.minutes if m.minutes_published_at else "")),
            url=lambda slug, ref: f"/c/{slug}/meetings/{ref}",
            public=lambda m: m.status != "cancelled",
            when=lambda m: m.starts_at,
        ),
        SearchSource(
            kind="journal.entry",
            model=JournalEntry,
            label=_l("Journal public"),
            title=_journal_title,
            text=_journal_text,
            url=lambda slug, _ref: f"/c/{slug}/journal",
        ),
    ]
