"""An unknown voting method is a 422 naming ``method`` (it was a KeyError, a 500)."""

from __future__ import annotations

import pytest


@pytest.fixture
def assembly(factory):
    commune = factory.commune("methodes", "Méthodes")
    facilitator = factory.member(commune, "facilitator")
    return f"/api/v1/communes/{commune.slug}", factory.token(facilitator.user)


def test_unknown_method_on_create_and_patch_is_422(client, assembly):
    base, headers = assembly
    body = {"body": "assemblee", "title": "Vote", "method": "no-such-method"}
    response = client.post(f"{base}/votes", json=body, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert "method" in response.json["errors"]["json"]

    created = client.post(f"{base}/votes", json={**body, "method": "majority"}, headers=headers)
    assert created.status_code == 201, created.json
    url = f"{base}/votes/{created.json['id']}"
    response = client.patch(url, json={"method": "no-such-method"}, headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)[:200]
    assert "method" in response.json["errors"]["json"]
    assert client.patch(url, json={"method": "majority"}, headers=headers).status_code == 200


def test_unknown_method_of_an_election_is_422(client, assembly):
    base, headers = assembly
    body = {"body": "assemblee", "title": "Élection", "candidates": [1], "method": "nope"}
    response = client.post(f"{base}/elections", json=body, headers=headers)
    assert response.status_code in (404, 422)
    if response.status_code == 422:
        assert "method" in response.json["errors"]["json"]
