"""Background jobs (federation.jobs): dispatched after commit only, inline or through RQ,
failures recorded, progress visible from other connections, stale jobs reported, and a
job of one commune invisible from another (ORM scoping and, on PostgreSQL, row security).
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select, update

from federation.db import db, utcnow
from federation.jobs import JobFailed, enqueue, job_status, report_progress
from federation.jobs.models import BackgroundJob
from federation.jobs.services import run_job
from federation.tenancy.context import commune_scope, session, unscoped
from federation.tenancy.scoping import CrossCommuneWrite, TenantScopeError, commune
from federation.testing.redis import redis_available, redis_test_url
from tests.support.notes_plugin import Note

HERE = "tests.core.test_jobs"
REDIS_URL = redis_test_url(2)
#: what the job functions below saw, for the tests to look at
SEEN: list[dict] = []


# --- job functions (called by the jobs under test) -------------------------------------


def add(a: int, b: int) -> dict:
    scope = session().scope
    SEEN.append({"commune": g.commune.id, "scope": scope.commune_id if scope else None})
    return {"sum": a + b}


def write_note_then_explode(title: str) -> None:
    db.session.add(Note(title=title))
    db.session.flush()
    raise RuntimeError("secret detail of the failure")


def refuse(reason: str) -> None:
    raise JobFailed("test.refused", reason=reason)


def write_note(title: str) -> dict:
    db.session.add(Note(title=title))
    return {"title": title}


def count_in_steps(steps: int) -> dict:
    """Reports progress, and looks at it through another connection while it runs."""
    for done in range(1, steps + 1):
        report_progress(done, steps)
        SEEN.append({"seen": _progress_from_elsewhere(g.commune.id)})
    return {"steps": steps}


def write_then_report(title: str) -> dict:
    """On SQLite the job holds the write lock: progress waits for the job's end."""
    db.session.add(Note(title=title))
    db.session.flush()
    SEEN.append({"written": report_progress(1, 2)})
    report_progress(2, 2)
    return {}


def not_json() -> object:
    return object()


def recurse(n: int) -> int:
    """Enqueues the next one: inline, jobs started by jobs nest; the nesting stops."""
    SEEN.append({"n": n})
    enqueue(f"{HERE}:recurse", kind="test.recurse", commune_id=g.commune.id, params={"n": n + 1})
    return n


def die() -> None:
    """The process running the job is killed (out of memory, kill -9)."""
    os.kill(os.getpid(), signal.SIGKILL)


def _progress_from_elsewhere(commune_id: int) -> tuple[int, int] | None:
    """The job's progress as another connection (another session) sees it."""
    other = db.session.session_factory()
    try:
        other.set_scope(commune(commune_id))
        job_id = SEEN_JOB_ID[0]
        row = other.execute(
            select(BackgroundJob.done, BackgroundJob.total).where(BackgroundJob.id == job_id)
        ).first()
        return tuple(row) if row else None
    finally:
        other.close()


SEEN_JOB_ID: list[str] = []


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture
def two(app, factory):
    SEEN.clear()
    a, b = factory.commune(), factory.commune()
    for c in (a, b):
        factory.enable(c, "notes")
    return a, b


def _enqueue(app, commune_id, function, kind="test.job", **params) -> str:
    with app.app_context(), commune_scope(commune_id):
        job_id = enqueue(f"{HERE}:{function}", kind=kind, commune_id=commune_id, params=params)
        db.session.commit()
    return job_id


def _status(app, commune_id, job_id):
    with app.app_context(), commune_scope(commune_id):
        return job_status(job_id)


def _notes(app, commune_id) -> list[str]:
    with app.app_context(), commune_scope(commune_id):
        return list(db.session.scalars(select(Note.title)))


# --- inline ----------------------------------------------------------------------------


def test_inline_job_runs_after_commit_in_its_commune(app, two):
    a, _b = two
    with app.app_context(), commune_scope(a.id):
        job_id = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 2, "b": 3})
        assert SEEN == []  # nothing before the commit
        status = job_status(job_id)
        assert status.state == "queued" and status.kind == "test.add"
        db.session.commit()
    assert [{"commune": a.id, "scope": a.id}] == SEEN
    status = _status(app, a.id, job_id)
    assert status.state == "finished"
    assert status.result == {"sum": 5}
    assert status.percent == 100 and status.error_kind is None
    assert status.started_at is not None and status.finished_at >= status.started_at


