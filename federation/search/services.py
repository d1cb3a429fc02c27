"""Searching the index: ranked, highlighted, paginated (every result reachable, no cap).

The current session scope decides which communes are searched — a commune (its page, its
API) or a federation's member communes (read-only federation scope) — through the same
automatic tenant criteria as every other query. A federation search, and a visitor's
search, return public objects only; a plugin's kinds are found only in communes where the
plugin is enabled.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import g, has_app_context
from markupsafe import Markup, escape
from sqlalchemy import and_, false, func, literal_column, or_, select, table
from sqlalchemy import column as sa_column

from federation.db import db
from federation.search import accents
from federation.search.models import FTS_TABLE, SearchEntry
from federation.search.sources import SearchSource, registry
from federation.tenancy.scoping import SCOPE_KEY, TenantScopeError

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_TERMS = 8
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    kind: str
    label: Any
    ref: str
    commune_id: int
    title: Markup
    snippet: Markup
    url: str
    public: bool
    happened_at: datetime | None
    commune_slug: str = ""
    commune_name: str = ""


@dataclass
class SearchPage:
    query: str
    page: int
    per_page: int
    total: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def terms(query: str) -> list[str]:
    """The words of a query (letters and digits only: nothing reaches the query syntax)."""
    return [w for w in _WORD.findall((query or "").lower()) if w.strip("_")][:MAX_TERMS]


def highlight(text: str) -> Markup:
    """Escape the text, then turn the database's markers into ``<mark>``."""
    return escape(text or "").replace(START, Markup("<mark>")).replace(STOP, Markup("</mark>"))


def _scope() -> Any:
    scope = db.session.info.get(SCOPE_KEY)
    if scope is None or scope.unscoped:
        raise TenantScopeError("search runs in a commune or a federation scope")
    return scope


def _allowed_kinds(scope: Any) -> Any:
    """Core kinds everywhere; a plugin's kinds only where the plugin is on."""
    from federation.plugins.services import communes_with_plugins, enabled_plugins, manager

    sources: dict[str, SearchSource] = registry()
    switchable = manager().switchable
    always = [k for k, s in sources.items() if s.plugin not in switchable]
    by_plugin: dict[str, list[str]] = {}
    for kind, source in sources.items():
        if source.plugin in switchable:
            by_plugin.setdefault(source.plugin, []).append(kind)
    ids = sorted(scope.commune_ids)
    if len(ids) == 1:
        on = enabled_plugins(ids[0])
        kinds = always + [k for p, ks in by_plugin.items() if p in on for k in ks]
        return SearchEntry.kind.in_(kinds) if kinds else false()
    where = communes_with_plugins(ids) if by_plugin else {}
    clauses = [SearchEntry.kind.in_(always)] if always else []
    for plugin, kinds in by_plugin.items():
        if where.get(plugin):
            clauses.append(
                and_(SearchEntry.kind.in_(kinds), SearchEntry.commune_id.in_(where[plugin]))
            )
    return or_(*clauses) if clauses else false()


def visibility(scope: Any, include_private: bool) -> list[Any]:
    """Public objects only, except for a commune's members in that commune's search (the
    scope's tenant criteria restrict the communes themselves)."""
    if include_private and scope.kind == "commune":
        return []
    return [SearchEntry.public.is_(True)]


def _sqlite(words: list[str]) -> tuple[Any, list[Any], Any, Any, Any]:
    fts = table(FTS_TABLE, sa_column("rowid"))
    name = literal_column(FTS_TABLE)
    match = " ".join(f'"{w}"*' for w in words)
    return (
        fts,
        [name.op("MATCH")(match)],
        func.bm25(name, 10.0, 1.0).asc(),
        func.highlight(name, 0, START, STOP),
        func.snippet(name, 1, START, STOP, "…", 24),
    )


