"""Issue 10, items 1 and 12: one path from a vote to a decision, and the moves a proposal's
author makes alone (only in their own commune, never on a federation's proposal)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from federation.db import db
from federation.governance import votes
from federation.governance.models import Decision, Proposal, Vote
from federation.identity.models import User
from federation.journal.models import JournalEntry
from federation.tenancy.context import commune_scope
from federation.testing.factories import Factory


def _proposal_in_vote(client, town, factory, method="majority", **vote_kw):
    """A proposal of the assembly, in deliberation, with a vote opened on it."""
    author = factory.token(town.members[0].user)
    fac = factory.token(town.facilitator.user)
    created = client.post(
        f"{town.base}/proposals",
        json={"body": "assemblee", "title": "Jardin partagé", "text": "…"},
        headers=author,
    )
    proposal_id = created.json["id"]
    url = f"{town.base}/proposals/{proposal_id}/transition"
    assert client.post(url, json={"to": "deliberation"}, headers=author).status_code == 200
    vote = client.post(
        f"{town.base}/votes",
        json={
            "body": "assemblee",
            "title": "Jardin",
            "method": method,
            "proposal_id": proposal_id,
            **vote_kw,
        },
        headers=fac,
    )
    assert vote.status_code == 201, vote.json
    vote_id = vote.json["id"]
    assert client.post(f"{town.base}/votes/{vote_id}/open", headers=fac).status_code == 200
    return proposal_id, vote_id


def test_a_facilitator_cannot_adopt_or_reject_by_hand(client, app, town, factory):
    """Before: 200, the proposal 'adopted' with its vote still open and no Decision."""
    proposal_id, vote_id = _proposal_in_vote(client, town, factory)
    fac = factory.token(town.facilitator.user)
    url = f"{town.base}/proposals/{proposal_id}/transition"
    for to in ("adopted", "rejected"):
        response = client.post(url, json={"to": to}, headers=fac)
        assert response.status_code == 409, (to, response.json)
    with app.app_context(), commune_scope(town.commune.id):
        assert db.session.get(Proposal, proposal_id).status == "voting"
        assert db.session.get(Vote, vote_id).status == "open"
        assert db.session.scalars(select(Decision)).all() == []
    # the vote still decides: its close adopts, with a Decision and a journal entry
    client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[1].user),
    )
    closed = client.post(f"{town.base}/votes/{vote_id}/close", headers=fac)
    assert closed.json["adopted"] is True
    with app.app_context(), commune_scope(town.commune.id):
        assert db.session.get(Proposal, proposal_id).status == "adopted"
        [decision] = db.session.scalars(select(Decision)).all()
        assert decision.vote_id == vote_id and decision.journal_seq is not None


def test_no_manual_shortcut_to_voting_without_a_vote(client, town, factory):
    author = factory.token(town.members[0].user)
    fac = factory.token(town.facilitator.user)
    proposal_id = client.post(
        f"{town.base}/proposals", json={"body": "assemblee", "title": "x"}, headers=author
    ).json["id"]
    url = f"{town.base}/proposals/{proposal_id}/transition"
    client.post(url, json={"to": "deliberation"}, headers=author)
    assert client.post(url, json={"to": "voting"}, headers=fac).status_code == 409


def test_the_page_offers_no_move_the_rules_refuse(app, client, town, factory):
    """Before: the facilitator saw « Passer à : adoptée » and « rejetée » on a proposal in vote."""
    proposal_id, _vote_id = _proposal_in_vote(client, town, factory)
    Factory.login(client, town.facilitator)
    page = client.get(f"/c/{town.commune.slug}/proposals/{proposal_id}").text
    assert 'name="to" value="adopted"' not in page
    assert 'name="to" value="rejected"' not in page


def test_the_page_offers_the_author_only_their_own_moves(app, client, town, factory):
    author = factory.token(town.members[0].user)
    proposal_id = client.post(
        f"{town.base}/proposals", json={"body": "assemblee", "title": "x"}, headers=author
    ).json["id"]
    Factory.login(client, town.members[0])
    page = client.get(f"/c/{town.commune.slug}/proposals/{proposal_id}").text
    assert 'name="to" value="deliberation"' in page and 'name="to" value="withdrawn"' in page
    Factory.login(client, town.members[1])  # neither author nor facilitator
    page = client.get(f"/c/{town.commune.slug}/proposals/{proposal_id}").text
    assert 'name="to" value=' not in page


@pytest.mark.parametrize("method", ["consent", "majority", "advice"])
def test_zero_participation_never_adopts(client, town, factory, method):
    """Before (consent): 0 ballots, no objection → « adopted »."""
    proposal_id, vote_id = _proposal_in_vote(client, town, factory, method=method)
    closed = client.post(
        f"{town.base}/votes/{vote_id}/close", headers=factory.token(town.facilitator.user)
    )
    assert closed.json["participants"] == 0
    assert closed.json["adopted"] is not True and closed.json["quorum_met"] is False
    proposal = client.get(f"{town.base}/proposals/{proposal_id}").json
    assert proposal["status"] != "adopted"
    if method != "advice":  # advice is not binding: the proposal waits for its author
        assert proposal["status"] == "rejected"


def test_close_state_decision_journal_and_event_are_one_transaction(
    app, client, town, factory, monkeypatch
):
    """A failure anywhere on the path (here: emitting the event) leaves nothing written."""
    proposal_id, vote_id = _proposal_in_vote(client, town, factory)
    client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[1].user),
    )
    import federation.governance.decisions as decisions

    def broken(*args, **kwargs):
        raise RuntimeError("event bus down")

    monkeypatch.setattr(decisions, "emit", broken)
    with app.app_context(), commune_scope(town.commune.id):
        before = len(db.session.scalars(select(JournalEntry)).all())
        vote = db.session.get(Vote, vote_id)
        actor = db.session.get(User, town.facilitator.user.id)
        with pytest.raises(RuntimeError):
            votes.close_vote(vote, actor)
        db.session.rollback()
    with app.app_context(), commune_scope(town.commune.id):
        assert db.session.get(Vote, vote_id).status == "open"
        assert db.session.get(Proposal, proposal_id).status == "voting"
        assert db.session.scalars(select(Decision)).all() == []
        assert len(db.session.scalars(select(JournalEntry)).all()) == before


# --- item 12: the author's own moves --------------------------------------------------------


def test_the_coordinator_cannot_move_a_local_copy_as_its_author(client, factory, app):
    """Before: the coordinator, 'author' of the copy, moved it back to draft (200)."""
    communes = [factory.commune(f"c{i}", f"Commune {i}") for i in range(2)]
    fed = factory.federation("plateau", communes=communes, name="Plateau")
    coordinator = factory.user("coord@example.org")
    factory.federation_role(fed, coordinator, "coordinator")
    facilitator = factory.member(communes[0], "facilitator")
    for commune in communes:  # every commune can answer: nothing is decided at once
        factory.member(commune)
        factory.member(commune)
    headers = factory.token(coordinator)
    created = client.post(
        "/api/v1/federations/plateau/proposals",
        json={"title": "Régie de l'eau", "text": "…"},
        headers=headers,
    )
    sent = client.post(
        f"/api/v1/federations/plateau/proposals/{created.json['id']}/send", headers=headers
    )
    assert sent.status_code == 200
    base = f"/api/v1/communes/{communes[0].slug}"
    local = next(p for p in client.get(f"{base}/proposals").json if p["extra"].get("intercommunal"))
    assert local["author_id"] == coordinator.id and local["status"] == "deliberation"
    url = f"{base}/proposals/{local['id']}/transition"
    for to in ("draft", "withdrawn"):
        moved = client.post(url, json={"to": to}, headers=headers)
        assert moved.status_code in (403, 409), (to, moved.json)
        # nor does the commune's facilitation withdraw what the federation sent
        by_fac = client.post(url, json={"to": to}, headers=factory.token(facilitator.user))
        assert by_fac.status_code == 409, (to, by_fac.json)
    assert client.get(f"{base}/proposals/{local['id']}").json["status"] == "deliberation"


def test_an_author_who_left_the_commune_no_longer_moves_their_proposal(client, app, town, factory):
    author = town.members[0]
    headers = factory.token(author.user)
    proposal_id = client.post(
        f"{town.base}/proposals", json={"body": "assemblee", "title": "x"}, headers=headers
    ).json["id"]
    from federation.identity.models import Membership

    with app.app_context():
        db.session.get(Membership, author.membership_id).status = "suspended"
        db.session.commit()
    moved = client.post(
        f"{town.base}/proposals/{proposal_id}/transition",
        json={"to": "deliberation"},
        headers=headers,
    )
    assert moved.status_code == 403