def test_rollback_means_no_dispatch_and_no_row(app, two):
    a, _b = two
    with app.app_context(), commune_scope(a.id):
        job_id = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 1, "b": 1})
        db.session.rollback()
        db.session.commit()  # a later commit does not run the forgotten job
        assert job_status(job_id) is None
    assert SEEN == []


def test_the_queue_gets_a_job_after_commit_only_with_planted_twin(app, two, monkeypatch):
    """With a queue: nothing is queued for a rolled-back transaction. Planted twin: a
    dispatch that does not wait for the commit queues the rolled-back job."""
    from federation.tenancy.scoping import TenantSession

    class Recorder:
        def __init__(self):
            self.calls = []

        def enqueue_call(self, func, args, **kwargs):
            self.calls.append(args)

    a, _b = two
    queue = Recorder()
    monkeypatch.setattr(app.extensions["convergence"], "queue", queue)

    def attempt(commit: bool) -> str:
        with app.app_context(), commune_scope(a.id):
            job_id = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={})
            db.session.commit() if commit else db.session.rollback()
        return job_id

    attempt(commit=False)
    assert queue.calls == []
    kept = attempt(commit=True)
    assert queue.calls == [(kept, a.id)]
    monkeypatch.setattr(TenantSession, "after_commit", lambda self, callback: callback())
    dropped = attempt(commit=False)
    assert (dropped, a.id) in queue.calls  # the twin queues a job whose row never existed


def test_the_job_writes_in_its_commune_with_its_result(app, two):
    a, b = two
    job_id = _enqueue(app, a.id, "write_note", title="from a job")
    assert _status(app, a.id, job_id).result == {"title": "from a job"}
    assert _notes(app, a.id) == ["from a job"]
    assert _notes(app, b.id) == []


def test_a_failure_marks_the_job_failed_and_rolls_its_work_back(app, two, caplog):
    a, _b = two
    with caplog.at_level("ERROR"):
        job_id = _enqueue(app, a.id, "write_note_then_explode", title="half-written")
    status = _status(app, a.id, job_id)
    assert status.state == "failed" and status.error_kind == "internal"
    assert status.result is None and status.finished_at is not None
    assert _notes(app, a.id) == []  # the job's own transaction was rolled back
    assert "secret detail of the failure" in caplog.text  # logged for the operator…
    client = app.test_client()
    body = client.get(f"/api/v1/communes/{a.slug}/jobs/{job_id}").get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body  # …not shown to users
    assert '"state": "failed"' in body or '"state":"failed"' in body


def test_a_job_fails_with_its_own_kind_and_parameters(app, two):
    a, _b = two
    job_id = _enqueue(app, a.id, "refuse", reason="no ballots")
    status = _status(app, a.id, job_id)
    assert (status.state, status.error_kind) == ("failed", "test.refused")
    assert status.error_params == {"reason": "no ballots"}


def test_a_result_that_is_not_json_fails_the_job(app, two):
    a, _b = two
    job_id = _enqueue(app, a.id, "not_json")
    assert _status(app, a.id, job_id).error_kind == "result_not_json"


def test_bad_enqueues_fail_in_the_callers_code(app, two):
    a, _b = two
    with app.app_context(), commune_scope(a.id):
        with pytest.raises(ValueError, match="commune"):
            enqueue(f"{HERE}:add", kind="test.add", commune_id=None, params={})
        with pytest.raises(ValueError, match=r"module\.path:function"):
            enqueue("os.system", kind="test.add", commune_id=a.id)
        with pytest.raises(ValueError, match="not in the core or a loaded plugin"):
            enqueue("os:getcwd", kind="test.add", commune_id=a.id)
        with pytest.raises(ValueError, match="no such function"):
            enqueue(f"{HERE}:nothing_here", kind="test.add", commune_id=a.id)
        with pytest.raises(ValueError, match="kind"):
            enqueue(f"{HERE}:add", kind="Bad Kind", commune_id=a.id)
        with pytest.raises(TypeError):
            enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"x": object()})
        db.session.rollback()


