"""Token clients write on every API, plugins' included: CSRF applies to cookie sessions only.

The API never reads the session cookie (``federation.security``), so a cross-site request
cannot act as anyone there; every blueprint under ``/api/`` is exempt from CSRF, the
plugins' (registered through ``federation_api_blueprints``) like the core's.
"""

from __future__ import annotations

import pytest


def api_blueprints(app) -> set[str]:
    """The blueprint of every rule that answers under /api/ with a writing method."""
    names = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and set(rule.methods or ()) - {"GET", "HEAD", "OPTIONS"}:
            names.add(rule.endpoint.rsplit(".", 1)[0])
    return names


def unexempt(app) -> set[str]:
    exempt = app.extensions["convergence"].csrf._exempt_blueprints
    return {name for name in api_blueprints(app) if app.blueprints.get(name) not in exempt}


def test_every_api_blueprint_is_exempt_from_csrf(app):
    names = api_blueprints(app)
    assert {"water_api", "budget_api"} <= names  # plugin API blueprints are in the walk
    assert unexempt(app) == set()


def test_planted_api_blueprint_not_exempt_is_found(make_app):
    """Twin: a plugin API blueprint registered without the exemption is reported."""
    planted = make_app()
    exempt = planted.extensions["convergence"].csrf._exempt_blueprints
    exempt.discard(planted.blueprints["water_api"])
    assert unexempt(planted) == {"water_api"}


@pytest.fixture
def csrf_app(make_app, app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_bearer_token_writes_to_plugin_api_with_csrf_on(csrf_app, factory):
    commune = factory.commune("jeton-ville")
    factory.enable(commune, "water")
    agent = factory.member(commune, "agent")
    headers = factory.token(agent.user)
    client = csrf_app.test_client()
    response = client.post(
        f"/api/v1/communes/{commune.slug}/water/resources",
        json={
            "code": "PUITS",
            "name": "Puits",
            "kind": "well",
            **{f"yield_{s}_m3": 1 for s in ("winter", "spring", "summer", "autumn")},
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:300]
    # and web forms still need their token
    factory.login(client, agent)
    assert client.post("/logout").status_code == 400
