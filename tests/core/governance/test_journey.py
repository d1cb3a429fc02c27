"""A concern followed from being raised, through a circle's proposal, a meeting and a vote,
to a decision in the public journal — through the API, as people would do it."""

from __future__ import annotations

from federation.journal.services import commune_chain, verify
from tests.support.notes_plugin import CALLS


def test_concern_to_decision_through_the_api(client, factory, town, app):
    base = town.base
    fac = factory.token(town.facilitator.user)
    people = [factory.token(m.user) for m in town.members]
    factory.enable(town.commune, "notes")  # to receive the domain event

    concern = client.post(
        f"{base}/concerns",
        json={"title": "La source baisse l'été", "theme": "eau"},
        headers=people[0],
    )
    assert concern.status_code == 201
    concern_id = concern.json["id"]
    for headers in people[1:]:
        assert (
            client.post(f"{base}/concerns/{concern_id}/support", headers=headers).status_code == 204
        )
    assert (
        client.post(f"{base}/concerns/{concern_id}/support", headers=people[1]).status_code == 204
    )  # twice is harmless
    diagnostic = client.get(f"{base}/concerns").json
    assert diagnostic[0]["id"] == concern_id and diagnostic[0]["supports"] == 3

    circle = client.post(
        f"{base}/bodies",
        json={"kind": "thematic_circle", "name": "Cercle de l'eau", "theme": "eau"},
        headers=fac,
    )
    assert circle.status_code == 201
    slug = circle.json["slug"]
    for headers in people:
        assert client.post(f"{base}/bodies/{slug}/members", headers=headers).status_code == 204

    proposal = client.post(
        f"{base}/proposals",
        json={
            "body": slug,
            "title": "Cuves de récupération d'eau de pluie",
            "text": "Sur l'école.",
            "cost": "4800.00",
            "concerns": [concern_id],
        },
        headers=people[0],
    )
    assert proposal.status_code == 201, proposal.json
    proposal_id = proposal.json["id"]
    opened = client.post(
        f"{base}/proposals/{proposal_id}/transition", json={"to": "deliberation"}, headers=people[0]
    )
    assert opened.json["status"] == "deliberation"
    assert (
        client.post(
            f"{base}/proposals/{proposal_id}/comments",
            json={"text": "Bonne idée"},
            headers=people[1],
        ).status_code
        == 201
    )

    meeting = client.post(
        f"{base}/meetings",
        json={
            "body": slug,
            "title": "Réunion du cercle",
            "starts_at": "2026-12-10T19:00:00+01:00",
            "place": "Salle des fêtes",
            "quorum": 3,
        },
        headers=fac,
    )
    assert meeting.status_code == 201, meeting.json
    attendance = client.post(
        f"{base}/meetings/{meeting.json['id']}/attendance",
        json={"present": [m.user.id for m in town.members]},
        headers=factory.token(town.secretary.user),
    )
    assert attendance.json == {"present": 4, "quorum": 3, "quorum_reached": True}

    vote = client.post(
        f"{base}/votes",
        json={
            "body": slug,
            "title": "Cuves",
            "method": "majority",
            "proposal_id": proposal_id,
            "settings": {"threshold": "2/3"},
            "quorum": "1/2",
            "secret": True,
        },
        headers=fac,
    )
    assert vote.status_code == 201, vote.json
    vote_id = vote.json["id"]
    assert client.post(f"{base}/votes/{vote_id}/open", headers=fac).status_code == 200
    receipts = []
    for headers, choice in zip(people, ["yes", "yes", "yes", "no"], strict=True):
        cast = client.post(
            f"{base}/votes/{vote_id}/ballots", json={"ballot": {"choice": choice}}, headers=headers
        )
        assert cast.status_code == 201
        receipts.append(cast.json["receipt"])
    assert client.get(f"{base}/votes/{vote_id}/results").status_code == 403  # hidden till close
    CALLS.clear()
    result = client.post(f"{base}/votes/{vote_id}/close", headers=fac).json
    assert result["adopted"] is True and result["participants"] == 4

    decisions = client.get(f"{base}/decisions").json
    assert decisions[0]["proposal_id"] == proposal_id and decisions[0]["method"] == "majority"
    assert (
        "event",
        (
            "governance.decision_adopted",
            {
                "decision_id": decisions[0]["id"],
                "proposal_id": proposal_id,
                "body_id": circle.json["id"],
                "extra": {},
                "cost": "4800.00",
            },
            town.commune.slug,
        ),
    ) in CALLS
    journal = client.get(f"{base}/journal").json
    assert any(
        e["kind"] == "decision.adopted" and e["payload"]["tally"]["adopted"] for e in journal
    )
    ballots = client.get(f"{base}/votes/{vote_id}/secret-ballots").json
    assert sorted(b["receipt"] for b in ballots) == sorted(receipts)
    with app.app_context():
        [report] = verify(commune_chain(town.commune.id))
        assert report.broken is None