def test_a_job_without_a_commune_refuses_to_run():
    with pytest.raises(ValueError, match="no commune"):
        run_job("00000000-0000-4000-8000-000000000000", None)


def test_a_job_row_naming_a_function_outside_core_and_plugins_is_refused(app, two, caplog):
    a, _b = two
    with app.app_context(), commune_scope(a.id):
        job_id = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 1, "b": 1})
        db.session.flush()
        db.session.execute(  # a row altered in the database (the path is not a payload)
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(function="os:getcwd", params={})
            .execution_options(synchronize_session=False)
        )
        with caplog.at_level("ERROR"):
            db.session.commit()
    status = _status(app, a.id, job_id)
    assert (status.state, status.error_kind) == ("failed", "refused")
    assert "not in the core or a loaded plugin" in caplog.text


def test_inline_jobs_that_start_jobs_stop_nesting(app, two, caplog):
    a, _b = two
    with caplog.at_level("ERROR"):
        _enqueue(app, a.id, "recurse", kind="test.recurse", n=0)
    assert [{"n": n} for n in range(5)] == SEEN
    with app.app_context(), commune_scope(a.id):
        states = db.session.execute(
            select(BackgroundJob.state, BackgroundJob.error_kind).where(
                BackgroundJob.kind == "test.recurse"
            )
        ).all()
    assert sorted(states, key=str) == sorted(
        [("finished", None)] * 5 + [("failed", "too_deep")], key=str
    )


def test_a_page_finds_the_latest_job_about_its_subject(app, two):
    from federation.jobs import latest_job

    a, b = two
    with app.app_context(), commune_scope(a.id):
        for n in (1, 2):
            enqueue(
                f"{HERE}:add",
                kind="test.add",
                commune_id=a.id,
                params={"a": n, "b": 0},
                subject="test.thing:7",
            )
            db.session.commit()
        enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 9, "b": 0})
        db.session.commit()
        assert latest_job("test.add", "test.thing:7").result == {"sum": 2}
        assert latest_job("test.add").result == {"sum": 9}
        assert latest_job("test.add", "test.thing:8") is None
        with pytest.raises(ValueError, match="subject"):
            enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, subject="x" * 121)
        db.session.rollback()
    with app.app_context(), commune_scope(b.id):
        assert latest_job("test.add", "test.thing:7") is None  # A's job, not B's


def test_a_job_runs_once(app, two):
    a, _b = two
    job_id = _enqueue(app, a.id, "add", a=1, b=2)
    run_job(job_id, a.id, app=app)  # a second delivery (RQ retry, duplicate dispatch)
    assert len(SEEN) == 1


# --- progress --------------------------------------------------------------------------


def test_progress_is_visible_from_another_connection_while_the_job_runs(app, two):
    a, _b = two
    app.config["JOBS_PROGRESS_INTERVAL"] = 0
    try:
        with app.app_context(), commune_scope(a.id):
            job_id = enqueue(
                f"{HERE}:count_in_steps", kind="test.steps", commune_id=a.id, params={"steps": 3}
            )
            SEEN_JOB_ID[:] = [job_id]
            db.session.commit()
    finally:
        app.config.pop("JOBS_PROGRESS_INTERVAL")
    assert SEEN == [{"seen": (1, 3)}, {"seen": (2, 3)}, {"seen": (3, 3)}]
    status = _status(app, a.id, job_id)
    assert (status.state, status.done, status.total) == ("finished", 3, 3)


def test_progress_is_throttled_but_the_last_step_is_kept(app, two):
    a, _b = two
    app.config["JOBS_PROGRESS_INTERVAL"] = 3600
    try:
        with app.app_context(), commune_scope(a.id):
            job_id = enqueue(
                f"{HERE}:count_in_steps", kind="test.steps", commune_id=a.id, params={"steps": 3}
            )
            SEEN_JOB_ID[:] = [job_id]
            db.session.commit()
    finally:
        app.config.pop("JOBS_PROGRESS_INTERVAL")
    assert SEEN == [{"seen": (1, 3)}, {"seen": (1, 3)}, {"seen": (3, 3)}]


