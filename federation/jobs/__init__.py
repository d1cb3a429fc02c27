"""Background jobs for the core and every plugin (issue 12 item 4).

``enqueue("module.path:function", kind=…, commune_id=…, params={…})`` inside a service
transaction; the job runs after the commit (RQ when ``REDIS_URL`` is set, inline
otherwise). Inside the job, ``report_progress(done, total)``; from a page or the API,
``job_status(job_id)`` or ``latest_job(kind, subject)``. See :mod:`federation.jobs.services`.

In a service (one transaction with its journal entry and event)::

    job_id = enqueue(
        "convergence_budget.tally:tally_process",   # module of the core or a loaded plugin
        kind="budget.tally",                         # data: rendered at read time
        commune_id=process.commune_id,               # required (R8)
        params={"process_id": process.id},           # JSON; the function gets **params
        subject=f"budget.process:{process.id}",      # optional: find it again
    )
    db.session.commit()                              # dispatched now, not before

In the job: ``report_progress(done, total)``; ``raise JobFailed("budget.no_ballots", n=0)``
for a failure the page explains; return a JSON-able result. On a page::

    {% from "jobs/_progress.html" import job_refresh, job_progress %}
    {% block head %}{{ job_refresh(job) }}{% endblock %}
    {{ job_progress(job, refresh_url=request.path) }}

with ``job = describe(latest_job("budget.tally", subject), messages)`` from
:mod:`federation.jobs.labels` (``messages``: the page's text for its own error kinds).
JSON: ``GET /api/v1/communes/<commune>/jobs/<job_id>``. Operators: ``convergence worker``,
``convergence jobs list/show``.
"""

from federation.jobs.services import (
    JobFailed,
    JobStatus,
    current_job_id,
    enqueue,
    job_status,
    latest_job,
    report_progress,
)

__all__ = [
    "JobFailed",
    "JobStatus",
    "current_job_id",
    "enqueue",
    "job_status",
    "latest_job",
    "report_progress",
]
