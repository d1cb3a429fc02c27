"""The elections API writes what the pages write (read-write parity), with personal API
tokens: the programme, the stage, a list from creation to its ordered, explained order,
candidacies and filing details, the filing export (coordinators only), and a draw from
creation to its published result. Bad input is a 4xx naming the field; nobody signed in
is a 401."""

from __future__ import annotations

import itertools

from convergence_elections import services

from federation.db import db
from federation.governance import votes

from .conftest import SECRET_ADDRESS, SEXES, found_programme, user


def fields(response) -> set[str]:
    """The fields a 4xx names (the schema's under ``json``, the services' at the top)."""
    errors = response.json["errors"]
    return set(errors.get("json", {})) | set(errors) - {"json"}


FILING = {
    "last_name": "Martin",
    "first_names": "Lou",
    "birth_date": "1980-02-03",
    "birth_place": "Limoges",
    "nationality": "française",
    "address": SECRET_ADDRESS,
}


def test_programme_and_stage_through_the_api(client, factory, town, in_commune):
    boss = factory.token(town.facilitator.user)
    member = factory.token(town.members[0].user)
    assert client.post(f"{town.api}/programme/axes", json={"title": "Eau"}).status_code == 401
    outsider = factory.token(town.outsider.user)
    denied = client.post(f"{town.api}/programme/axes", json={"title": "Eau"}, headers=outsider)
    assert denied.status_code == 403
    bad = client.post(f"{town.api}/programme/axes", json={"title": ""}, headers=boss)
    assert bad.status_code == 422 and "title" in fields(bad)
    unknown = client.post(f"{town.api}/programme/axes", json={"title": "Eau", "x": 1}, headers=boss)
    assert unknown.status_code == 422 and "x" in fields(unknown)
    axis = client.post(f"{town.api}/programme/axes", json={"title": "Eau"}, headers=boss)
    assert axis.status_code == 201 and axis.json["status"] != "adopted"
    not_facilitation = client.post(
        f"{town.api}/programme/proposals", json={"step": "core"}, headers=member
    )
    assert not_facilitation.status_code == 403
    proposal = client.post(f"{town.api}/programme/proposals", json={"step": "core"}, headers=boss)
    assert proposal.status_code == 201, proposal.json
    bad_stage = client.post(f"{town.api}/stage/proposals", json={"stage": "mars"}, headers=boss)
    assert bad_stage.status_code == 422 and "stage" in fields(bad_stage)
    moved = client.post(f"{town.api}/stage/proposals", json={"stage": "programme"}, headers=boss)
    assert moved.status_code == 201 and moved.json["status"] == "deliberation"


def test_a_measure_is_added_and_versioned_through_the_api(client, factory, town, in_commune):
    found_programme(in_commune, town)
    boss = factory.token(town.facilitator.user)
    with in_commune(town.commune):
        axis_id = services.axes()[0].id
        from federation.governance.models import Decision

        decision_id = db.session.query(Decision.id).first()[0]
    bad = client.post(
        f"{town.api}/programme/measures",
        json={"axis_id": axis_id, "title": "Régie de l'eau", "decision_ids": [999999]},
        headers=boss,
    )
    assert bad.status_code == 422 and "decision_ids" in fields(bad)
    made = client.post(
        f"{town.api}/programme/measures",
        json={"axis_id": axis_id, "title": "Régie de l'eau", "decision_ids": [decision_id]},
        headers=boss,
    )
    assert made.status_code == 201, made.json
    edited = client.patch(
        f"{town.api}/measures/{made.json['id']}", json={"text": "En régie."}, headers=boss
    )
    assert edited.status_code == 200 and edited.json["version"] == 2
    assert client.get(f"{town.api}/measures/{made.json['id']}").json["text"] == "En régie."


def _stand_everyone(client, factory, town) -> int:
    boss = factory.token(town.facilitator.user)
    bad = client.post(f"{town.api}/lists", json={"title": "L", "length": 3}, headers=boss)
    assert bad.status_code == 422 and "length" in fields(bad)  # 9 to 13 at 450
    made = client.post(
        f"{town.api}/lists", json={"title": "Nedde en commun", "method": "schulze"}, headers=boss
    )
    assert made.status_code == 201 and (made.json["minimum"], made.json["maximum"]) == (9, 13)
    list_id = made.json["id"]
    for n, (ref, sex) in enumerate(zip(town.members, SEXES, strict=True)):
        headers = factory.token(ref.user)
        stood = client.post(
            f"{town.api}/lists/{list_id}/candidacies",
            json={"sex": sex, "statement": f"Déclaration {n}", "declared_adult": True},
            headers=headers,
        )
        assert stood.status_code == 201, stood.json
        given = client.put(
            f"{town.api}/lists/{list_id}/candidacies/mine/filing",
            json={**FILING, "last_name": f"Nom{n}"},
            headers=headers,
        )
        assert given.status_code == 204, given.json
    return list_id