def test_progress_of_a_job_holding_sqlites_write_lock_waits_for_its_end(app, two):
    a, _b = two
    job_id = _enqueue(app, a.id, "write_then_report", title="locked")
    status = _status(app, a.id, job_id)
    assert (status.state, status.done, status.total) == ("finished", 2, 2)
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    assert [{"written": not sqlite}] == SEEN


def test_report_progress_outside_a_job_does_nothing_and_checks_its_input(app):
    assert report_progress(1, 2) is False
    with pytest.raises(ValueError, match="exceeds"):
        report_progress(3, 2)
    with pytest.raises(ValueError, match="done"):
        report_progress(-1, 2)


# --- stale jobs ------------------------------------------------------------------------


def _age(app, commune_id, job_id, **values):
    with app.app_context(), commune_scope(commune_id):
        db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def test_a_running_job_without_sign_of_life_is_reported_stale(app, two):
    a, _b = two
    job_id = _enqueue(app, a.id, "add", a=1, b=1)
    long_ago = utcnow() - timedelta(days=1)
    _age(app, a.id, job_id, state="running", started_at=long_ago, heartbeat_at=long_ago)
    status = _status(app, a.id, job_id)
    assert (status.state, status.error_kind, status.stale) == ("failed", "stale", True)
    recent = utcnow() - timedelta(seconds=5)
    _age(app, a.id, job_id, heartbeat_at=recent)
    assert _status(app, a.id, job_id).state == "running"


# --- tenant isolation ------------------------------------------------------------------


def test_a_job_of_commune_a_is_invisible_from_commune_b(app, two):
    a, b = two
    job_id = _enqueue(app, a.id, "add", a=1, b=1)
    assert _status(app, a.id, job_id) is not None
    assert _status(app, b.id, job_id) is None
    client = app.test_client()
    assert client.get(f"/api/v1/communes/{a.slug}/jobs/{job_id}").status_code == 200
    assert client.get(f"/api/v1/communes/{b.slug}/jobs/{job_id}").status_code == 404
    with app.app_context(), commune_scope(b.id):
        assert db.session.scalars(select(BackgroundJob)).all() == []


def test_planted_twin_a_leaky_status_lookup_is_caught(app, two, monkeypatch):
    """The isolation check above fails when the lookup leaks (read unscoped)."""
    a, b = two
    job_id = _enqueue(app, a.id, "add", a=1, b=1)
    from federation.jobs import services

    original = services.job_status

    def leaky(job_id):
        with unscoped():
            return original(job_id)

    monkeypatch.setattr(services, "job_status", leaky)
    assert _leaky_status(app, b.id, job_id, services) is not None  # the leak is seen


def _leaky_status(app, commune_id, job_id, services):
    with app.app_context(), commune_scope(commune_id):
        return services.job_status(job_id)


def test_a_job_cannot_be_enqueued_for_another_commune(app, two):
    a, b = two
    with app.app_context(), commune_scope(b.id):
        with pytest.raises(CrossCommuneWrite):
            enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 1, "b": 1})
        db.session.rollback()
    with app.app_context():
        with pytest.raises(TenantScopeError):  # no scope at all: fail closed
            enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 1, "b": 1})
        db.session.rollback()
    assert SEEN == []


def test_a_job_delivered_with_another_commune_is_refused(app, two, monkeypatch, caplog):
    """The worker runs a job only in its own commune: a payload naming commune B for A's
    job finds nothing (and, planted twin, an unscoped claim would have run it)."""
    a, b = two
    monkeypatch.setattr("federation.jobs.services.dispatch", lambda app, job_id, commune_id: None)
    job_id = _enqueue(app, a.id, "write_note", title="where?")
    with caplog.at_level("ERROR"):
        run_job(job_id, b.id, app=app)
    assert "not found in commune" in caplog.text
    assert _status(app, a.id, job_id).state == "queued"
    assert _notes(app, a.id) == [] and _notes(app, b.id) == []
    # planted twin: the claim without its commune scope runs A's job as B
    other = _enqueue(app, a.id, "add", a=1, b=1)
    monkeypatch.setattr("federation.jobs.services.commune_scope", lambda _cid: unscoped())
    run_job(other, b.id, app=app)
    with app.app_context(), unscoped():
        assert db.session.get(BackgroundJob, other).state == "finished"


