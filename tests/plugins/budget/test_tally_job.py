"""The close of a participatory-budget vote tallies in a background job (federation.jobs):
until the job has stored the result, the results page and the API show its progress, and a
GET changes nothing; then the results are there, journaled once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from federation.db import db
from tests.plugins.budget.test_participatory import _cast, _process, _to_vote


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs stay queued after the commit (no worker): the test runs them itself."""
    from federation.jobs import services

    held: list[tuple[str, int]] = []
    monkeypatch.setattr(
        services, "dispatch", lambda app, job_id, commune_id: held.append((job_id, commune_id))
    )
    return held


def _closed_vote(client, factory, town):
    process_id, ids = _process(client, factory, town, max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    for member, chosen in zip(town.members, [[ids[0]], [ids[0], ids[2]], [ids[1]]], strict=False):
        assert _cast(client, factory, member, process_id, {"projects": chosen}).status_code == 200
    closed = client.post(
        f"{town.base}/processes/{process_id}/phase",
        json={"to": "results"},
        headers=factory.token(town.agent.user),
    )
    assert closed.status_code == 200, closed.json
    return process_id


def _journal_count(app, kind):
    from federation.journal.models import JournalEntry
    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        return db.session.scalar(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == kind)
        )


def test_the_results_page_shows_the_running_tally_then_the_results(
    client, factory, town, app, held_jobs
):
    process_id = _closed_vote(client, factory, town)
    assert len(held_jobs) == 1  # enqueued by the close, run after its commit
    job_id, commune_id = held_jobs[0]
    page = client.get(f"{town.web}/pb/{process_id}/results")
    assert page.status_code == 200
    assert "calcul en cours" in page.text and 'http-equiv="refresh"' in page.text
    api = client.get(f"{town.base}/processes/{process_id}/results").json
    assert api["computing"] is True and api["job"] == job_id and api["state"] == "queued"
    # a GET starts nothing and writes nothing
    again = client.get(f"{town.base}/processes/{process_id}/results").json
    assert again["state"] == "queued" and _journal_count(app, "budget.pb_results") == 0

    from federation.jobs.services import run_job

    run_job(job_id, commune_id, app=app)
    result = client.get(f"{town.base}/processes/{process_id}/results").json
    assert result["rule"] == "mes" and result["ballots"] == 3 and result["selected"]
    assert set(result["outcomes"]) == {"mes", "greedy"}
    page = client.get(f"{town.web}/pb/{process_id}/results")
    assert "calcul en cours" not in page.text and "Retenu" in page.text
    assert _journal_count(app, "budget.pb_results") == 1
    run_job(job_id, commune_id, app=app)  # a second run of the same job changes nothing
    assert _journal_count(app, "budget.pb_results") == 1


def test_the_english_page_says_the_tally_is_running(client, factory, town, held_jobs):
    process_id = _closed_vote(client, factory, town)
    page = client.get(f"{town.web}/pb/{process_id}/results", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "results are being computed" in page.text


def test_without_redis_the_tally_runs_inline_after_the_commit(client, factory, town):
    process_id = _closed_vote(client, factory, town)
    result = client.get(f"{town.base}/processes/{process_id}/results").json
    assert "computing" not in result and result["ballots"] == 3


def test_planted_a_results_page_that_counts_on_get_is_caught(
    client, factory, town, app, held_jobs, monkeypatch
):
    """Planted twin of the no-write-on-GET check above: a results page that runs the
    tally itself writes the results and their journal entry, which that check sees."""
    from convergence_budget import participatory as pb

    from federation.jobs.services import run_job

    process_id = _closed_vote(client, factory, town)
    job_id, commune_id = held_jobs[0]
    original = pb.tally_progress

    def counting_on_get(process):
        run_job(job_id, commune_id, app=app)
        return original(process)

    monkeypatch.setattr(pb, "tally_progress", counting_on_get)
    client.get(f"{town.web}/pb/{process_id}/results")
    assert _journal_count(app, "budget.pb_results") == 1  # the guard's check would fail