def test_a_list_is_built_ordered_exported_and_proposed_through_the_api(
    client, factory, town, in_commune
):
    list_id = _stand_everyone(client, factory, town)
    boss = factory.token(town.facilitator.user)
    lou = factory.token(town.members[0].user)
    bad = client.put(
        f"{town.api}/lists/{list_id}/candidacies/mine/filing",
        json={**FILING, "birth_date": "hier"},
        headers=lou,
    )
    assert bad.status_code == 422 and "birth_date" in fields(bad)
    assert client.post(f"{town.api}/lists/{list_id}/ranking", headers=lou).status_code == 403
    opened = client.post(f"{town.api}/lists/{list_id}/ranking", headers=boss)
    assert opened.status_code == 201, opened.json
    early = client.post(f"{town.api}/lists/{list_id}/order", headers=boss)
    assert early.status_code == 409 and "vote_id" in fields(early)
    with in_commune(town.commune):
        vote = votes.get_vote(opened.json["vote"])
        options = votes.options_of(vote)
        for ref in town.everyone():
            votes.cast(vote, user(ref), {"ranking": [[o.id] for o in options]})
        votes.close_vote(vote, user(town.facilitator))
    ordered = client.post(f"{town.api}/lists/{list_id}/order", headers=boss)
    assert ordered.status_code == 200, ordered.json
    sexes = [p["sex"] for p in ordered.json["order"]]
    assert len(sexes) == 11 and all(a != b for a, b in itertools.pairwise(sexes))
    # the filing export: the coordinators only, never cached, 404 for anyone else
    assert client.get(f"{town.api}/lists/{list_id}/filing", headers=lou).status_code == 404
    assert client.get(f"{town.api}/lists/{list_id}/filing").status_code == 401
    lines = client.get(f"{town.api}/lists/{list_id}/filing", headers=boss)
    assert lines.status_code == 200 and lines.headers["Cache-Control"] == "private, no-store"
    assert len(lines.json) == 11 and lines.json[0]["address"] == SECRET_ADDRESS
    csv = client.get(f"{town.api}/lists/{list_id}/filing?format=csv", headers=boss)
    assert csv.mimetype == "text/csv" and "Nom" in csv.get_data(as_text=True)
    assert SECRET_ADDRESS not in client.get(f"{town.api}/lists/{list_id}").get_data(as_text=True)
    proposed = client.post(f"{town.api}/lists/{list_id}/proposal", headers=boss)
    assert proposed.status_code == 201 and proposed.json["status"] == "deliberation"
    # a withdrawal through the API
    gone = client.delete(f"{town.api}/lists/{list_id}/candidacies/mine", headers=lou)
    assert gone.status_code == 204
    again = client.delete(f"{town.api}/lists/{list_id}/candidacies/mine", headers=lou)
    assert again.status_code == 404


def test_a_coordinator_named_through_the_api_reads_the_filing(client, factory, town):
    list_id = _stand_everyone(client, factory, town)
    boss = factory.token(town.facilitator.user)
    lou = factory.token(town.members[0].user)
    named = client.post(
        f"{town.api}/lists/{list_id}/coordinators",
        json={"user_id": town.members[0].user.id},
        headers=boss,
    )
    assert named.status_code == 204
    assert client.get(f"{town.api}/lists/{list_id}/filing", headers=lou).status_code == 200


def test_a_draw_is_created_committed_and_drawn_through_the_api(client, factory, town):
    boss = factory.token(town.facilitator.user)
    bad = client.post(
        f"{town.api}/draws",
        json={"title": "Jury", "seats": 4, "attributes": ["couleur"]},
        headers=boss,
    )
    assert bad.status_code == 422 and "attributes" in fields(bad)
    made = client.post(
        f"{town.api}/draws",
        json={"title": "Jury citoyen", "seats": 4, "attributes": ["sex"]},
        headers=boss,
    )
    assert made.status_code == 201, made.json
    draw_id = made.json["id"]
    wrong = client.post(
        f"{town.api}/draws/{draw_id}/volunteers",
        json={"sex": "X"},
        headers=factory.token(town.members[0].user),
    )
    assert wrong.status_code == 422 and "sex" in fields(wrong)
    for n, ref in enumerate(town.members):
        done = client.post(
            f"{town.api}/draws/{draw_id}/volunteers",
            json={"sex": SEXES[n]},
            headers=factory.token(ref.user),
        )
        assert done.status_code == 204
    outsider = factory.token(town.outsider.user)
    assert (
        client.post(
            f"{town.api}/draws/{draw_id}/volunteers", json={"sex": "F"}, headers=outsider
        ).status_code
        == 403
    )
    uneven = client.post(
        f"{town.api}/draws/{draw_id}/commitment", json={"quotas": {"F": 1, "M": 1}}, headers=boss
    )
    assert uneven.status_code == 422 and "quotas" in fields(uneven)
    committed = client.post(f"{town.api}/draws/{draw_id}/commitment", json={}, headers=boss)
    assert committed.status_code == 200 and len(committed.json["commitment"]) == 64
    drawn = client.post(f"{town.api}/draws/{draw_id}/result", headers=boss)
    assert drawn.status_code == 200 and sum(len(v) for v in drawn.json["selected"].values()) == 4
    public = client.get(f"{town.api}/draws/{draw_id}").json
    assert public["seed"] == drawn.json["seed"]
    assert [d["status"] for d in client.get(f"{town.api}/draws").json] == ["drawn"]
