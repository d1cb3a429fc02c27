"""The main pages issue the same number of SQL queries whatever the number of communes or rows."""

from __future__ import annotations

import pytest

from federation.db import db
from tests.support.notes_plugin import Note


def _populate(factory, in_commune, communes: int, notes: int):
    refs = [factory.commune() for _ in range(communes)]
    fed = factory.federation(communes=refs)
    for ref in refs:
        factory.enable(ref, "notes")
        with in_commune(ref):
            db.session.add_all([Note(title=f"n{i}") for i in range(notes)])
    return refs, fed


def _count(count_queries, client, url: str) -> int:
    client.get(url)  # warm caches that are per process (templates), not per request
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


URLS = {
    "commune": lambda refs, fed: f"/c/{refs[0].slug}/",
    "federation": lambda refs, fed: f"/f/{fed.slug}/",
    "federation_api": lambda refs, fed: f"/api/v1/federations/{fed.slug}",
    "portal": lambda refs, fed: "/",
}


def _small_and_large(factory, in_commune, count_queries, client, page: str) -> dict[str, int]:
    """Queries of the page with 3 communes × 2 notes, then with 30 × 20 more."""
    small, small_fed = _populate(factory, in_commune, 3, 2)
    counts = {"small": _count(count_queries, client, URLS[page](small, small_fed))}
    large, large_fed = _populate(factory, in_commune, 30, 20)
    counts["large"] = _count(count_queries, client, URLS[page](large, large_fed))
    return counts


@pytest.mark.parametrize("page", sorted(URLS))
def test_query_count_does_not_grow_with_communes_or_rows(
    app, client, factory, in_commune, count_queries, page
):
    counts = _small_and_large(factory, in_commune, count_queries, client, page)
    assert counts["small"] == counts["large"], counts
    print(f"{page}: {counts['small']} queries with 3 and with 30 communes")


def test_the_query_count_check_fails_on_a_planted_n_plus_one(
    app, client, factory, in_commune, count_queries, monkeypatch
):
    """Prove the guard can fail: the notes widget of the commune home page is replaced by
    one that runs a query per note (the decidim#17188 kind of N+1). The comparison above
    then sees more queries with more rows."""
    from sqlalchemy import select

    from federation.plugins import Widget

    def n_plus_one(commune, user):
        ids = db.session.scalars(select(Note.id)).all()
        titles = [db.session.scalar(select(Note.title).where(Note.id == i)) for i in ids]
        return [Widget("Notes", f"<p>{len(titles)} notes</p>", weight=5)]

    with app.app_context():
        pm = app.extensions["convergence"].pm
        [impl] = [
            i
            for i in pm.hook.federation_dashboard_widgets.get_hookimpls()
            if i.plugin_name == "notes"
        ]
    monkeypatch.setattr(impl, "function", n_plus_one)
    counts = _small_and_large(factory, in_commune, count_queries, client, "commune")
    assert counts["large"] > counts["small"], counts  # what the guard's assert catches


def test_signed_in_commune_home_query_count_is_constant(
    app, client, factory, in_commune, count_queries
):
    refs, _fed = _populate(factory, in_commune, 3, 2)
    member = factory.member(refs[0])
    factory.login(client, member)
    small = _count(count_queries, client, f"/c/{refs[0].slug}/")
    for ref in _populate(factory, in_commune, 30, 20)[0]:
        factory.member(ref, user=member.user)
    large = _count(count_queries, client, f"/c/{refs[0].slug}/")
    assert small == large
