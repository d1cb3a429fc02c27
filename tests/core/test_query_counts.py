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


@pytest.mark.parametrize("page", ["commune", "federation", "federation_api", "portal"])
def test_query_count_does_not_grow_with_communes_or_rows(
    app, client, factory, in_commune, count_queries, page
):
    small, small_fed = _populate(factory, in_commune, 3, 2)
    counts = {}
    urls = {
        "commune": lambda refs, fed: f"/c/{refs[0].slug}/",
        "federation": lambda refs, fed: f"/f/{fed.slug}/",
        "federation_api": lambda refs, fed: f"/api/v1/federations/{fed.slug}",
        "portal": lambda refs, fed: "/",
    }
    counts["small"] = _count(count_queries, client, urls[page](small, small_fed))
    large, large_fed = _populate(factory, in_commune, 30, 20)
    counts["large"] = _count(count_queries, client, urls[page](large, large_fed))
    assert counts["small"] == counts["large"], counts
    print(f"{page}: {counts['small']} queries with 3 and with 30 communes")


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
