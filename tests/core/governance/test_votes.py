"""Votes in the database: one person one vote (a UNIQUE constraint, under concurrency),
secret ballots unlinkable to people, frozen rules, hidden results, proxies, quorum."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import inspect, select

from federation.db import db
from federation.governance import bodies, votes
from federation.governance.models import SealedBallot, SecretBallot, Vote, VoteParticipation
from federation.identity.models import User
from federation.tenancy.context import commune_scope


def _vote(app, town, factory, **kw):
    """Create (and open) a vote of the assembly through the API, as facilitation does."""
    client = app.test_client()
    fac = factory.token(town.facilitator.user)
    should_open = kw.pop("open", True)
    body = {"body": "assemblee", "title": kw.pop("title", "Vote"), "method": "majority", **kw}
    created = client.post(f"{town.base}/votes", json=body, headers=fac)
    assert created.status_code == 201, created.json
    vote_id = created.json["id"]
    if should_open:
        assert client.post(f"{town.base}/votes/{vote_id}/open", headers=fac).status_code == 200
    return vote_id


def test_casting_twice_is_an_idempotent_success(client, app, town, factory):
    vote_id = _vote(app, town, factory)
    headers = factory.token(town.members[0].user)
    url = f"{town.base}/votes/{vote_id}/ballots"
    first = client.post(url, json={"ballot": {"choice": "yes"}}, headers=headers)
    second = client.post(url, json={"ballot": {"choice": "no"}}, headers=headers)
    assert first.status_code == 201 and first.json["recorded"] is True
    assert second.status_code == 200 and second.json["duplicate"] is True
    with app.app_context(), commune_scope(town.commune.id):
        rows = db.session.scalars(select(VoteParticipation)).all()
        assert len(rows) == 1 and '"yes"' in rows[0].content


def _wide_pool_app(app, make_app, workers: int):
    """An app whose pool has a connection per thread (the default pool holds 15)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return app
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": workers + 5, "max_overflow": 0})


@pytest.mark.parametrize("secret", [False, True])
def test_concurrent_casts_by_one_person_record_exactly_one_ballot(
    app, make_app, town, factory, secret
):
    """R11: 16 (50 on PostgreSQL) simultaneous requests of the same voter → 1 row, 0 errors."""
    vote_id = _vote(app, town, factory, secret=secret)
    headers = factory.token(town.members[0].user)
    url = f"{town.base}/votes/{vote_id}/ballots"
    workers = 50 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else 16
    served = _wide_pool_app(app, make_app, workers)
    statuses: list[int] = []
    barrier = threading.Barrier(workers, timeout=60)

    def attempt() -> None:
        client = served.test_client()
        barrier.wait()
        statuses.append(
            client.post(url, json={"ballot": {"choice": "yes"}}, headers=headers).status_code
        )

    threads = [threading.Thread(target=attempt) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) <= [200, 201] and statuses.count(201) == 1, statuses
    with app.app_context(), commune_scope(town.commune.id):
        assert len(db.session.scalars(select(VoteParticipation)).all()) == 1
        # a secret ballot stays sealed while the vote is open (issue 10 item 3)
        assert len(db.session.scalars(select(SealedBallot)).all()) == (1 if secret else 0)
        assert db.session.scalars(select(SecretBallot)).all() == []


