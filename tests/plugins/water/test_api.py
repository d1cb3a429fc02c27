"""The REST API: each resource round-trips, bad input gets a 4xx naming the field (never a
500), unknown fields are refused, and only the right people may write."""

from __future__ import annotations

import pytest


def test_resources_users_levels_rules_and_allocations_round_trip(client, factory, water_town):
    town = water_town
    agent = factory.token(town.agent.user)
    created = client.post(
        f"{town.api}/resources",
        json={
            "code": "PUITS",
            "name": "Puits communal",
            "kind": "well",
            **{f"yield_{s}_m3": 2.5 for s in ("winter", "spring", "summer", "autumn")},
        },
        headers=agent,
    )
    assert created.status_code == 201, created.json
    rid = created.json["id"]
    assert created.json["yield_summer_m3"] == 2.5 and created.json["level"] == "normal"
    patched = client.patch(f"{town.api}/resources/{rid}", json={"status": "reduced"}, headers=agent)
    assert patched.json["status"] == "reduced"
    reading = client.post(
        f"{town.api}/resources/{rid}/readings",
        json={"measured_on": "2026-08-01", "flow_m3": 1.2},
        headers=agent,
    )
    assert reading.status_code == 201 and reading.json["flow_m3"] == 1.2
    assert client.get(f"{town.api}/resources/{rid}/readings").json[0]["flow_m3"] == 1.2

    user = client.post(
        f"{town.api}/users",
        json={
            "kind": "business",
            "name": "Boulangerie",
            "resource_id": rid,
            "meter_code": "B1",
            "needs": {"economic": 800, "drinking": 100},
        },
        headers=agent,
    )
    assert user.status_code == 201, user.json
    uid = user.json["id"]
    changed = client.patch(
        f"{town.api}/users/{uid}", json={"needs": {"economic": 900}}, headers=agent
    )
    assert changed.json["needs"]["economic"] == 900 and changed.json["needs"]["drinking"] == 100

    level = client.post(
        f"{town.api}/levels", json={"level": "alerte_renforcee", "resource_id": rid}, headers=agent
    )
    assert level.status_code == 201 and level.json["source"] == "manual"
    assert level.json["resource_id"] == rid and level.json["basin"] is None
    rule = client.put(
        f"{town.api}/rules",
        json={"level": "alerte_renforcee", "category": "economic", "reduction_pct": 40},
        headers=agent,
    )
    assert rule.status_code == 200
    rules = client.get(f"{town.api}/rules").json
    assert rules["rules"]["alerte_renforcee"]["economic"]["reduction_pct"] == 40
    policy = client.put(f"{town.api}/policy", json={"vital_litres": 60}, headers=agent)
    assert policy.json["vital_litres"] == 60

    run = client.post(f"{town.api}/allocations", json={"resource_id": rid}, headers=agent)
    assert run.status_code == 201, run.json
    detail = client.get(f"{town.api}/allocations/{run.json['id']}").json
    assert detail["level"] == "alerte_renforcee" and detail["totals"]["economic"]["need"] == 900
    [line] = detail["lines"]
    assert line["total_l"] == 80 + 540  # drinking −20 % (default), economic −40 % (edited)
    assert "Réduction de 40\xa0%" in line["explanation"][-1]["text"]
    refused = client.post(f"{town.api}/allocations/{run.json['id']}/apply", headers=agent)
    assert refused.status_code == 409  # this commune votes on allocations

    proposal = client.post(
        f"{town.api}/proposals",
        json={"allocation_id": run.json["id"], "title": "Partage du puits"},
        headers=factory.token(town.facilitator.user),
    )
    assert proposal.status_code == 201, proposal.json
    assert proposal.json["status"] == "deliberation" and proposal.json["water"] == {
        "allocation_id": run.json["id"]
    }
    link = client.get(f"{town.api}/proposals/{proposal.json['proposal_id']}").json
    assert "Mettre en vigueur l'allocation" in link["description"]
    moved = client.put(
        f"{town.api}/proposals/{proposal.json['proposal_id']}",
        json={"level": "crise"},
        headers=factory.token(town.facilitator.user),
    )
    assert moved.status_code == 200 and moved.json["water"] == {"level": "crise"}
    assert client.get(f"{town.api}/allocations").json[0]["status"] == "proposed"  # released


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/resources", "post", {"code": "X", "name": "X", "kind": "lake"}, "kind"),
        (
            "/resources",
            "post",
            {"code": "X", "name": "X", "kind": "well", "colour": "blue"},
            "colour",
        ),
        (
            "/resources",
            "post",
            {"code": "X", "name": "X", "kind": "well", "yield_winter_m3": -2},
            "yield_winter_m3",
        ),
        (
            "/resources",
            "post",
            {"code": "X", "name": "X", "kind": "well", "federation_id": 12345},
            "federation_id",
        ),
        ("/users", "post", {"kind": "household", "name": "X", "resource_id": 4242}, "resource_id"),
        (
            "/users",
            "post",
            {"kind": "household", "name": "X", "resource_id": 1, "needs": {"swimming": 3}},
            "needs",
        ),
        ("/levels", "post", {"level": "orange"}, "level"),
        ("/levels", "post", {"level": "alerte", "basin": 777}, "basin"),
        (
            "/rules",
            "put",
            {"level": "alerte", "category": "leisure", "reduction_pct": 101},
            "reduction_pct",
        ),
        ("/policy", "put", {"priority": ["leisure"]}, "priority"),
        ("/allocations", "post", {"resource_id": 999}, "resource_id"),
        ("/allocations", "post", {"resource_id": 1, "available_m3": "many"}, "available_m3"),
        ("/proposals", "post", {"level": "alerte", "body_id": 999}, "body_id"),
        ("/proposals", "post", {"allocation_id": 999}, "run_id"),
        ("/readings", "post", {"readings": []}, "readings"),
        ("/readings/csv", "post", {"csv": "a;b\n1;2"}, "file"),
    ],
)
def test_bad_input_gets_a_4xx_naming_the_field(
    client, factory, water_town, path, method, body, field
):
    town = water_town
    headers = factory.token(town.facilitator.user)
    response = getattr(client, method)(f"{town.api}{path}", json=body, headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.json)
    errors = response.json.get("errors", {})
    flat = {k for part in errors.values() for k in (part if isinstance(part, dict) else {})}
    assert field in flat or field in errors, response.json


def test_who_may_write(client, factory, water_town):
    town = water_town
    member = factory.token(town.members[1].user)
    body = {"code": "Y", "name": "Y", "kind": "well"}
    assert client.post(f"{town.api}/resources", json=body).status_code == 401
    assert client.post(f"{town.api}/resources", json=body, headers=member).status_code == 403
    assert (
        client.put(
            f"{town.api}/rules",
            json={"level": "alerte", "category": "leisure", "reduction_pct": 5},
            headers=member,
        ).status_code
        == 403
    )
    # a member of the water circle steers rules and allocations without a role
    circle = factory.token(town.circle_member.user)
    assert (
        client.put(
            f"{town.api}/rules",
            json={"level": "alerte", "category": "leisure", "reduction_pct": 5},
            headers=circle,
        ).status_code
        == 200
    )
    assert client.post(f"{town.api}/resources", json=body, headers=circle).status_code == 403
    # the water plugin is off elsewhere: 404
    other = factory.commune("sans-eau")
    assert client.get(f"/api/v1/communes/{other.slug}/water/resources").status_code == 404
    assert client.get(f"/c/{other.slug}/water/").status_code == 404
