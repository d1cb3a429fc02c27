"""Issue 10 item 6: rotation counted per person, recall only through a vote on that mandate,
no role before a mandate starts, delegates elected by their assembly (the election recorded
with the mandate)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from federation.db import db
from federation.errors import Conflict, ServiceError
from federation.governance import bodies, mandates, votes
from federation.identity import services as identity
from federation.identity.models import User
from federation.tenancy.models import Commune
from federation.testing.factories import Factory

TODAY = date.today()


def _user(ref):
    return db.session.get(User, ref.user.id)


def _assembly(town):
    return bodies.assembly(db.session.get(Commune, town.commune.id))


def _years_ago(n: float) -> date:
    return TODAY - timedelta(days=round(365 * n))


def test_rotation_counts_terms_per_person_across_alternations(town, in_commune):
    a, b = town.members[0], town.members[1]
    with in_commune(town.commune):
        assembly = _assembly(town)
        # a holds two yearly terms; b holds the same role alongside (two facilitators), and a
        # short interim between a's terms: neither breaks a's run of terms
        for start in (_years_ago(2), _years_ago(1)):
            mandates.assign(
                assembly, _user(a), "guarantor", start, start + timedelta(days=364)
            ).status = "ended"
            mandates.assign(
                assembly,
                _user(b),
                "guarantor",
                start + timedelta(days=1),
                start + timedelta(days=300),
            ).status = "ended"
        assert mandates.consecutive_terms(assembly, a.user.id, "guarantor", TODAY) == 2
        with pytest.raises(Conflict, match="Rotation"):
            mandates.assign(assembly, _user(a), "guarantor", TODAY, TODAY + timedelta(days=364))


def test_a_full_term_of_rest_ends_the_run(town, in_commune):
    a = town.members[0]
    with in_commune(town.commune):
        assembly = _assembly(town)
        for start in (_years_ago(4), _years_ago(3)):
            mandates.assign(
                assembly, _user(a), "secretary", start, start + timedelta(days=364)
            ).status = "ended"
        # two years out of the role: a may serve again
        assert mandates.consecutive_terms(assembly, a.user.id, "secretary", TODAY) == 0
        mandates.assign(assembly, _user(a), "secretary", TODAY, TODAY + timedelta(days=364))


def test_a_mandate_grants_nothing_before_it_starts(town, factory, in_commune):
    person = town.members[2]
    fed = factory.federation(communes=[town.commune])
    with in_commune(town.commune):
        assembly = _assembly(town)
        start = TODAY + timedelta(days=200)
        mandates.assign(assembly, _user(person), "facilitator", start, start + timedelta(days=300))
    with in_commune(town.commune):
        assert "facilitator" not in identity.roles_in(_user(person), town.commune.id)
        member = identity.membership(town.commune.id, person.user.id)
        from datetime import UTC, datetime, time

        later = datetime.combine(start + timedelta(days=1), time(12), tzinfo=UTC)
        assert "facilitator" in member.role_names(later)
    # a federation delegate whose term starts later is not a delegate yet either
    with in_commune(town.commune):
        assembly = _assembly(town)
        vote = mandates.create_election(
            assembly,
            "Délégation",
            [_user(person)],
            _user(town.facilitator),
            federation_id=fed.id,
        )
        _run(vote, town, {"approve": [votes.options_of(vote)[0].id]})
        start = TODAY + timedelta(days=200)
        mandates.assign(
            assembly,
            _user(person),
            "delegate",
            start,
            start + timedelta(days=300),
            federation_id=fed.id,
            election_vote_id=vote.id,
        )
    with in_commune(town.commune):
        assert "delegate" not in identity.federation_roles_of(person.user.id, fed.id)


def _run(vote, town, ballot):
    actor = _user(town.facilitator)
    votes.open_vote(vote, actor)
    for voter in [town.facilitator, town.secretary, town.guarantor, *town.members]:
        votes.cast(vote, _user(voter), ballot)
    votes.close_vote(vote, actor)


def test_recall_only_through_an_adopted_vote_on_that_mandate(town, in_commune):
    holder = town.members[3]
    actor_ref = town.facilitator
    with in_commune(town.commune):
        assembly = _assembly(town)
        mandate = mandates.assign(
            assembly, _user(holder), "secretary", TODAY, TODAY + timedelta(days=200)
        )
        other = votes.create_vote(assembly, "Achat d'un four", "majority")
        _run(other, town, {"choice": "yes"})
        with pytest.raises(ServiceError) as no_vote:
            mandates.recall(mandate, "Absences", _user(actor_ref))
        assert no_vote.value.field == "vote_id"
        with pytest.raises(Conflict):
            mandates.recall(mandate, "Absences", _user(actor_ref), decided_by_vote_id=other.id)
        recall_vote = mandates.open_recall_vote(mandate, _user(actor_ref))
        assert recall_vote.status == "draft" and recall_vote.body_id == assembly.id
        mandate_id, vote_id = mandate.id, recall_vote.id
    with in_commune(town.commune):
        recall_vote = votes.get_vote(vote_id)
        _run(recall_vote, town, {"choice": "yes"})
        mandate = mandates.get_mandate(mandate_id)
        mandates.recall(mandate, "Absences", _user(actor_ref), decided_by_vote_id=vote_id)
        assert mandate.status == "recalled" and mandate.recall_vote_id == vote_id


def test_recall_vote_through_the_api(client, town, factory):
    fac = factory.token(town.facilitator.user)
    created = client.post(
        f"{town.base}/mandates",
        json={
            "body": "assemblee",
            "user_id": town.members[0].user.id,
            "role": "secretary",
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=200)).isoformat(),
        },
        headers=fac,
    )
    assert created.status_code == 201, created.json
    mandate_id = created.json["id"]
    without = client.post(
        f"{town.base}/mandates/{mandate_id}/recall", json={"reason": "Absences"}, headers=fac
    )
    assert without.status_code in (409, 422) and "vote_id" in without.json["errors"]["json"]
    vote = client.post(f"{town.base}/mandates/{mandate_id}/recall-vote", json={}, headers=fac)
    assert vote.status_code == 201, vote.json
    assert vote.json["method"] == "majority"


def test_federation_delegates_are_elected_by_their_assembly(app, client, town, factory, in_commune):
    fed = factory.federation(communes=[town.commune])
    winner, loser = town.members[0], town.members[1]
    with in_commune(town.commune):
        assembly = _assembly(town)
        with pytest.raises(ServiceError) as unelected:
            mandates.assign(
                assembly,
                _user(winner),
                "delegate",
                TODAY,
                TODAY + timedelta(days=100),
                federation_id=fed.id,
            )
        assert unelected.value.field == "election_vote_id"
        vote = mandates.create_election(
            assembly,
            "Délégation au conseil",
            [_user(winner), _user(loser)],
            _user(town.facilitator),
            federation_id=fed.id,
        )
        first = votes.options_of(vote)[0].id
        _run(vote, town, {"approve": [first]})
        with pytest.raises(Conflict):
            mandates.assign(
                assembly,
                _user(loser),
                "delegate",
                TODAY,
                TODAY + timedelta(days=100),
                federation_id=fed.id,
                election_vote_id=vote.id,
            )
        mandate = mandates.assign(
            assembly,
            _user(winner),
            "delegate",
            TODAY,
            TODAY + timedelta(days=100),
            federation_id=fed.id,
            election_vote_id=vote.id,
        )
        assert mandate.election_vote_id == vote.id
        vote_id = vote.id
    with app.app_context():
        from federation.intercommunal import council
        from federation.tenancy.models import Federation

        seats = council.delegates(db.session.get(Federation, fed.id))
        assert seats[0].mandate.election_vote_id == vote_id
        assert seats[0].election_title == "Délégation au conseil"
    page = app.test_client()
    Factory.login(page, town.facilitator)
    english = page.get(f"/c/{town.commune.slug}/mandates?lang=en").text
    assert "Elect delegates" in english and "Élire" not in english
    french = page.get(f"/c/{town.commune.slug}/mandates").text
    assert "Élire des délégué·es" in french
