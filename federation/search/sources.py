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
    :param shown: ``refs → {ref: title}``, the titles of found objects read again in the
        reader's language (one query for all the results of a page), for objects whose
        title is written by the system and indexed in every language; a ref left out shows
        its indexed title.
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
    shown: Callable[[list[str]], dict[str, str]] | None = None
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


def in_each_language(read: Callable[[], str], fallback: str = "") -> str:
    """What ``read`` returns in each language of the catalogs, once each (a text the system
    writes is found whatever the reader's language; results show it read again)."""
    from flask_babel import force_locale

    from federation.config import LOCALES

    texts = []
    for locale in LOCALES:
        try:
            with force_locale(locale):
                texts.append(read())
        except Exception:
            texts.append(fallback)
    return " / ".join(dict.fromkeys(t for t in texts if t))


def _journal_title(entry: Any) -> str:
    """The entry's sentence in both languages (found whatever the reader's language);
    results show it rendered again in the reader's language."""
    return in_each_language(lambda: entry.text, entry.summary or entry.kind)


def _journal_shown(refs: list[str]) -> dict[str, str]:
    from sqlalchemy import select

    from federation.db import db
    from federation.journal.models import JournalEntry

    ids = [int(r) for r in refs]
    rows = db.session.scalars(select(JournalEntry).where(JournalEntry.id.in_(ids)))
    return {str(e.id): e.text for e in rows}


def _generated_title(row: Any) -> str:
    """A proposal's or decision's title: as typed, or (generated) in each language."""
    if getattr(row, "title_kind", None):
        return in_each_language(lambda: row.title, row.stored_title)
    return row.title


def _generated_text(row: Any) -> str:
    if getattr(row, "text_kind", None):
        return in_each_language(lambda: row.text, row.given_text)
    return row.text


def _generated_shown(model: Any) -> Callable[[list[str]], dict[str, str]]:
    """The generated titles among ``refs``, read in the reader's language."""

    def shown(refs: list[str]) -> dict[str, str]:
        from sqlalchemy import select

        from federation.db import db

        ids = [int(r) for r in refs]
        query = select(model).where(model.id.in_(ids), model.title_kind.is_not(None))
        return {str(row.id): row.title for row in db.session.scalars(query)}

    return shown


def core_sources() -> list[SearchSource]:
    from federation.governance.models import Concern, Decision, Meeting, Proposal
    from federation.journal.models import JournalEntry

    return [
        SearchSource(
            kind="governance.proposal",
            model=Proposal,
            label=_l("Proposition"),
            title=_generated_title,
            text=_generated_text,
            url=lambda slug, ref: f"/c/{slug}/proposals/{ref}",
            public=lambda p: p.status not in ("draft", "withdrawn"),
            when=lambda p: p.decided_at or p.opened_at or p.created_at,
            shown=_generated_shown(Proposal),
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
            title=_generated_title,
            text=_generated_text,
            url=lambda slug, _ref: f"/c/{slug}/decisions",
            when=lambda d: d.adopted_at,
            shown=_generated_shown(Decision),
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
            shown=_journal_shown,
        ),
    ]
