"""Issue 10 item 2: closing and casting at the same time, and the opening and closing dates.

A ballot is either counted or refused with a clear message: never stored after the tally.
The race is forced: the cast pauses after its checks until the close has committed (or
until a timeout, when the close waits for the cast's lock), each thread on its own
connection, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from federation.db import db, utcnow
from federation.errors import Conflict
from federation.governance import votes
from federation.governance.models import SealedBallot, SecretBallot, Vote, VoteParticipation
from federation.identity.models import User
from federation.tenancy.context import commune_scope


def _vote(client, town, factory, **kw):
    fac = factory.token(town.facilitator.user)
    body = {"body": "assemblee", "title": "Vote", "method": "majority", **kw}
    created = client.post(f"{town.base}/votes", json=body, headers=fac)
    assert created.status_code == 201, created.json
    opened = client.post(f"{town.base}/votes/{created.json['id']}/open", headers=fac)
    assert opened.status_code == 200, opened.json
    return created.json["id"]


def _wide(app, make_app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 6, "max_overflow": 0})
    return app


def _close(vote, actor):
    return votes.close_vote(vote, actor)


def race(
    app,
    make_app,
    town,
    vote_id,
    monkeypatch,
    *,
    pause: float = 3.0,
    end=_close,
    result_key: str = "result",
    error_key: str = "close",
) -> dict:
    """Cast (paused after its checks) against ``end(vote, facilitator)`` — the close by
    default; returns what each side saw (``end``'s result under ``result_key``, its error
    under ``error_key``)."""
    checked, closed = threading.Event(), threading.Event()
    real_canonical = votes.canonical

    def paused_canonical(ballot):  # called by cast() after the open/eligibility checks
        if threading.current_thread().name == "caster":
            checked.set()
            closed.wait(pause)
        return real_canonical(ballot)

    monkeypatch.setattr(votes, "canonical", paused_canonical)
    served = _wide(app, make_app)
    seen: dict = {}

    def cast() -> None:
        try:
            with served.app_context(), commune_scope(town.commune.id):
                vote = db.session.get(Vote, vote_id)
                voter = db.session.get(User, town.members[0].user.id)
                votes.cast(vote, voter, {"choice": "yes"})
                db.session.commit()
                seen["cast"] = "recorded"
        except Conflict as exc:
            seen["cast"] = f"refused: {exc.message}"
        except BaseException as exc:  # collected for the assertion
            seen["cast"] = f"error: {exc!r}"

    def close() -> None:
        try:
            checked.wait(30)
            with served.app_context(), commune_scope(town.commune.id):
                vote = db.session.get(Vote, vote_id)
                actor = db.session.get(User, town.facilitator.user.id)
                seen[result_key] = end(vote, actor)
                db.session.commit()
        except BaseException as exc:  # collected for the assertion
            seen[error_key] = f"error: {exc!r}"
        finally:
            closed.set()

    threads = [threading.Thread(target=cast, name="caster"), threading.Thread(target=close)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return seen


@pytest.mark.parametrize("secret", [False, True])
def test_a_ballot_cast_while_the_vote_closes_is_counted_or_refused(
    app, make_app, client, town, factory, monkeypatch, secret
):
    """Before: the close tallied 0 participants, then the cast stored its ballot (1 row)."""
    vote_id = _vote(client, town, factory, secret=secret)
    seen = race(app, make_app, town, vote_id, monkeypatch)
    assert "close" not in seen and not seen["cast"].startswith("error"), seen
    with app.app_context(), commune_scope(town.commune.id):
        stored = len(
            db.session.scalars(
                select(VoteParticipation).where(VoteParticipation.vote_id == vote_id)
            ).all()
        )
        vote = db.session.get(Vote, vote_id)
        assert vote.status == "closed"
        if secret:
            assert db.session.scalars(select(SealedBallot)).all() == []
            assert len(db.session.scalars(select(SecretBallot)).all()) == stored
    counted = seen["result"]["participants"]
    assert stored == counted, (stored, counted, seen["cast"])
    if seen["cast"] == "recorded":
        assert counted == 1 and seen["result"]["adopted"] is not None
    else:
        assert counted == 0 and "clos" in seen["cast"]


def test_the_race_detector_catches_an_unlocked_vote(
    app, make_app, client, town, factory, monkeypatch
):
    """The guard planted away (no lock): the race stores a ballot the tally never saw."""
    monkeypatch.setattr(votes, "lock_vote", lambda vote, exclusive: None)
    vote_id = _vote(client, town, factory)
    seen = race(app, make_app, town, vote_id, monkeypatch)
    with app.app_context(), commune_scope(town.commune.id):
        stored = len(db.session.scalars(select(VoteParticipation)).all())
    assert seen["cast"] == "recorded" and stored == 1 and seen["result"]["participants"] == 0


# --- opening and closing dates ---------------------------------------------------------------


def test_dates_are_set_through_the_api_and_enforced_at_cast(client, app, town, factory):
    """Before: opens_at was not accepted (422 unknown field) and not enforced."""
    fac = factory.token(town.facilitator.user)
    later = utcnow() + timedelta(days=2)
    created = client.post(
        f"{town.base}/votes",
        json={
            "body": "assemblee",
            "title": "Plus tard",
            "method": "majority",
            "opens_at": later.isoformat(),
            "closes_at": (later + timedelta(days=7)).isoformat(),
        },
        headers=fac,
    )
    assert created.status_code == 201, created.json
    vote_id = created.json["id"]
    assert created.json["opens_at"].startswith(later.date().isoformat())
    client.post(f"{town.base}/votes/{vote_id}/open", headers=fac)
    early = client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[0].user),
    )
    assert early.status_code == 409 and "pas encore ouvert" in early.get_data(as_text=True)
    bad = client.post(
        f"{town.base}/votes",
        json={
            "body": "assemblee",
            "title": "x",
            "method": "majority",
            "opens_at": later.isoformat(),
            "closes_at": (later - timedelta(days=1)).isoformat(),
        },
        headers=fac,
    )
    assert bad.status_code == 422 and "closes_at" in bad.json["errors"]["json"]


def test_dates_can_change_until_the_vote_opens(client, town, factory):
    fac = factory.token(town.facilitator.user)
    created = client.post(
        f"{town.base}/votes",
        json={"body": "assemblee", "title": "x", "method": "majority"},
        headers=fac,
    )
    url = f"{town.base}/votes/{created.json['id']}"
    closes = (utcnow() + timedelta(days=3)).isoformat()
    changed = client.patch(url, json={"closes_at": closes}, headers=fac)
    assert changed.status_code == 200 and changed.json["closes_at"], changed.json
    client.post(f"{url}/open", headers=fac)
    assert client.patch(url, json={"closes_at": closes}, headers=fac).status_code == 409


def test_a_ballot_after_the_closing_date_is_refused_and_close_due_counts(
    client, app, town, factory
):
    vote_id = _vote(client, town, factory)
    client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[1].user),
    )
    with app.app_context(), commune_scope(town.commune.id):
        db.session.get(Vote, vote_id).closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    late = client.post(
        f"{town.base}/votes/{vote_id}/ballots",
        json={"ballot": {"choice": "yes"}},
        headers=factory.token(town.members[0].user),
    )
    assert late.status_code == 409 and "clos" in late.get_data(as_text=True)
    from federation.governance.cli import governance_cli

    with app.app_context():
        out = CliRunner().invoke(governance_cli, ["close-due"], catch_exceptions=False)
    assert "1 vote(s) closed" in out.output, out.output
    result = client.get(f"{town.base}/votes/{vote_id}/results").json
    assert result["participants"] == 1


def test_the_vote_form_sets_the_dates(app, client, town, factory):
    from federation.testing.factories import Factory

    author = factory.token(town.members[0].user)
    proposal_id = client.post(
        f"{town.base}/proposals", json={"body": "assemblee", "title": "x"}, headers=author
    ).json["id"]
    client.post(
        f"{town.base}/proposals/{proposal_id}/transition",
        json={"to": "deliberation"},
        headers=author,
    )
    Factory.login(client, town.facilitator)
    page = f"/c/{town.commune.slug}/proposals/{proposal_id}"
    assert 'name="closes_at"' in client.get(page).text
    made = client.post(
        f"{page}/vote",
        data={
            "method": "majority",
            "quorum": "0",
            "opens_at": "2030-01-01T10:00",
            "closes_at": "2030-01-08T10:00",
        },
    )
    assert made.status_code == 302, made.text
    with app.app_context(), commune_scope(town.commune.id):
        vote = db.session.scalar(select(Vote).where(Vote.proposal_id == proposal_id))
        assert vote.opens_at is not None and vote.opens_at.year == 2030
        assert vote.closes_at is not None and vote.closes_at.day == 8
