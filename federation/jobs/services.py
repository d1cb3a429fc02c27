"""Background jobs: enqueued inside a service transaction, run after it commits.

* :func:`enqueue` writes the job's row in the caller's transaction and dispatches it only
  after that transaction commits (nothing runs if it rolls back): onto the RQ queue when
  Redis is configured, otherwise right after the commit, in the same process.
* :func:`run_job` (the RQ entry point, also used inline) claims the row, calls the
  function in a fresh app context in the job's commune scope, and stores its result (in
  the job's own transaction) or marks it failed (in a new one, after a rollback).
* :func:`report_progress` commits ``done``/``total`` in a short transaction of its own,
  so that other processes see it while the job runs.
* :func:`job_status` reads a job in the current commune scope: another commune's job is
  not there (ORM scoping, and row-level security on PostgreSQL).

Every job carries its commune (R8): a job without one is refused at enqueue and at run.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import and_, func, or_, select, update

from federation.db import db, utcnow
from federation.jobs.models import BackgroundJob
from federation.tenancy import scoping
from federation.tenancy.context import commune_scope, session

log = logging.getLogger(__name__)

FUNCTION_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_]\w*$")
KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
#: RQ kills a job after this many seconds (``JOBS_TIMEOUT``)
DEFAULT_TIMEOUT = 1800
#: a running job without a sign of life for this long is reported stale (``JOBS_STALE_AFTER``)
STALE_MARGIN = 120
#: progress is written at most this often, in seconds (``JOBS_PROGRESS_INTERVAL``)
DEFAULT_PROGRESS_INTERVAL = 0.5
#: finished and failed jobs stay this long in Redis (the row is the record)
RQ_RESULT_TTL = 3600
ACTIVE = ("queued", "running")
#: inline jobs started from inline jobs, at most this deep
MAX_INLINE_DEPTH = 5
_INLINE_DEPTH: ContextVar[int] = ContextVar("convergence_inline_job_depth", default=0)


class JobFailed(Exception):
    """Raise it from a job to fail with a kind of your own (``budget.no_ballots``) and
    JSON parameters; the page renders the kind in the reader's language."""

    def __init__(self, kind: str, **params: Any) -> None:
        if not KIND.match(kind or ""):
            raise ValueError(f"job error kind {kind!r}: lower-case words separated by dots")
        json.dumps(params)
        super().__init__(kind)
        self.kind = kind
        self.params = params


