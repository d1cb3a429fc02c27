"""Prometheus metrics through prometheus_client.

Under gunicorn every worker is a process of its own: with ``PROMETHEUS_MULTIPROC_DIR`` set
(gunicorn.conf.py sets it), each process writes its values to files there and ``/metrics``
adds them up (prometheus_client's multiprocess mode), whichever worker answers the scrape.
The RQ workers write to the same folder when they share the variable (the systemd units of
the guide do), so job failures are counted there too.

* ``convergence_http_requests_total{method,endpoint,status}`` and
  ``convergence_http_request_duration_seconds{endpoint}``: by Flask endpoint (bounded: an
  unknown URL counts as ``none``), never by raw path;
* ``convergence_jobs_total{kind,outcome}`` (finished, failed) and
  ``convergence_job_failures_total{kind,error}``;
* ``convergence_queue_depth{queue}``: jobs waiting in Redis, read at scrape time;
* ``convergence_db_pool_connections{state}``: the pool of each live process (summed).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "convergence_http_requests",
    "HTTP requests answered, by Flask endpoint and status.",
    ["method", "endpoint", "status"],
)
LATENCY = Histogram(
    "convergence_http_request_duration_seconds",
    "Time to answer a request, by Flask endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOBS = Counter(
    "convergence_jobs", "Background jobs that ended, by kind and outcome.", ["kind", "outcome"]
)
JOB_FAILURES = Counter(
    "convergence_job_failures", "Background jobs that failed, by kind and error.", ["kind", "error"]
)
POOL = Gauge(
    "convergence_db_pool_connections",
    "Database connections of the processes' pools (checked out: in use).",
    ["state"],
    multiprocess_mode="livesum",
)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, endpoint=endpoint, status=str(status)).inc()
    LATENCY.labels(endpoint=endpoint).observe(seconds)


def job_ended(kind: str, error: str | None) -> None:
    """Called by federation.jobs when a job finishes or fails."""
    JOBS.labels(kind=kind, outcome="failed" if error else "finished").inc()
    if error:
        JOB_FAILURES.labels(kind=kind, error=error).inc()


def observe_pool(status: dict[str, int]) -> None:
    for state in ("checkedout", "checkedin", "overflow"):
        if state in status:
            POOL.labels(state=state).set(max(status[state], 0))


class QueueDepth:
    """Jobs waiting in the app's RQ queue, read when Prometheus scrapes (one ``LLEN``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def collect(self) -> Any:
        family = GaugeMetricFamily(
            "convergence_queue_depth", "Jobs waiting in the Redis queue.", labels=["queue"]
        )
        queue = self.app.extensions["convergence"].queue
        if queue is not None:
            # Redis away: no figure rather than a failed scrape
            with contextlib.suppress(Exception):
                family.add_metric([queue.name], float(queue.count))
        yield family


def exposition(app: Any) -> tuple[bytes, str]:
    """The text Prometheus scrapes: this process's values, or every process's (multiprocess
    mode), and the queue's depth."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(QueueDepth(app))
    return body + generate_latest(extra), CONTENT_TYPE_LATEST
