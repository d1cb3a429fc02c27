"""The RQ worker that runs the jobs of the ``convergence`` queue (``convergence worker``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from federation.jobs import services

log = logging.getLogger(__name__)


class WorkerUnavailable(RuntimeError):
    """No queue to work on: the message says why and what to do."""


def _horse_killed(app: Flask) -> Any:
    """When the process running a job is killed (out of memory, a signal), its row says
    so at once instead of waiting to be reported stale."""

    def handler(job: Any, _retpid: int, _ret_val: int, _rusage: Any) -> None:
        if job.func_name != f"{services.__name__}.run_job" or len(job.args) < 2:
            return
        job_id, commune_id = job.args[0], job.args[1]
        if not commune_id:
            return
        with services._app_context(app):
            services._mark_failed(job_id, int(commune_id), "interrupted", {})

    return handler


def build_worker(app: Flask, *, simple: bool = False) -> Any:
    """An RQ worker on the app's queue; jobs run with ``app`` (built once, not per job).

    ``simple``: run jobs in this process (rq's SimpleWorker), as the tests do; the default
    worker forks a process per job, which gets fresh database connections.
    """
    state = app.extensions["convergence"]
    if state.queue is None:
        if not app.config.get("REDIS_URL"):
            raise WorkerUnavailable(
                "REDIS_URL is not set: background jobs run inline, in the process that "
                "starts them, and no worker is needed. Set REDIS_URL (e.g. "
                "redis://127.0.0.1:6379/0) to run them in workers."
            )
        raise WorkerUnavailable(
            "JOBS_INLINE is set: background jobs run inline and no worker is needed."
        )
    from rq import SimpleWorker, Worker

    services.set_worker_app(app)
    if simple:
        return SimpleWorker([state.queue], connection=state.redis)
    return Worker(
        [state.queue], connection=state.redis, work_horse_killed_handler=_horse_killed(app)
    )


def work(app: Flask, *, burst: bool = False, simple: bool = False) -> bool:
    """Run the worker until stopped (or, with ``burst``, until the queue is empty)."""
    worker = build_worker(app, simple=simple)
    return bool(worker.work(burst=burst, logging_level="INFO"))