@dataclass(frozen=True)
class JobStatus:
    """What a page, the API or the CLI shows of a job."""

    id: str
    kind: str
    state: str  # queued | running | finished | failed
    done: int
    total: int
    error_kind: str | None
    result: Any
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    #: parameters of the error (a JobFailed's), for its message
    error_params: dict[str, Any] = field(default_factory=dict)
    #: the job was running and gave no sign of life for too long (its worker died)
    stale: bool = False
    subject: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None while the total is unknown."""
        if self.state == "finished":
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)


# --- enqueue ---------------------------------------------------------------------------


def job_packages() -> set[str]:
    """Top-level packages whose functions may run as jobs: the core and the loaded plugins
    (a job row naming ``os:system`` is refused at enqueue and at run)."""
    from federation.plugins.services import manager

    roots = {"federation"}
    for plugin in manager().by_name.values():
        roots.add(type(plugin).__module__.split(".")[0])
    return roots


def resolve(path: str) -> Callable[..., Any]:
    """The function named ``module.path:function`` (ValueError naming what is wrong)."""
    if not isinstance(path, str) or not FUNCTION_PATH.match(path):
        raise ValueError(f"job function {path!r}: expected 'module.path:function'")
    module_name, _, name = path.partition(":")
    allowed = job_packages()
    if module_name.split(".")[0] not in allowed:
        raise ValueError(
            f"job function {path!r}: not in the core or a loaded plugin "
            f"(packages {', '.join(sorted(allowed))})"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"job function {path!r}: module not found ({exc})") from exc
    function = getattr(module, name, None)
    if not callable(function):
        raise ValueError(f"job function {path!r}: no such function")
    return function


def enqueue(
    function: str,
    *,
    kind: str,
    commune_id: int | None,
    params: dict[str, Any] | None = None,
    requested_by: int | None = None,
    subject: str | None = None,
) -> str:
    """Record a job in the current transaction; it runs after the transaction commits.

    ``function(**params)`` is then called in an app context in the scope of ``commune_id``.
    The row is written through the tenant scoping: enqueueing for a commune outside the
    current scope raises. ``subject`` (optional, ``budget.process:12``) lets a page find
    the job again with :func:`latest_job`. Returns the job's id.
    """
    if not commune_id or isinstance(commune_id, bool) or not isinstance(commune_id, int):
        raise ValueError(f"job {kind!r} must carry its commune (commune_id), got {commune_id!r}")
    if not isinstance(kind, str) or not KIND.match(kind) or len(kind) > 80:
        raise ValueError(f"job kind {kind!r}: lower-case words separated by dots")
    if subject is not None and (not isinstance(subject, str) or not 0 < len(subject) <= 120):
        raise ValueError(f"job subject {subject!r}: a string of 1 to 120 characters")
    resolve(function)  # a wrong path fails now, in the caller's code
    params = dict(params or {})
    json.dumps(params)  # JSON-serialisable or TypeError now
    job_id = str(uuid.uuid4())
    db.session.add(
        BackgroundJob(
            id=job_id,
            commune_id=commune_id,
            kind=kind,
            subject=subject,
            function=function,
            params=params,
            state="queued",
            done=0,
            total=0,
            requested_by_id=requested_by,
        )
    )
    db.session.flush()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    session().after_commit(lambda: dispatch(app, job_id, commune_id))
    return job_id


def dispatch(app: Flask, job_id: str, commune_id: int) -> None:
    """After the commit: onto the RQ queue, or run now (no Redis, ``JOBS_INLINE``, or a
    Redis that does not answer: then with a warning in the log)."""
    queue = app.extensions["convergence"].queue
    if queue is not None:
        try:
            queue.enqueue_call(
                run_job,
                args=(job_id, commune_id),
                job_id=job_id,
                timeout=job_timeout(app),
                result_ttl=RQ_RESULT_TTL,
                failure_ttl=RQ_RESULT_TTL,
                description=f"convergence job {job_id} (commune {commune_id})",
            )
            return
        except Exception as exc:  # Redis away: the job runs here and now, as without Redis
            log.warning(
                "job %s of commune %s runs inline: the Redis queue is unavailable (%s)",
                job_id,
                commune_id,
                type(exc).__name__,
            )
    depth = _INLINE_DEPTH.get()
    if depth >= MAX_INLINE_DEPTH:  # jobs that enqueue jobs that enqueue jobs…
        log.error("job %s not run: inline jobs nested deeper than %d", job_id, depth)
        with _app_context(app):
            _mark_failed(job_id, commune_id, "too_deep", {})
        return
    token = _INLINE_DEPTH.set(depth + 1)
    try:
        run_job(job_id, commune_id, app=app)
    finally:
        _INLINE_DEPTH.reset(token)


# --- running ---------------------------------------------------------------------------


@dataclass
class _Running:
    job_id: str
    commune_id: int
    interval: float
    last_write: datetime | None = None
    pending: tuple[int, int] | None = None


_CURRENT: ContextVar[_Running | None] = ContextVar("convergence_current_job", default=None)
#: the app a worker process runs jobs with (set by federation.jobs.worker)
_WORKER_APP: dict[str, Any] = {}
#: (engine, process) pairs whose pool a forked worker child has already let go of
_FORK_DISPOSED: set[tuple[int, int]] = set()


def set_worker_app(app: Flask) -> None:
    """The app a worker runs its jobs with, built once in the worker's main process."""
    _WORKER_APP["app"] = app
    _WORKER_APP["pid"] = os.getpid()


def job_timeout(app: Flask) -> int:
    return int(app.config.get("JOBS_TIMEOUT") or DEFAULT_TIMEOUT)


def stale_after(app: Flask) -> timedelta:
    configured = app.config.get("JOBS_STALE_AFTER")
    seconds = float(configured) if configured else job_timeout(app) + STALE_MARGIN
    return timedelta(seconds=seconds)


def _the_app(app: Flask | None) -> Flask:
    if app is not None:
        return app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if "app" not in _WORKER_APP:
        from federation.app import create_app

        _WORKER_APP["app"] = create_app()
    return _WORKER_APP["app"]


@contextmanager
def _app_context(app: Flask) -> Iterator[None]:
    """A fresh app context: its own ``g`` and its own database session."""
    with app.app_context():
        parent, pid = _WORKER_APP.get("pid"), os.getpid()
        if parent is not None and parent != pid and (id(db.engine), pid) not in _FORK_DISPOSED:
            # a child forked by the worker: the pooled connections are the parent's (two
            # processes on one socket corrupt both): start with new ones, leave theirs open
            db.engine.dispose(close=False)
            _FORK_DISPOSED.add((id(db.engine), pid))
        yield


def run_job(job_id: str, commune_id: int | None, app: Flask | None = None) -> None:
    """Run a queued job (RQ calls this; inline dispatch too). Never raises for the job's
    own failure: the row says what happened."""
    if not commune_id:
        raise ValueError(f"job {job_id!r} carries no commune: refused")
    with _app_context(_the_app(app)):
        _run(job_id, int(commune_id))


