"""The mobility plugin: page, form, API, permission, widget, indicator, isolation."""

from __future__ import annotations

from federation.db import db


def _base(commune) -> str:
    return f"/c/{commune.slug}/mobility/"


def test_the_page_answers_only_where_the_plugin_is_on(client, factory, town):
    off = factory.commune("ailleurs")
    assert client.get(_base(town)).status_code == 200
    assert client.get(_base(off)).status_code == 404
    assert client.get(f"/api/v1/communes/{off.slug}/mobility/items").status_code == 404


def test_a_member_adds_an_item_through_the_form(client, factory, town):
    member = factory.member(town, "member")
    factory.login(client, member)
    response = client.post(_base(town), data={"title": "Premier", "description": "Essai"})
    assert response.status_code == 302
    assert "Premier" in client.get(_base(town)).text


def test_a_missing_title_is_refused_naming_the_field(client, factory, town):
    member = factory.member(town, "member")
    factory.login(client, member)
    response = client.post(_base(town), data={"title": "  "})
    assert response.status_code == 422
    assert 'href="#f-title"' in response.text


def test_a_visitor_cannot_add(client, town):
    response = client.post(_base(town), data={"title": "Intrus"})
    assert response.status_code in (302, 401, 403)
    assert "Intrus" not in client.get(_base(town)).text


def test_the_api_lists_and_adds(client, factory, town):
    member = factory.member(town, "member")
    url = f"/api/v1/communes/{town.slug}/mobility/items"
    created = client.post(url, json={"title": "Par l'API"}, headers=factory.token(member.user))
    assert created.status_code == 201, created.json
    assert created.json["title"] == "Par l'API"
    assert [i["title"] for i in client.get(url).json] == ["Par l'API"]


def test_the_api_names_the_bad_field(client, factory, town):
    member = factory.member(town, "member")
    url = f"/api/v1/communes/{town.slug}/mobility/items"
    response = client.post(url, json={"title": ""}, headers=factory.token(member.user))
    assert response.status_code == 422
    assert "title" in response.json["errors"]["json"]


def test_another_commune_never_sees_the_items(client, factory, in_commune, town):
    from convergence_mobility.services import add_item

    other = factory.commune("voisine")
    factory.enable(other, "mobility")
    with in_commune(town):
        add_item({"title": "Seulement ici"}, author_id=None)
        db.session.commit()
    assert "Seulement ici" in client.get(_base(town)).text
    assert "Seulement ici" not in client.get(_base(other)).text
    assert client.get(f"/api/v1/communes/{other.slug}/mobility/items").json == []


def test_the_widget_shows_on_the_commune_home_page(client, in_commune, town):
    from convergence_mobility.services import add_item

    with in_commune(town):
        add_item({"title": "Sur la une"}, author_id=None)
        db.session.commit()
    assert "Sur la une" in client.get(f"/c/{town.slug}/").text


def test_the_indicator_reaches_the_federation_dashboard(client, factory, in_commune, town):
    from convergence_mobility.services import add_item

    other = factory.commune("voisine")
    factory.enable(other, "mobility")
    federation = factory.federation("bassin", communes=[town, other])
    with in_commune(town):
        add_item({"title": "Un"}, author_id=None)
        add_item({"title": "Deux"}, author_id=None)
        db.session.commit()
    rows = client.get(f"/api/v1/federations/{federation.slug}/indicators").json
    (row,) = [r for r in rows if r["key"] == "mobility.items"]
    assert row["per_commune"] == {town.slug: 2, other.slug: 0}
    assert row["total"] == 2


def test_models_and_migrations_agree(app):
    from federation.migrate import drift

    assert [d for d in drift(app) if "mobility" in repr(d)] == []
