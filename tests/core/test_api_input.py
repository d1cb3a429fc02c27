"""Bad input on the API: always a 4xx JSON body naming the field, never a 500, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from federation.db import db
from federation.tenancy.models import Commune, Federation


@pytest.fixture
def admin_headers(factory):
    return factory.token(factory.platform_admin())


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 12}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ok", "population": -3}, "population"),
        ({"name": "Ok", "population": "many"}, "population"),
        ({"name": "Ok", "insee_code": "ABCDE"}, "insee_code"),
        ({"name": "Ok", "slug": "Not A Slug"}, "slug"),
        ({"name": "Ok", "default_locale": "de"}, "default_locale"),
        ({"name": "Ok", "commune_id": 2}, "commune_id"),
        ({"name": "Ok", "id": 99}, "id"),
        ({}, "name"),
    ],
)
def test_bad_commune_payloads_name_the_field(app, client, admin_headers, body, field):
    before = _count(app, Commune)
    response = client.post("/api/v1/communes", json=body, headers=admin_headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert _count(app, Commune) == before


def test_malformed_json_is_a_400(app, client, admin_headers):
    response = client.post(
        "/api/v1/communes",
        data="{not json",
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.is_json


def test_duplicate_slug_is_a_409_naming_the_field(app, client, admin_headers, factory):
    factory.commune("taken")
    response = client.post(
        "/api/v1/communes", json={"name": "X", "slug": "taken"}, headers=admin_headers
    )
    assert response.status_code == 409
    assert "slug" in response.json["errors"]["json"]


def test_unknown_slugs_are_404_json(client):
    for url in (
        "/api/v1/communes/nowhere",
        "/api/v1/federations/nowhere",
        "/api/v1/communes/nowhere/journal",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json


def test_bad_query_parameters(client):
    response = client.get("/api/v1/communes?limit=abc")
    assert response.status_code == 422
    assert "limit" in response.json["errors"]["query"]
    assert client.get("/api/v1/communes?limit=100000").status_code == 422
    # unknown query parameters are ignored on purpose: ?lang=en chooses the language


def test_writes_need_the_right_role(client, factory):
    member = factory.member(factory.commune())
    headers = factory.token(member.user)
    assert client.post("/api/v1/communes", json={"name": "X"}, headers=headers).status_code == 403
    assert client.post("/api/v1/communes", json={"name": "X"}).status_code == 401
    assert (
        client.post("/api/v1/federations", json={"name": "F"}, headers=headers).status_code == 403
    )


def test_federation_creation_and_membership(app, client, admin_headers, factory):
    commune = factory.commune("member-town")
    created = client.post(
        "/api/v1/federations", json={"name": "Bassin", "kind": "basin"}, headers=admin_headers
    )
    assert created.status_code == 201
    slug = created.json["slug"]
    added = client.post(
        f"/api/v1/federations/{slug}/communes",
        json={"commune": commune.slug},
        headers=admin_headers,
    )
    assert added.status_code == 201
    again = client.post(
        f"/api/v1/federations/{slug}/communes",
        json={"commune": commune.slug},
        headers=admin_headers,
    )
    assert again.status_code == 409 and "commune" in again.json["errors"]["json"]
    unknown = client.post(
        f"/api/v1/federations/{slug}/communes", json={"commune": "nope"}, headers=admin_headers
    )
    assert unknown.status_code == 404 and "commune" in unknown.json["errors"]["json"]
    detail = client.get(f"/api/v1/federations/{slug}").json
    assert [c["slug"] for c in detail["communes"]] == ["member-town"]
    assert _count(app, Federation) == 1


def test_commune_profile_patch(client, factory):
    commune = factory.commune()
    admin = factory.member(commune, "admin")
    headers = factory.token(admin.user)
    url = f"/api/v1/communes/{commune.slug}"
    ok = client.patch(
        url, json={"population": 120, "verification_method": "invitation_code"}, headers=headers
    )
    assert ok.status_code == 200 and ok.json["population"] == 120
    bad = client.patch(url, json={"verification_method": "telepathy"}, headers=headers)
    assert bad.status_code == 422 and "verification_method" in bad.json["errors"]["json"]
    refused = client.patch(url, json={"slug": "new"}, headers=headers)
    assert refused.status_code == 422 and "slug" in refused.json["errors"]["json"]


def test_membership_flow_through_the_api(client, factory):
    commune = factory.commune()
    facilitator = factory.member(commune, "facilitator")
    admin = factory.member(commune, "admin")
    person = factory.user()
    joined = client.post(
        f"/api/v1/communes/{commune.slug}/memberships",
        json={"message": "J'habite au bourg"},
        headers=factory.token(person),
    )
    assert joined.status_code == 201 and joined.json["status"] == "pending"
    membership_id = joined.json["id"]
    approve = client.post(
        f"/api/v1/communes/{commune.slug}/memberships/{membership_id}/approve",
        headers=factory.token(facilitator.user),
    )
    assert approve.status_code == 200 and approve.json["status"] == "active"
    grant = client.post(
        f"/api/v1/communes/{commune.slug}/memberships/{membership_id}/roles",
        json={"role": "secretary"},
        headers=factory.token(admin.user),
    )
    assert grant.status_code == 200 and "secretary" in grant.json["roles"]
    bad = client.post(
        f"/api/v1/communes/{commune.slug}/memberships/{membership_id}/roles",
        json={"role": "emperor"},
        headers=factory.token(admin.user),
    )
    assert bad.status_code == 422 and "role" in bad.json["errors"]["json"]
    mine = client.get("/api/v1/me/memberships", headers=factory.token(person)).json
    assert mine[0]["commune"] == commune.slug


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/communes" in spec["paths"]
    assert "bearer" in spec["components"]["securitySchemes"]


def test_oversized_body_is_refused(client, admin_headers):
    response = client.post(
        "/api/v1/communes",
        data="x" * (21 * 1024 * 1024),
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_ids_beyond_the_database_range_are_a_404_not_a_500(client, factory):
    commune = factory.commune("range-town")
    for url in (
        f"/api/v1/communes/{commune.slug}/proposals/99999999999999",
        f"/c/{commune.slug}/proposals/99999999999999",
    ):
        assert client.get(url).status_code == 404
