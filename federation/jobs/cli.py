"""``convergence worker`` and ``convergence jobs list/show``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

STATES = ("queued", "running", "finished", "failed")


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no fork per job).")
@with_appcontext
def worker_command(burst: bool, simple: bool) -> None:
    """Run background jobs from the Redis queue (needs REDIS_URL)."""
    from federation.jobs.worker import WorkerUnavailable, work

    try:
        work(current_app._get_current_object(), burst=burst, simple=simple)
    except WorkerUnavailable as exc:
        raise click.ClickException(str(exc)) from None


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("list")
@click.option("--commune", "slug", help="Only this commune's jobs (default: every commune).")
@click.option("--state", type=click.Choice(STATES), help="As reported: a stale job is failed.")
@click.option("--kind", help="Only jobs of this kind (budget.tally…).")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@with_appcontext
def jobs_list(slug: str | None, state: str | None, kind: str | None, limit: int) -> None:
    """The newest jobs, one a line: id, commune, kind, state, progress, created."""
    from federation.jobs.services import list_jobs

    with _scope(slug):
        rows = list_jobs(state=state, kind=kind, limit=limit)
        for job, status in rows:
            progress = f"{status.done}/{status.total}" if status.total else "-"
            error = f" ({status.error_kind})" if status.error_kind else ""
            click.echo(
                f"{status.id}  commune={job.commune_id}  {status.kind}  "
                f"{status.state}{error}  {progress}  {_when(status.created_at)}"
            )
    if not rows:
        click.echo("No jobs.")


@jobs_group.command("show")
@click.argument("job_id")
@with_appcontext
def jobs_show(job_id: str) -> None:
    """Everything about one job (its parameters and result included)."""
    from sqlalchemy import select

    from federation.db import db
    from federation.jobs.models import BackgroundJob
    from federation.jobs.services import is_valid_id, status_of
    from federation.tenancy.context import unscoped

    if not is_valid_id(job_id):
        raise click.ClickException(f"job id {job_id!r} is not a job id (a UUID)")
    with unscoped():
        job = db.session.scalars(select(BackgroundJob).where(BackgroundJob.id == job_id)).first()
        if job is None:
            raise click.ClickException(f"no job {job_id}")
        status = status_of(job)
        lines = {
            "id": status.id,
            "commune": job.commune_id,
            "kind": status.kind,
            "subject": job.subject or "-",
            "function": job.function,
            "params": json.dumps(job.params, ensure_ascii=False, sort_keys=True),
            "state": status.state + (" (stale: its worker stopped)" if status.stale else ""),
            "progress": f"{status.done}/{status.total}",
            "error": status.error_kind or "-",
            "created": _when(status.created_at),
            "started": _when(status.started_at),
            "finished": _when(status.finished_at),
            "requested by": job.requested_by_id or "-",
            "result": json.dumps(job.result, ensure_ascii=False, sort_keys=True),
        }
    for key, value in lines.items():
        click.echo(f"{key + ':':<14}{value}")


def _scope(slug: str | None):
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import get_commune

    if slug is None:
        return unscoped()
    from federation.errors import ServiceError

    try:
        commune = get_commune(slug)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from None
    return commune_scope(commune.id)


def add_to(group: click.Group) -> None:
    """Mount ``worker`` and ``jobs`` on the ``convergence`` command."""
    group.add_command(worker_command)
    group.add_command(jobs_group)