# --- API and page fragment -------------------------------------------------------------


def test_status_api_gives_progress_not_params_or_result(app, two):
    a, _b = two
    job_id = _enqueue(app, a.id, "add", a=40, b=2)
    client = app.test_client()
    data = client.get(f"/api/v1/communes/{a.slug}/jobs/{job_id}").get_json()
    assert data["state"] == "finished" and data["percent"] == 100
    assert data["kind"] == "test.job" and data["id"] == job_id
    assert "result" not in data and "params" not in data
    for bad in ("nope", job_id.upper(), "1", "00000000-0000-4000-8000-000000000000"):
        response = client.get(f"/api/v1/communes/{a.slug}/jobs/{bad}")
        assert response.status_code == 404, bad


@pytest.mark.parametrize(
    ("locale", "running", "failed"),
    [
        ("fr", "En cours", "Relancez-la"),
        ("en", "Running", "Start it again"),
    ],
)
def test_progress_fragment_is_accessible_and_translated(app, two, locale, running, failed):
    from flask import render_template_string

    from federation.jobs.labels import describe

    a, _b = two
    job_id = _enqueue(app, a.id, "add", a=1, b=1)
    page = (
        '{% from "jobs/_progress.html" import job_refresh, job_progress %}'
        "{{ job_refresh(job) }}{{ job_progress(job, refresh_url='/here') }}"
    )
    with app.test_request_context(f"/?lang={locale}", headers={"Accept-Language": locale}):
        g.locale = locale
        _age(app, a.id, job_id, state="running", done=1234, total=5000, heartbeat_at=utcnow())
        with commune_scope(a.id):
            html = render_template_string(page, job=describe(job_status(job_id)))
        if _catalog_has(locale, running):
            assert running in html
        assert 'http-equiv="refresh"' in html
        assert 'role="status"' in html and 'aria-busy="true"' in html
        assert '<progress max="5000" value="1234"' in html
        assert 'href="/here"' in html
        old = utcnow() - timedelta(days=1)
        _age(app, a.id, job_id, heartbeat_at=old)
        with commune_scope(a.id):
            html = render_template_string(page, job=describe(job_status(job_id)))
        assert 'http-equiv="refresh"' not in html and 'role="alert"' in html
        if _catalog_has(locale, failed):
            assert failed in html


def _catalog_has(locale: str, text: str) -> bool:
    """French is the source language; English needs the core catalog with the msgids of
    /work/coord/i18n_jobs.po merged (until then the English texts are not checked)."""
    if locale == "fr":
        return True
    from flask_babel import gettext

    return gettext("En cours") != "En cours"  # the English catalog knows the jobs' msgids


# --- CLI -------------------------------------------------------------------------------


@pytest.fixture
def run(app):
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    return lambda *args: runner.invoke(main, list(args), obj=info)


def test_cli_lists_and_shows_jobs(app, two, run):
    a, b = two
    done = _enqueue(app, a.id, "add", a=1, b=2)
    failed = _enqueue(app, b.id, "refuse", reason="x")
    result = run("jobs", "list")
    assert result.exit_code == 0, result.output
    assert done in result.output and failed in result.output
    result = run("jobs", "list", "--commune", a.slug)
    assert done in result.output and failed not in result.output
    result = run("jobs", "list", "--state", "failed")
    assert failed in result.output and done not in result.output
    result = run("jobs", "show", done)
    assert result.exit_code == 0 and '"sum": 3' in result.output and "finished" in result.output
    result = run("jobs", "show", "not-a-job")
    assert result.exit_code == 1 and "UUID" in result.output
    result = run("jobs", "list", "--commune", "nowhere")
    assert result.exit_code == 1 and "nowhere" in result.output


def test_worker_without_redis_says_so(run):
    result = run("worker", "--burst")
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