def test_secret_ballots_cannot_be_linked_to_people(client, app, town, factory):
    """R14: the ballot table has no user column and nothing that orders it like the register."""
    columns = {c["name"] for c in inspect(_engine(app)).get_columns("gov_secret_ballots")}
    assert columns == {"receipt", "vote_id", "content", "commune_id"}
    vote_id = _vote(app, town, factory, secret=True, results_hidden=False)
    receipts = []
    for member in town.members:
        cast = client.post(
            f"{town.base}/votes/{vote_id}/ballots",
            json={"ballot": {"choice": "yes"}},
            headers=factory.token(member.user),
        )
        receipts.append(cast.json["receipt"])
    # while open: no live results, no live roll, even if the vote asked for visible results
    assert client.get(f"{town.base}/votes/{vote_id}/roll").status_code == 403
    assert client.get(f"{town.base}/votes/{vote_id}/results").status_code == 403
    assert all(len(r) == 32 for r in receipts)
    client.post(f"{town.base}/votes/{vote_id}/close", headers=factory.token(town.facilitator.user))
    roll = client.get(f"{town.base}/votes/{vote_id}/roll").json
    assert len(roll) == 4 and all("ballot" not in row for row in roll)  # who voted, never what
    with app.app_context(), commune_scope(town.commune.id):
        stored = [r for (r,) in db.session.execute(select(SecretBallot.receipt))]
    if _engine(app).dialect.name == "sqlite":
        # WITHOUT ROWID: rows are stored in receipt order, not in casting order
        assert stored == sorted(stored)
    published = [
        b["receipt"] for b in client.get(f"{town.base}/votes/{vote_id}/secret-ballots").json
    ]
    assert published == sorted(receipts)  # published by receipt: the order reveals nothing
    for url in (f"{town.base}/votes/{vote_id}", f"{town.base}/votes/{vote_id}/results"):
        body = client.get(url).get_data(as_text=True)
        assert not any(m.user.email in body or m.user.display_name in body for m in town.members)


def _engine(app):
    with app.app_context():
        return db.engine


def test_rules_are_frozen_once_voting_opens(client, app, town, factory):
    vote_id = _vote(app, town, factory, open=False)
    fac = factory.token(town.facilitator.user)
    url = f"{town.base}/votes/{vote_id}"
    assert (
        client.patch(url, json={"settings": {"threshold": "2/3"}}, headers=fac).status_code == 200
    )
    client.post(f"{url}/open", headers=fac)
    for change in (
        {"settings": {"threshold": "1/3"}},
        {"secret": True},
        {"quorum": "1/2"},
        {"method": "consent"},
        {"results_hidden": False},
    ):
        response = client.patch(url, json=change, headers=fac)
        assert response.status_code == 409, change
    with app.app_context(), commune_scope(town.commune.id):
        assert db.session.get(Vote, vote_id).settings["threshold"] == "2/3"


def test_results_are_hidden_until_close_for_everyone(client, app, town, factory):
    vote_id = _vote(app, town, factory)
    for who in (town.facilitator, town.members[0]):
        response = client.get(
            f"{town.base}/votes/{vote_id}/results", headers=factory.token(who.user)
        )
        assert response.status_code == 403
    admin = factory.platform_admin()
    assert (
        client.get(f"{town.base}/votes/{vote_id}/results", headers=factory.token(admin)).status_code
        == 403
    )
    client.post(f"{town.base}/votes/{vote_id}/close", headers=factory.token(town.facilitator.user))
    assert client.get(f"{town.base}/votes/{vote_id}/results").status_code == 200


def test_quorum_decides_adoption(client, app, town, factory):
    vote_id = _vote(app, town, factory, quorum="3/4")
    for member in town.members[:2]:
        client.post(
            f"{town.base}/votes/{vote_id}/ballots",
            json={"ballot": {"choice": "yes"}},
            headers=factory.token(member.user),
        )
    result = client.post(
        f"{town.base}/votes/{vote_id}/close", headers=factory.token(town.facilitator.user)
    ).json
    assert result["quorum_met"] is False and result["adopted"] is False
    assert result["eligible"] == 7 and result["participants"] == 2


def test_bad_ballots_name_the_field_and_write_nothing(client, app, town, factory):
    vote_id = _vote(app, town, factory)
    headers = factory.token(town.members[0].user)
    for ballot in ({"choice": "perhaps"}, {"choice": "yes", "extra": 1}, "yes", None, [1]):
        response = client.post(
            f"{town.base}/votes/{vote_id}/ballots", json={"ballot": ballot}, headers=headers
        )
        assert response.status_code == 422, ballot
        assert response.json["errors"]["json"]
    with app.app_context(), commune_scope(town.commune.id):
        assert not db.session.scalars(select(VoteParticipation)).all()


