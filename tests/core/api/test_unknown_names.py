"""Issue 20 item 4: a plugin name that names no installed plugin is a 404 naming it, on the
federation's and the commune's switches (the federation's DELETE answered 200)."""

from __future__ import annotations

import pytest

from federation.intercommunal import federation_plugins


@pytest.fixture
def people(factory):
    commune = factory.commune("inconnue", "Inconnue")
    federation = factory.federation("inconnue-fede", communes=[commune], kind="basin")
    coordinator = factory.member(commune).user
    factory.federation_role(federation, coordinator, "coordinator")
    return {
        "commune": commune.slug,
        "federation": federation.slug,
        "coordinator": factory.token(coordinator),
        "admin": factory.token(factory.member(commune, "admin").user),
    }


def _names_the_plugin(answer) -> bool:
    body = answer.get_json()
    return answer.status_code == 404 and "nope" in str(body["errors"]["json"]["plugin"])


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
def test_federation_switch_of_an_unknown_plugin_is_404(client, people, method):
    url = f"/api/v1/federations/{people['federation']}/plugins/nope"
    answer = client.open(url, method=method, headers=people["coordinator"])
    assert _names_the_plugin(answer), answer.get_data(as_text=True)


@pytest.mark.parametrize("enabled", [False, True])
def test_commune_switch_of_an_unknown_plugin_is_404(client, people, enabled):
    url = f"/api/v1/communes/{people['commune']}/plugins/nope"
    answer = client.put(url, json={"enabled": enabled}, headers=people["admin"])
    assert _names_the_plugin(answer), answer.get_data(as_text=True)


def test_planted_silent_disable_is_found(client, people, monkeypatch):
    """Twin: the federation's switch without the name check answers 200 again."""
    monkeypatch.setattr(federation_plugins, "_known", lambda name: None)
    url = f"/api/v1/federations/{people['federation']}/plugins/nope"
    answer = client.delete(url, headers=people["coordinator"])
    assert answer.status_code == 200
    assert not _names_the_plugin(answer)