def _postgresql(words: list[str]) -> tuple[Any, list[Any], Any, Any, Any]:
    text = " & ".join(f"{w}:*" for w in words)
    # accents.FRENCH and accents.ENGLISH: the configurations of the index (accents ignored)
    french = literal_column(f"'{accents.FRENCH}'::regconfig")
    english = literal_column(f"'{accents.ENGLISH}'::regconfig")
    query = func.to_tsquery(french, text).op("||")(func.to_tsquery(english, text))
    vector = literal_column("search_entries.search_vector")
    options = f"StartSel={START}, StopSel={STOP}"
    return (
        None,
        [vector.op("@@")(query)],
        func.ts_rank_cd(vector, query).desc(),
        func.ts_headline(french, SearchEntry.title, query, options + ", HighlightAll=true"),
        func.ts_headline(
            french,
            SearchEntry.body,
            query,
            options + ', MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "',
        ),
    )


def search(
    query: str, *, page: int = 1, per_page: int = PER_PAGE, include_private: bool = False
) -> SearchPage:
    """Search the current scope's communes.

    :param include_private: also the commune's non-public objects (its members only;
        never across a federation).
    """
    scope = _scope()
    page = max(1, int(page))
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    words = terms(query)
    result = SearchPage(query=query, page=page, per_page=per_page, total=0)
    if not words:
        return result
    dialect = db.session.get_bind().dialect.name
    fts, match, rank, title, snippet = (_sqlite if dialect == "sqlite" else _postgresql)(words)
    where = [*match, _allowed_kinds(scope), *visibility(scope, include_private)]
    base = select(SearchEntry.id)
    if fts is not None:
        base = base.join(fts, fts.c.rowid == SearchEntry.id)
    result.total = (
        db.session.scalar(select(func.count()).select_from(base.where(*where).subquery())) or 0
    )
    if result.total == 0 or (page - 1) * per_page >= result.total:
        return result
    rows = select(SearchEntry, title, snippet)
    if fts is not None:
        rows = rows.join(fts, fts.c.rowid == SearchEntry.id)
    rows = (
        rows.where(*where)
        .order_by(rank, SearchEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    found = db.session.execute(rows).all()
    result.hits = _hits(found)
    return result


def _shown(found: list[Any], sources: dict[str, SearchSource]) -> dict[tuple[str, str], str]:
    """The titles the system writes, read again in the reader's language (one query per
    kind of result that has some: the journal's sentences, generated proposal titles)."""
    refs: dict[str, list[str]] = {}
    for entry, _t, _s in found:
        if sources[entry.kind].shown is not None:
            refs.setdefault(entry.kind, []).append(entry.ref)
    return {
        (kind, ref): title
        for kind, kind_refs in refs.items()
        for ref, title in sources[kind].shown(kind_refs).items()  # type: ignore[misc]
    }


def _hits(found: list[Any]) -> list[Hit]:
    from federation.tenancy.models import Commune

    sources = registry()
    current = g.get("commune") if has_app_context() else None
    communes = {current.id: current} if current is not None else {}
    missing = {entry.commune_id for entry, _t, _s in found} - communes.keys()
    if missing:  # across a federation (a commune's page knows its commune)
        communes.update(
            (c.id, c) for c in db.session.scalars(select(Commune).where(Commune.id.in_(missing)))
        )
    again = _shown(found, sources)
    hits = []
    for entry, title, snippet in found:
        source = sources[entry.kind]
        commune = communes[entry.commune_id]
        shown = highlight(title)
        if (entry.kind, entry.ref) in again:  # in the reader's language
            shown = escape(again[(entry.kind, entry.ref)])
        hits.append(
            Hit(
                kind=entry.kind,
                label=source.label,
                ref=entry.ref,
                commune_id=entry.commune_id,
                title=shown,
                snippet=highlight(snippet),
                url=source.url(commune.slug, entry.ref),
                public=entry.public,
                happened_at=entry.happened_at,
                commune_slug=commune.slug,
                commune_name=commune.name,
            )
        )
    return hits
