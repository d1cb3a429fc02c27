"""Federation indicators: constant queries whatever the number of member communes, a cache
per federation that moves on when a member commune's data changes, aggregates only."""

from __future__ import annotations

import pytest

from federation.db import db
from tests.support.notes_plugin import Note


def _federation_of(factory, in_commune, size: int, slug: str):
    communes = [factory.commune(f"{slug}-{i}") for i in range(size)]
    fed = factory.federation(slug, communes=communes)
    for commune in communes:
        factory.enable(commune, "notes")
    with in_commune(communes[0]):
        db.session.add_all([Note(title=f"n{i}") for i in range(7)])
    return fed, communes


def _count(count_queries, client, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("url", ["/f/{slug}/", "/api/v1/federations/{slug}/indicators"])
def test_query_count_is_the_same_for_3_30_and_300_communes(
    client, factory, in_commune, count_queries, url
):
    counts = []
    for size, slug in ((3, "small"), (30, "medium"), (300, "large")):
        _federation_of(factory, in_commune, size, slug)
        target = url.format(slug=slug)
        client.get(target)  # cold: computes and caches
        counts.append(_count(count_queries, client, target))
    assert counts[0] == counts[1] == counts[2], counts


def test_cold_computation_is_also_constant(app, client, factory, in_commune, count_queries):
    cold = []
    for size, slug in ((3, "s"), (30, "m")):
        _federation_of(factory, in_commune, size, slug)
        cold.append(_count(count_queries, client, f"/api/v1/federations/{slug}/indicators"))
    assert cold[0] == cold[1]


def test_cache_moves_on_when_a_member_commune_changes(client, factory, in_commune):
    fed, communes = _federation_of(factory, in_commune, 3, "plateau")
    url = "/api/v1/federations/plateau/indicators"
    first = {r["key"]: r for r in client.get(url).json}["notes.count"]
    assert first["total"] == 7
    with in_commune(communes[1]):
        db.session.add(Note(title="new"))
    second = {r["key"]: r for r in client.get(url).json}["notes.count"]
    assert second["total"] == 8 and second["per_commune"][communes[1].slug] == 1


def test_coordinators_see_aggregates_of_their_federation_only(client, factory, in_commune):
    fed, communes = _federation_of(factory, in_commune, 2, "inside")
    outsider = factory.commune("outside")
    factory.enable(outsider, "notes")
    with in_commune(outsider):
        db.session.add_all([Note(title="secret") for _ in range(50)])
    rows = client.get("/api/v1/federations/inside/indicators").json
    notes = {r["key"]: r for r in rows}["notes.count"]
    assert set(notes["per_commune"]) == {c.slug for c in communes}
    assert notes["total"] == 7
    people = {r["key"]: r for r in rows}["notes.authors"]
    assert all(v is None or v == 0 or v >= 5 for v in people["per_commune"].values())


def test_federation_pages_render(client, factory, in_commune):
    _federation_of(factory, in_commune, 3, "plateau")
    coordinator = factory.user()
    from federation.testing.factories import FederationRef

    factory.federation_role(FederationRef(1, "plateau", ""), coordinator, "coordinator")
    for url in ("/f/plateau/council", "/f/plateau/proposals", "/f/plateau/projects"):
        assert client.get(url).status_code == 200
        assert client.get(f"{url}?lang=en").status_code == 200
    assert client.get("/f/plateau/coordination").status_code == 302  # log in first
    factory.login(client, coordinator)
    page = client.get("/f/plateau/coordination")
    assert page.status_code == 200 and "Ratifications en cours" in page.text
    form = client.post("/f/plateau/proposals", data={"title": "", "rule": "majority"})
    assert form.status_code == 422 and 'id="f-title-error"' in form.text