# --- RQ --------------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.skipif(not redis_available(REDIS_URL), reason=f"no Redis server at {REDIS_URL}")
def test_jobs_go_through_rq_when_redis_is_configured(make_app, app, two):
    from federation.jobs.worker import work

    a, _b = two
    queued = make_app(redis_url=REDIS_URL, JOBS_INLINE=False)
    state = queued.extensions["convergence"]
    state.queue.empty()
    with queued.app_context(), commune_scope(a.id):
        job_id = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 4, "b": 5})
        rolled = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 0, "b": 0})
        db.session.rollback()  # the second one is gone with its transaction
        job_id = enqueue(f"{HERE}:add", kind="test.add", commune_id=a.id, params={"a": 4, "b": 5})
        assert state.queue.count == 0  # not before the commit
        db.session.commit()
    assert SEEN == []  # not inline
    assert state.queue.count == 1
    rq_job = state.queue.jobs[0]
    assert rq_job.id == job_id and rq_job.args == (job_id, a.id)  # carries its commune (R8)
    assert rolled not in state.queue.job_ids
    assert _status(queued, a.id, job_id).state == "queued"
    work(queued, burst=True, simple=True)
    assert [{"commune": a.id, "scope": a.id}] == SEEN
    status = _status(queued, a.id, job_id)
    assert (status.state, status.result) == ("finished", {"sum": 9})


@pytest.mark.redis
@pytest.mark.skipif(not redis_available(REDIS_URL), reason=f"no Redis server at {REDIS_URL}")
def test_a_failing_rq_job_is_marked_failed(make_app, app, two):
    from federation.jobs.worker import work

    a, _b = two
    queued = make_app(redis_url=REDIS_URL, JOBS_INLINE=False)
    queued.extensions["convergence"].queue.empty()
    job_id = _enqueue(queued, a.id, "write_note_then_explode", title="no")
    work(queued, burst=True, simple=True)
    status = _status(queued, a.id, job_id)
    assert (status.state, status.error_kind) == ("failed", "internal")
    assert _notes(queued, a.id) == []


def test_a_queue_that_cannot_take_the_job_runs_it_inline_with_a_warning(
    app, two, monkeypatch, caplog
):
    """Issue 17 item 6: Redis away, the job runs in the process that committed it (as
    without Redis) and the log says why, instead of failing."""

    class RedisDown:
        def enqueue_call(self, *args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379")

    a, _b = two
    monkeypatch.setattr(app.extensions["convergence"], "queue", RedisDown())
    with caplog.at_level("WARNING"):
        job_id = _enqueue(app, a.id, "add", a=1, b=1)  # the caller's commit still succeeds
    status = _status(app, a.id, job_id)
    assert (status.state, status.result) == ("finished", {"sum": 2})
    assert "runs inline: the Redis queue is unavailable" in caplog.text


@pytest.mark.redis
@pytest.mark.skipif(not redis_available(REDIS_URL), reason=f"no Redis server at {REDIS_URL}")
def test_the_forking_worker_runs_jobs_and_records_a_killed_one(make_app, app, two):
    """``convergence worker`` forks a process per job: the child gets its own database
    connections and writes; a child killed mid-job is recorded as interrupted at once."""
    from federation.jobs.worker import work

    a, _b = two
    queued = make_app(redis_url=REDIS_URL, JOBS_INLINE=False)
    queued.extensions["convergence"].queue.empty()
    written = _enqueue(queued, a.id, "write_note", title="from a forked worker")
    killed = _enqueue(queued, a.id, "die")
    work(queued, burst=True)
    assert _status(queued, a.id, written).state == "finished"
    assert _notes(queued, a.id) == ["from a forked worker"]
    status = _status(queued, a.id, killed)
    assert (status.state, status.error_kind) == ("failed", "interrupted")


@pytest.mark.redis
@pytest.mark.skipif(not redis_available(REDIS_URL), reason=f"no Redis server at {REDIS_URL}")
def test_worker_command_runs_the_queue(make_app, app, two):
    from flask.cli import ScriptInfo

    from federation.cli import main

    a, _b = two
    queued = make_app(redis_url=REDIS_URL, JOBS_INLINE=False)
    queued.extensions["convergence"].queue.empty()
    job_id = _enqueue(queued, a.id, "add", a=2, b=2)
    result = queued.test_cli_runner().invoke(
        main, ["worker", "--burst", "--simple"], obj=ScriptInfo(create_app=lambda: queued)
    )
    assert result.exit_code == 0, result.output
    assert _status(queued, a.id, job_id).result == {"sum": 4}
