"""Issue 10 item 7: in a consent vote an objection carries its reason, a facilitator records
each one as answered, withdrawn or upheld, and the proposal is adopted only when no upheld
(or still unanswered) objection remains."""

from __future__ import annotations

import pytest

from federation.db import db
from federation.errors import ValidationFailed
from federation.governance import bodies, objections, votes
from federation.identity.models import User
from federation.tenancy.models import Commune
from federation.testing.factories import Factory


def _user(ref):
    return db.session.get(User, ref.user.id)


def _voters(town):
    return [town.facilitator, town.secretary, town.guarantor, *town.members]


def _consent_vote(town, title="Horaires de la salle"):
    assembly = bodies.assembly(db.session.get(Commune, town.commune.id))
    vote = votes.create_vote(assembly, title, "consent")
    votes.open_vote(vote, _user(town.facilitator))
    return vote


def _cast_with_one_objection(town, vote, reason="Le bruit la nuit"):
    objector = town.members[0]
    for voter in _voters(town):
        if voter is objector:
            objections.cast_consent(vote, _user(voter), {"position": "object"}, reason=reason)
        else:
            objections.cast_consent(vote, _user(voter), {"position": "consent"})
    return objections.of_vote(vote)[0]


def test_an_objection_needs_a_reason(town, in_commune):
    with in_commune(town.commune):
        vote = _consent_vote(town)
        with pytest.raises(ValidationFailed) as missing:
            objections.cast_consent(vote, _user(town.members[0]), {"position": "object"})
        assert missing.value.field == "reason"
        assert not votes.has_voted(vote, town.members[0].user.id)  # nothing half-written


@pytest.mark.parametrize(
    ("state", "adopted"),
    [("answered", True), ("withdrawn", True), ("upheld", False), (None, False)],
)
def test_adoption_follows_the_objections_final_states(town, in_commune, state, adopted):
    with in_commune(town.commune):
        vote = _consent_vote(town)
        objection = _cast_with_one_objection(town, vote)
        assert objection.reason == "Le bruit la nuit" and objection.status == "open"
        if state:
            objections.resolve(objection, state, _user(town.facilitator), response="Vu en AG")
        result = votes.close_vote(vote, _user(town.facilitator))
        assert result["adopted"] is adopted
        assert result["details"]["objections_blocking"] == (0 if adopted else 1)


def test_only_facilitation_records_a_state_and_only_known_states(client, town, factory):
    fac = factory.token(town.facilitator.user)
    vote = client.post(
        f"{town.base}/votes",
        json={"body": "assemblee", "title": "Charte", "method": "consent"},
        headers=fac,
    ).json
    client.post(f"{town.base}/votes/{vote['id']}/open", headers=fac)
    objector = factory.token(town.members[0].user)
    bare = client.post(
        f"{town.base}/votes/{vote['id']}/ballots",
        json={"ballot": {"position": "object"}},
        headers=objector,
    )
    assert bare.status_code == 422 and "reason" in bare.json["errors"]["json"]
    cast = client.post(
        f"{town.base}/votes/{vote['id']}/ballots",
        json={"ballot": {"position": "object"}, "reason": "Trop vague"},
        headers=objector,
    )
    assert cast.status_code == 201, cast.json
    listed = client.get(f"{town.base}/votes/{vote['id']}/objections").json
    assert listed[0]["reason"] == "Trop vague" and listed[0]["status"] == "open"
    url = f"{town.base}/objections/{listed[0]['id']}"
    member = client.post(url, json={"status": "answered"}, headers=objector)
    assert member.status_code == 403
    unknown = client.post(url, json={"status": "ignored"}, headers=fac)
    assert unknown.status_code == 422 and "status" in unknown.json["errors"]["json"]
    done = client.post(url, json={"status": "upheld", "response": "Reformuler"}, headers=fac)
    assert done.status_code == 200 and done.json["status"] == "upheld"
    closed = client.post(f"{town.base}/votes/{vote['id']}/close", headers=fac).json
    assert closed["adopted"] is False


def test_objections_on_the_vote_page_in_both_languages(app, town, in_commune):
    with in_commune(town.commune):
        vote = _consent_vote(town, "Règlement du jardin")
        _cast_with_one_objection(town, vote, reason="Pas de place pour les enfants")
        vote_id = vote.id
    client = app.test_client()
    Factory.login(client, town.facilitator)
    url = f"/c/{town.commune.slug}/votes/{vote_id}"
    french = client.get(url).text
    assert "Pas de place pour les enfants" in french and "Objections" in french
    assert f'action="{url}/objections/' in french  # facilitation records the state
    english = client.get(f"{url}?lang=en").text
    assert "Answered" in english and "Upheld" in english and "Maintenue" not in english
    objection_id = french.split(f'action="{url}/objections/', 1)[1].split('"', 1)[0]
    done = client.post(f"{url}/objections/{objection_id}", data={"status": "answered"})
    assert done.status_code == 302
    assert "répondue" in client.get(url).text.lower()
