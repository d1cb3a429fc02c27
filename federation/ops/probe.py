"""Probe jobs: do the workers run each job once, in its commune's scope?

``convergence ops probe-jobs --count 30 --commune SLUG`` enqueues probe jobs (real
background jobs, with their rows), waits for them, and reports how many times each ran
(a Redis counter per job, bumped by the job itself), in which processes, and in which
scope. .ci/multiworker uses it with several RQ workers.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import current_app, g

PROBE_KEY = "convergence:probe:"


def probe(token: str) -> dict[str, Any]:
    """The job: counts its own run in Redis and says where it ran."""
    from federation.db import db
    from federation.jobs import current_job_id

    redis = current_app.extensions["convergence"].redis
    job_id = current_job_id()
    if redis is not None:
        redis.incr(f"{PROBE_KEY}{token}:{job_id}")
        redis.expire(f"{PROBE_KEY}{token}:{job_id}", 3600)
    scope = db.session().scope  # type: ignore[attr-defined]
    return {
        "pid": os.getpid(),
        "worker": os.getppid(),  # the RQ worker that forked the job's process
        "commune": g.commune.id if g.get("commune") is not None else None,
        "scope": sorted(scope.commune_ids) if scope is not None else None,
    }


def run_probe(commune_id: int, count: int, wait: float = 60.0) -> dict[str, Any]:
    """Enqueue ``count`` probe jobs for the commune; wait; what happened to each."""
    import uuid

    from federation.db import db
    from federation.jobs import enqueue, job_status
    from federation.tenancy.context import commune_scope

    token = uuid.uuid4().hex[:12]
    with commune_scope(commune_id):
        ids = [
            enqueue(
                "federation.ops.probe:probe",
                kind="ops.probe",
                commune_id=commune_id,
                params={"token": token},
            )
            for _ in range(count)
        ]
        db.session.commit()
    deadline = time.monotonic() + wait
    statuses: dict[str, Any] = {}
    while time.monotonic() < deadline:
        with commune_scope(commune_id):
            statuses = {job_id: job_status(job_id) for job_id in ids}
            db.session.rollback()
        if all(s is not None and not s.active for s in statuses.values()):
            break
        time.sleep(0.2)
    redis = current_app.extensions["convergence"].redis
    runs = {
        job_id: int(redis.get(f"{PROBE_KEY}{token}:{job_id}") or 0) if redis is not None else 1
        for job_id in ids
    }
    finished = [s for s in statuses.values() if s is not None and s.state == "finished"]
    return {
        "jobs": count,
        "finished": len(finished),
        "runs": sum(runs.values()),
        "ran_more_than_once": sorted(j for j, n in runs.items() if n > 1),
        "never_ran": sorted(j for j, n in runs.items() if n == 0),
        "processes": sorted({s.result["pid"] for s in finished}),
        "workers": sorted({s.result.get("worker") for s in finished}),
        "wrong_scope": sorted(
            s.id
            for s in finished
            if s.result["commune"] != commune_id or s.result["scope"] != [commune_id]
        ),
    }