def test_only_eligible_members_vote(client, app, town, factory):
    vote_id = _vote(app, town, factory)
    outsider = factory.user()
    pending = factory.member(town.commune, status="pending")
    for who in (outsider, pending.user):
        response = client.post(
            f"{town.base}/votes/{vote_id}/ballots",
            json={"ballot": {"choice": "yes"}},
            headers=factory.token(who),
        )
        assert response.status_code == 403


def test_circle_votes_are_for_circle_members(client, app, town, factory, in_commune):
    with in_commune(town.commune):
        circle = bodies.create_body("thematic_circle", "Cercle eau")
        bodies.join(circle, db.session.get(User, town.members[0].user.id))
    fac = factory.token(town.facilitator.user)
    created = client.post(
        f"{town.base}/votes",
        json={"body": "cercle-eau", "title": "x", "method": "majority"},
        headers=fac,
    )
    vote_id = created.json["id"]
    client.post(f"{town.base}/votes/{vote_id}/open", headers=fac)
    inside = client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[0].user),
    )
    outside = client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[1].user),
    )
    assert inside.status_code == 201 and outside.status_code == 403


def test_one_proxy_per_member(client, app, town, factory):
    vote_id = _vote(app, town, factory, open=False)
    a, b, c = town.members[:3]
    url = f"{town.base}/votes/{vote_id}/proxies"
    assert (
        client.post(url, json={"holder_id": b.user.id}, headers=factory.token(a.user)).status_code
        == 204
    )
    again = client.post(url, json={"holder_id": c.user.id}, headers=factory.token(a.user))
    assert again.status_code == 409
    second = client.post(url, json={"holder_id": b.user.id}, headers=factory.token(c.user))
    assert second.status_code == 409  # b already carries one proxy
    client.post(f"{town.base}/votes/{vote_id}/open", headers=factory.token(town.facilitator.user))
    by_proxy = client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "no"}, "for_user_id": a.user.id},
        headers=factory.token(b.user),
    )
    assert by_proxy.status_code == 201
    forged = client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "no"}, "for_user_id": c.user.id},
        headers=factory.token(b.user),
    )
    assert forged.status_code == 403
    with app.app_context(), commune_scope(town.commune.id):
        row = db.session.scalar(select(VoteParticipation))
        assert row.voter_id == a.user.id and row.cast_by_id == b.user.id


def test_votes_of_another_commune_are_invisible(client, app, town, factory):
    vote_id = _vote(app, town, factory)
    other = factory.commune("elsewhere")
    member = factory.member(other)
    response = client.post(
        f"/api/v1/communes/{other.slug}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(member.user),
    )
    assert response.status_code == 404


@pytest.mark.skipif(
    not os.environ.get("CONVERGENCE_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL (set CONVERGENCE_TEST_DATABASE_URL)",
)
def test_50_concurrent_casts_on_postgres_from_separate_connections(app, make_app, town, factory):
    """Real connections, real transactions: the UNIQUE constraint is the only arbiter."""
    vote_id = _vote(app, town, factory, secret=True)
    user_id = town.members[1].user.id
    errors: list[BaseException] = []
    outcomes: list[bool] = []
    barrier = threading.Barrier(50, timeout=60)
    wide = _wide_pool_app(app, make_app, 50)

    def attempt() -> None:
        try:
            with wide.app_context(), commune_scope(town.commune.id):
                vote = db.session.get(Vote, vote_id)
                voter = db.session.get(User, user_id)
                barrier.wait()
                outcome = votes.cast(vote, voter, {"choice": "yes"})
                db.session.commit()
                outcomes.append(outcome.duplicate)
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert outcomes.count(False) == 1 and outcomes.count(True) == 49
    with app.app_context(), commune_scope(town.commune.id):
        assert len(db.session.scalars(select(SealedBallot)).all()) == 1
