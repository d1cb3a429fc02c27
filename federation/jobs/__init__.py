"""Background jobs for the core and every plugin (issue 12 item 4).

``enqueue("module.path:function", kind=…, commune_id=…, params={…})`` inside a service
transaction; the job runs after the commit (RQ when ``REDIS_URL`` is set, inline
otherwise). Inside the job, ``report_progress(done, total)``; from a page or the API,
``job_status(job_id)``. See :mod:`federation.jobs.services`.
"""

from federation.jobs.services import (
    JobFailed,
    JobStatus,
    current_job_id,
    enqueue,
    job_status,
    report_progress,
)

__all__ = [
    "JobFailed",
    "JobStatus",
    "current_job_id",
    "enqueue",
    "job_status",
    "report_progress",
]
