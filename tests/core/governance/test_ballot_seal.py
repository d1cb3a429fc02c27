"""Issue 10 item 3 follow-up: the seal of secret ballots (AES-256-GCM from ``cryptography``),
an altered sealed row at close, and a cancelled secret vote (its sealed ballots deleted
unopened, under the vote's lock)."""

from __future__ import annotations

from sqlalchemy import select, text, update

from federation.db import db
from federation.governance import ballot_box, votes
from federation.governance.models import SealedBallot, SecretBallot, Vote, VoteParticipation
from federation.tenancy.context import commune_scope
from federation.tenancy.scoping import raw_tenant_sql

from .test_vote_concurrency import _vote, race


def _cast_all(client, town, factory, vote_id, people) -> None:
    for person in people:
        cast = client.post(
            f"{town.base}/votes/{vote_id}/ballots",
            json={"ballot": {"choice": "yes"}},
            headers=factory.token(person.user),
        )
        assert cast.status_code in (200, 201), cast.json


def test_two_seals_of_one_ballot_differ_and_have_one_size(app):
    with app.app_context():
        one = ballot_box.seal(ballot_box.VOTE, 7, ["r" * 32, '{"choice":"yes"}'])
        two = ballot_box.seal(ballot_box.VOTE, 7, ["r" * 32, '{"choice":"yes"}'])
        other = ballot_box.seal(ballot_box.VOTE, 7, ["r" * 32, '{"choice":"abstention"}'])
        assert one != two and one[:12] != two[:12]  # a fresh nonce each time
        assert len(one) == len(two) == len(other) == 12 + ballot_box.BLOCK + 16
        assert ballot_box.unseal(ballot_box.VOTE, 7, two) == ["r" * 32, '{"choice":"yes"}']
        for kind, container in (("budget_pb", 7), (ballot_box.VOTE, 8)):
            try:
                ballot_box.unseal(kind, container, one)
            except ballot_box.BrokenSeal:
                continue
            raise AssertionError(f"opened with the key of {kind}/{container}")


def _tamper_and_close(app, client, town, factory):
    vote_id = _vote(client, town, factory, secret=True)
    _cast_all(client, town, factory, vote_id, town.members[:3])
    with app.app_context(), commune_scope(town.commune.id):
        row = db.session.scalars(
            select(SealedBallot).where(SealedBallot.vote_id == vote_id)
        ).first()
        blob = bytearray(row.sealed)
        blob[40] ^= 1
        db.session.execute(
            update(SealedBallot).where(SealedBallot.id == row.id).values(sealed=bytes(blob))
        )
        db.session.commit()
    closed = client.post(
        f"{town.base}/votes/{vote_id}/close", headers=factory.token(town.facilitator.user)
    )
    return vote_id, closed


def test_an_altered_sealed_ballot_makes_closing_refuse(app, client, town, factory):
    """One flipped byte in one sealed row: the close answers 409 naming the vote, counts
    nothing, and the vote stays open with its sealed ballots."""
    vote_id, closed = _tamper_and_close(app, client, town, factory)
    assert closed.status_code == 409, closed.json
    assert "scellés" in str(closed.json) or "sealed" in str(closed.json)
    with app.app_context(), commune_scope(town.commune.id):
        assert db.session.get(Vote, vote_id).status == "open"
        assert len(db.session.scalars(select(SealedBallot)).all()) == 3
        assert db.session.scalars(select(SecretBallot)).all() == []


def test_cancelling_a_secret_vote_deletes_its_sealed_ballots(app, client, town, factory):
    """Before: cancel_vote left the 3 sealed ballots of the cancelled vote in place."""
    vote_id = _vote(client, town, factory, secret=True)
    _cast_all(client, town, factory, vote_id, town.members[:3])
    with app.app_context(), commune_scope(town.commune.id):
        assert votes.cancel_vote(db.session.get(Vote, vote_id), "test", "federation_decided")
        db.session.commit()
    with app.app_context(), commune_scope(town.commune.id):
        with raw_tenant_sql("test: the cancelled vote's sealed ballots are gone"):
            left = db.session.execute(
                text("SELECT count(*) FROM gov_sealed_ballots WHERE vote_id = :v"), {"v": vote_id}
            ).scalar()
        assert left == 0
        assert db.session.scalars(select(SecretBallot)).all() == []  # nothing tallied
        assert db.session.get(Vote, vote_id).status == "cancelled"
        assert len(db.session.scalars(select(VoteParticipation)).all()) == 3  # the roll stays


def _race_cancel(app, make_app, town, vote_id, monkeypatch, pause: float = 3.0) -> dict:
    """A cast paused after its checks, against cancel_vote; what each side saw."""
    seen = race(
        app,
        make_app,
        town,
        vote_id,
        monkeypatch,
        pause=pause,
        end=lambda vote, _actor: votes.cancel_vote(vote, "t", "test"),
        result_key="cancel",
        error_key="cancel",
    )
    with app.app_context(), commune_scope(town.commune.id):
        seen["sealed_left"] = len(
            db.session.scalars(select(SealedBallot).where(SealedBallot.vote_id == vote_id)).all()
        )
        seen["status"] = db.session.get(Vote, vote_id).status
    return seen


def test_a_ballot_cast_while_the_vote_is_cancelled_leaves_nothing_sealed(
    app, make_app, client, town, factory, monkeypatch
):
    """Before (no lock, no delete): the cast sealed its ballot on the cancelled vote."""
    vote_id = _vote(client, town, factory, secret=True)
    seen = _race_cancel(app, make_app, town, vote_id, monkeypatch)
    assert seen["cancel"] is True and seen["status"] == "cancelled", seen
    assert not seen["cast"].startswith("error"), seen
    assert seen["sealed_left"] == 0, seen


def test_the_cancel_race_detector_catches_an_unlocked_cancel(
    app, make_app, client, town, factory, monkeypatch
):
    """The lock planted away: the cast seals its ballot after the cancel deleted the box."""
    monkeypatch.setattr(votes, "lock_vote", lambda vote, exclusive: db.session.refresh(vote))
    vote_id = _vote(client, town, factory, secret=True)
    seen = _race_cancel(app, make_app, town, vote_id, monkeypatch)
    assert seen["cast"] == "recorded" and seen["sealed_left"] == 1, seen


def test_the_tamper_check_catches_a_box_that_counts_altered_ballots(
    app, client, town, factory, monkeypatch
):
    """Planted: a box that reads an altered ballot as some other choice. The close then
    succeeds (200), which the check above refuses."""
    real = ballot_box.unseal

    def lenient(kind, container_id, blob):
        try:
            return real(kind, container_id, blob)
        except ballot_box.BrokenSeal:
            return ["0" * 32, votes.canonical({"choice": "no"})]

    monkeypatch.setattr(ballot_box, "unseal", lenient)
    _vote_id, closed = _tamper_and_close(app, client, town, factory)
    assert closed.status_code == 200, closed.json
