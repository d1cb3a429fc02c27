"""``convergence scheduler``, ``convergence ops check-restore``, ``convergence ops task``."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("scheduler")
@click.option(
    "--tick",
    type=click.FloatRange(0.05, 3600),
    default=15.0,
    show_default=True,
    help="Seconds between two rounds.",
)
@click.option("--ticks", type=click.IntRange(1), help="Stop after this many rounds (tests).")
@click.option("--list", "listing", is_flag=True, help="Print the periodic tasks and stop.")
@with_appcontext
def scheduler_command(tick: float, ticks: int | None, listing: bool) -> None:
    """Put the periodic tasks on the job queue when due (one scheduler active at a time)."""
    from federation.ops.scheduler import Scheduler, tasks_for

    app = current_app._get_current_object()
    if listing:
        for task in tasks_for(app):
            when = f"every {task.interval} s" if task.interval else f"cron '{task.cron}'"
            scope = f"  (each commune with {task.plugin} on)" if task.per_commune else ""
            command = " ".join(task.command + task.args)
            click.echo(f"{task.name}\t{when}\tconvergence {command}{scope}")
        return
    scheduler = Scheduler(app)
    if scheduler.redis is None:
        click.echo("REDIS_URL is not set: the due tasks run here, inline.", err=True)
    scheduler.run(tick=tick, ticks=ticks)
    click.echo(
        f"scheduler {scheduler.name}: {len(scheduler.enqueued)} task(s) "
        f"{'run' if scheduler.redis is None else 'enqueued'}: {', '.join(scheduler.enqueued)}"
    )


@click.group("ops")
def ops_group() -> None:
    """Operations: restore drill, periodic tasks by hand, probe jobs."""


@ops_group.command("check-restore")
@click.option("--database-url", help="The restored copy (default: the instance's database).")
@with_appcontext
def check_restore_command(database_url: str | None) -> None:
    """Check a restored database: migrations at head, journal chains verify; row counts."""
    from federation.ops.restore import check_restore

    app = current_app._get_current_object()
    if database_url:
        from federation.app import create_app

        app = create_app(
            app.extensions["convergence"].instance,
            database_url=database_url,
            migration_database_url=database_url,
        )
    report = check_restore(app)
    click.echo(
        "migrations: at head"
        if report.migrations_at_head
        else f"migrations: BEHIND, missing {', '.join(report.missing_heads)}"
    )
    click.echo(f"journal: {report.chains} chain(s), {len(report.broken)} broken")
    for line in report.broken:
        click.echo(f"  BROKEN {line}")
    for table, count in report.counts.items():
        click.echo(f"rows: {table} {count}")
    if not report.ok:
        click.echo("Restore check FAILED.", err=True)
        sys.exit(1)
    click.echo("Restore check passed.")


@ops_group.command("task")
@click.argument("name")
@with_appcontext
def run_task_command(name: str) -> None:
    """Run one periodic task now, here (see 'convergence scheduler --list')."""
    from federation.ops.scheduler import TaskFailed, run_task

    try:
        output = run_task(name, app=current_app._get_current_object())
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except TaskFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(output)


@ops_group.command("probe-jobs")
@click.option("--commune", "slug", required=True, help="The commune the jobs belong to.")
@click.option("--count", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--wait", type=click.FloatRange(1, 3600), default=60, show_default=True)
@with_appcontext
def probe_jobs_command(slug: str, count: int, wait: float) -> None:
    """Enqueue probe jobs and report (JSON) how often each ran, where, in which scope."""
    import json

    from federation.errors import ServiceError
    from federation.ops.probe import run_probe
    from federation.tenancy.services import get_commune

    try:
        commune = get_commune(slug)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from None
    report = run_probe(commune.id, count, wait)
    click.echo(json.dumps(report, sort_keys=True))
    if report["ran_more_than_once"] or report["never_ran"] or report["wrong_scope"]:
        sys.exit(1)


def add_to(group: click.Group) -> None:
    group.add_command(scheduler_command)
    group.add_command(ops_group)
