"""Issue 10 item 4: a vote held in a meeting — the members recorded present (and the proxies
they carry) vote, the meeting's quorum decides validity, and proposal, meeting and minutes
point to each other."""

from __future__ import annotations

from federation.testing.factories import Factory


def _setup(client, town, factory, *, quorum: int, present: list, proxies=()):
    """A proposal in deliberation, a meeting of the assembly, a vote held in it (draft),
    proxies given, then attendance recorded."""
    fac = factory.token(town.facilitator.user)
    author = factory.token(town.members[0].user)
    proposal_id = client.post(
        f"{town.base}/proposals",
        json={"body": "assemblee", "title": "Fontaine", "text": "…"},
        headers=author,
    ).json["id"]
    client.post(
        f"{town.base}/proposals/{proposal_id}/transition",
        json={"to": "deliberation"},
        headers=author,
    )
    meeting = client.post(
        f"{town.base}/meetings",
        json={
            "body": "assemblee",
            "title": "Assemblée de décembre",
            "starts_at": "2026-12-10T19:00:00+01:00",
            "place": "Salle des fêtes",
            "quorum": quorum,
        },
        headers=fac,
    )
    assert meeting.status_code == 201, meeting.json
    meeting_id = meeting.json["id"]
    vote = client.post(
        f"{town.base}/votes",
        json={
            "body": "assemblee",
            "title": "Fontaine",
            "method": "majority",
            "proposal_id": proposal_id,
            "meeting_id": meeting_id,
        },
        headers=fac,
    )
    assert vote.status_code == 201, vote.json
    vote_id = vote.json["id"]
    assert vote.json["meeting_id"] == meeting_id
    for giver, holder in proxies:
        given = client.post(
            f"{town.base}/votes/{vote_id}/proxies",
            json={"holder_id": holder.user.id},
            headers=factory.token(giver.user),
        )
        assert given.status_code == 204, given.json
    return proposal_id, meeting_id, vote_id


def _attend(client, town, factory, meeting_id, present):
    recorded = client.post(
        f"{town.base}/meetings/{meeting_id}/attendance",
        json={"present": [p.user.id for p in present]},
        headers=factory.token(town.secretary.user),
    )
    assert recorded.status_code == 200, recorded.json
    return recorded.json


def _cast(client, town, factory, vote_id, who, choice="yes", for_user=None):
    return client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": choice}, "for_user_id": for_user.user.id if for_user else None},
        headers=factory.token(who.user),
    )


def test_the_electorate_is_the_members_present_and_their_proxies(client, town, factory):
    """Before: every member voted (absent included), eligible 7."""
    present = [town.facilitator, *town.members[:3]]
    absent_with_proxy = town.members[3]
    _proposal_id, meeting_id, vote_id = _setup(
        client, town, factory, quorum=3, present=present, proxies=[(absent_with_proxy, present[1])]
    )
    fac = factory.token(town.facilitator.user)
    early = client.post(f"{town.base}/votes/{vote_id}/open", headers=fac)
    assert early.status_code == 409  # no attendance recorded yet: no electorate
    _attend(client, town, factory, meeting_id, present)
    opened = client.post(f"{town.base}/votes/{vote_id}/open", headers=fac)
    assert opened.status_code == 200 and opened.json["eligible_count"] == 5  # 4 present + 1
    assert _cast(client, town, factory, vote_id, town.secretary).status_code == 403  # absent
    assert _cast(client, town, factory, vote_id, town.guarantor).status_code == 403  # absent
    for person in present:
        assert _cast(client, town, factory, vote_id, person).status_code == 201
    by_proxy = _cast(client, town, factory, vote_id, present[1], for_user=absent_with_proxy)
    assert by_proxy.status_code == 201
    result = client.post(f"{town.base}/votes/{vote_id}/close", headers=fac).json
    assert result["participants"] == 5 and result["eligible"] == 5
    assert result["meeting"] == {
        "id": meeting_id,
        "present": 4,
        "quorum": 3,
        "quorum_reached": True,
    }
    assert result["adopted"] is True


def test_the_meeting_quorum_decides_validity(client, town, factory):
    """Before: a unanimous vote in a meeting below its quorum was adopted."""
    present = [town.facilitator, town.members[0]]
    proposal_id, meeting_id, vote_id = _setup(client, town, factory, quorum=5, present=present)
    _attend(client, town, factory, meeting_id, present)
    fac = factory.token(town.facilitator.user)
    client.post(f"{town.base}/votes/{vote_id}/open", headers=fac)
    for person in present:
        assert _cast(client, town, factory, vote_id, person).status_code == 201
    result = client.post(f"{town.base}/votes/{vote_id}/close", headers=fac).json
    assert result["meeting"]["quorum_reached"] is False
    assert result["quorum_met"] is False and result["adopted"] is False
    assert client.get(f"{town.base}/proposals/{proposal_id}").json["status"] == "rejected"


def test_a_meeting_of_another_body_is_refused(client, town, factory):
    fac = factory.token(town.facilitator.user)
    client.post(
        f"{town.base}/bodies", json={"kind": "thematic_circle", "name": "Cercle eau"}, headers=fac
    )
    meeting_id = client.post(
        f"{town.base}/meetings",
        json={
            "body": "cercle-eau",
            "title": "Cercle",
            "starts_at": "2026-12-10T19:00:00+01:00",
            "place": "Lavoir",
        },
        headers=fac,
    ).json["id"]
    refused = client.post(
        f"{town.base}/votes",
        json={"body": "assemblee", "title": "x", "method": "majority", "meeting_id": meeting_id},
        headers=fac,
    )
    assert refused.status_code == 422 and "meeting_id" in refused.json["errors"]["json"]


def test_proposal_meeting_and_minutes_point_to_each_other(app, client, town, factory):
    present = [town.facilitator, *town.members]
    proposal_id, meeting_id, vote_id = _setup(client, town, factory, quorum=3, present=present)
    _attend(client, town, factory, meeting_id, present)
    fac = factory.token(town.facilitator.user)
    client.post(f"{town.base}/votes/{vote_id}/open", headers=fac)
    for person in present:
        _cast(client, town, factory, vote_id, person)
    client.post(f"{town.base}/votes/{vote_id}/close", headers=fac)
    minutes = client.post(
        f"{town.base}/meetings/{meeting_id}/minutes",
        json={"minutes": "La fontaine est adoptée.", "publish": True},
        headers=factory.token(town.secretary.user),
    )
    assert minutes.status_code == 200, minutes.json
    journal = client.get(f"{town.base}/journal").json
    entry = next(e for e in journal if e["kind"] == "meeting.minutes")
    assert entry["payload"]["votes"][0]["vote"] == vote_id
    assert entry["payload"]["votes"][0]["proposal"] == proposal_id
    assert entry["payload"]["votes"][0]["adopted"] is True
    assert any(a["proposal"] == proposal_id for a in entry["payload"]["agenda"])
    decision = next(e for e in journal if e["kind"] == "decision.adopted")
    assert decision["payload"]["meeting"] == meeting_id
    web = f"/c/{town.commune.slug}"
    Factory.login(client, town.members[1])
    assert f"{web}/meetings/{meeting_id}" in client.get(f"{web}/proposals/{proposal_id}").text
    meeting_page = client.get(f"{web}/meetings/{meeting_id}").text
    assert f"{web}/votes/{vote_id}" in meeting_page
    assert f"{web}/proposals/{proposal_id}" in meeting_page
    assert f"{web}/meetings/{meeting_id}" in client.get(f"{web}/votes/{vote_id}").text