def _claim(job_id: str, commune_id: int) -> tuple[str, dict[str, Any], str] | None:
    """Move the job from queued to running (once, whoever else tries); its function,
    parameters and kind, or None if it is not to be run here."""
    with commune_scope(commune_id):
        job = db.session.get(BackgroundJob, job_id)
        if job is None:
            log.error("job %s not found in commune %s: refused", job_id, commune_id)
            return None
        if job.state != "queued":
            log.warning("job %s is %s, not queued: not run again", job_id, job.state)
            return None
        found = (job.function, dict(job.params or {}), job.kind)
        now = utcnow()
        claimed = db.session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id, BackgroundJob.state == "queued")
            .values(state="running", started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            log.warning("job %s was claimed by another worker", job_id)
            return None
        return found


def _run(job_id: str, commune_id: int) -> None:
    from federation.tenancy.models import Commune

    claimed = _claim(job_id, commune_id)
    if claimed is None:
        return
    function_path, params, kind = claimed
    interval = float(
        current_app.config.get("JOBS_PROGRESS_INTERVAL", DEFAULT_PROGRESS_INTERVAL) or 0
    )
    running = _Running(job_id, commune_id, interval)
    token = _CURRENT.set(running)
    try:
        with commune_scope(commune_id):
            g.commune = db.session.get(Commune, commune_id)
            try:
                function = resolve(function_path)
            except ValueError as exc:
                log.error("job %s refused: %s", job_id, exc)
                raise JobFailed("refused") from None
            result = function(**params)
            try:
                json.dumps(result)
            except (TypeError, ValueError):
                raise JobFailed("result_not_json") from None
            values: dict[str, Any] = {
                "state": "finished",
                "result": result,
                "finished_at": utcnow(),
                "heartbeat_at": utcnow(),
            }
            if running.pending is not None:
                values["done"], values["total"] = running.pending
            # the result and the job's own work are committed together
            db.session.execute(
                update(BackgroundJob)
                .where(BackgroundJob.id == job_id, BackgroundJob.state == "running")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        log.info("job %s (%s) of commune %s finished", job_id, kind, commune_id)
        _count(kind, None)
    except JobFailed as exc:
        db.session.rollback()
        log.warning("job %s (%s) of commune %s failed: %s", job_id, kind, commune_id, exc.kind)
        _mark_failed(job_id, commune_id, exc.kind, exc.params, running.pending)
        _count(kind, exc.kind)
    except BaseException as exc:
        db.session.rollback()
        error = _error_kind(exc)
        log.exception("job %s (%s) of commune %s failed (%s)", job_id, kind, commune_id, error)
        _mark_failed(job_id, commune_id, error, {}, running.pending)
        _count(kind, error)
        if not isinstance(exc, Exception):
            raise  # the process is being stopped: let it stop
    finally:
        _CURRENT.reset(token)


def _count(kind: str, error: str | None) -> None:
    """The job's end in the Prometheus metrics (when prometheus_client is installed)."""
    try:
        from federation.ops.metrics import job_ended
    except ImportError:
        return
    try:
        job_ended(kind, error)
    except Exception:  # metrics never fail a job
        log.exception("job metrics not recorded")


def _error_kind(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "JobTimeoutException":
        return "timeout"
    if not isinstance(exc, Exception):
        return "interrupted"
    return "internal"


def _mark_failed(
    job_id: str,
    commune_id: int,
    error_kind: str,
    params: dict[str, Any],
    progress: tuple[int, int] | None = None,
) -> None:
    """Record the failure in a transaction of its own (the job's was rolled back)."""
    values: dict[str, Any] = {
        "state": "failed",
        "error_kind": error_kind,
        "result": {"error_params": params} if params else None,
        "finished_at": utcnow(),
    }
    if progress is not None:
        values["done"], values["total"] = progress
    try:
        with commune_scope(commune_id):
            db.session.execute(
                update(BackgroundJob)
                .where(BackgroundJob.id == job_id, BackgroundJob.state.in_(ACTIVE))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("job %s: its failure could not be recorded", job_id)


# --- progress --------------------------------------------------------------------------


def current_job_id() -> str | None:
    running = _CURRENT.get()
    return running.job_id if running else None


def report_progress(done: int, total: int) -> bool:
    """Inside a running job: ``done`` of ``total`` steps. Committed in a short transaction
    of its own (at most every ``JOBS_PROGRESS_INTERVAL`` seconds, and always when
    ``done == total``). Outside a job it does nothing. Returns whether it was written."""
    for name, value in (("done", done), ("total", total)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"report_progress: {name} must be a whole number ≥ 0, got {value!r}")
    if done > total:
        raise ValueError(f"report_progress: done ({done}) exceeds total ({total})")
    running = _CURRENT.get()
    if running is None:
        return False
    running.pending = (done, total)
    now = utcnow()
    recent = running.last_write is not None and (
        (now - running.last_write).total_seconds() < running.interval
    )
    if (recent and done < total) or _sqlite_write_lock_held():
        return False  # written later (next report, or with the job's end)
    _write_progress(running, done, total, now)
    return True


def _sqlite_write_lock_held() -> bool:
    """SQLite has one writer: while the job's own transaction has written, another
    connection could not write before it commits (it would wait for ever on the job)."""
    main = db.session()
    if not main.in_transaction() or main.get_bind().dialect.name != "sqlite":
        return False
    # the pooled connection passes attributes through to sqlite3's: only a write opens
    # sqlite3's transaction (reads do not)
    return bool(getattr(main.connection().connection, "in_transaction", False))


def _write_progress(running: _Running, done: int, total: int, now: datetime) -> None:
    side = db.session.session_factory()  # its own connection and transaction
    try:
        side.set_scope(scoping.commune(running.commune_id))
        side.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == running.job_id, BackgroundJob.state == "running")
            .values(done=done, total=total, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        side.commit()
        running.last_write = now
        running.pending = None
    except Exception:
        side.rollback()
        log.exception("job %s: progress not recorded", running.job_id)
    finally:
        side.close()


# --- reading ---------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite gives naive UTC back
    return moment


def is_valid_id(job_id: object) -> bool:
    try:
        return isinstance(job_id, str) and str(uuid.UUID(job_id)) == job_id
    except ValueError:
        return False


def status_of(job: BackgroundJob, now: datetime | None = None) -> JobStatus:
    state, error_kind, stale = job.state, job.error_kind, False
    heartbeat = _aware(job.heartbeat_at or job.started_at)
    limit = stale_after(current_app._get_current_object())  # type: ignore[attr-defined]
    if state == "running" and heartbeat is not None and (now or utcnow()) - heartbeat > limit:
        state, error_kind, stale = "failed", "stale", True
    result = job.result if job.state == "finished" else None
    error_params = {}
    if job.state == "failed" and isinstance(job.result, dict):
        error_params = dict(job.result.get("error_params") or {})
    return JobStatus(
        id=job.id,
        kind=job.kind,
        state=state,
        done=job.done,
        total=job.total,
        error_kind=error_kind,
        result=result,
        created_at=_aware(job.created_at),  # type: ignore[arg-type]
        started_at=_aware(job.started_at),
        finished_at=_aware(job.finished_at),
        error_params=error_params,
        stale=stale,
        subject=job.subject,
    )


def job_status(job_id: str) -> JobStatus | None:
    """The job in the current commune scope, fresh from the database; None if there is
    no such job in this commune (another commune's job included)."""
    if not is_valid_id(job_id):
        return None
    job = db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .execution_options(populate_existing=True)
    ).first()
    return status_of(job) if job is not None else None


def latest_job(kind: str, subject: str | None = None) -> JobStatus | None:
    """The newest job of ``kind`` (about ``subject``) in the current commune scope."""
    query = select(BackgroundJob).where(BackgroundJob.kind == kind)
    if subject is not None:
        query = query.where(BackgroundJob.subject == subject)
    job = db.session.scalars(
        query.order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()
    return status_of(job) if job is not None else None


def list_jobs(
    *, state: str | None = None, kind: str | None = None, limit: int = 50
) -> list[tuple[BackgroundJob, JobStatus]]:
    """Jobs visible in the current scope, newest first. ``state`` is the reported one: a
    stale running job counts as failed."""
    query = select(BackgroundJob).order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
    if kind:
        query = query.where(BackgroundJob.kind == kind)
    cutoff = utcnow() - stale_after(current_app._get_current_object())  # type: ignore[attr-defined]
    alive = func.coalesce(BackgroundJob.heartbeat_at, BackgroundJob.started_at) >= cutoff
    if state in ("queued", "finished"):
        query = query.where(BackgroundJob.state == state)
    elif state == "running":
        query = query.where(BackgroundJob.state == "running", alive)
    elif state == "failed":
        query = query.where(
            or_(BackgroundJob.state == "failed", and_(BackgroundJob.state == "running", ~alive))
        )
    elif state is not None:
        raise ValueError(f"state {state!r}: one of queued, running, finished, failed")
    return [(job, status_of(job)) for job in db.session.scalars(query.limit(limit))]
