"""Finding things: one search across a commune's proposals, concerns, decisions, journal
entries, meetings and every plugin's public objects (hook ``federation_search_sources``),
within a commune or across a federation's member communes (public objects only).

The index is one tenant table, ``search_entries`` (:mod:`federation.search.models`), kept in
sync in the flush that writes the object (:mod:`federation.search.index`); full-text search
is SQLite FTS5 in the embedded default and PostgreSQL ``tsvector`` (French and English
configurations, GIN index) in production (:mod:`federation.search.services`).
"""

from federation.search.sources import SearchSource

__all__ = ["SearchSource"]
