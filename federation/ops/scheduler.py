"""``convergence scheduler``: the periodic jobs, instead of cron lines copied by hand.

The timing is RQ's own cron scheduler (:class:`rq.cron.CronScheduler`, croniter
expressions or intervals), which puts each due task on the ``convergence`` queue, where the
RQ workers (``convergence worker``) run it. Several schedulers may run (one per machine,
for failover): a Redis lock (redis-py's :class:`redis.lock.Lock`, with a time-out renewed at
every tick) lets exactly one of them enqueue; the others wait and take over within
``LOCK_TIMEOUT`` seconds when the active one stops or loses Redis.

Each task runs the very command an operator would run by hand (``convergence governance
close-due`` …), in the worker, in a fresh app context. A command that acts per commune
works in each commune's scope; a task of a plugin (``plugin``) runs only when that plugin is
loaded, and with ``per_commune`` once for each commune where the plugin is on.

Without Redis (development), ``convergence scheduler`` runs the due tasks itself, inline.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

QUEUE = "convergence"
LOCK_KEY = "convergence:scheduler:leader"
#: when each task was last enqueued (by whichever scheduler was active)
LAST_KEY = "convergence:scheduler:last:"
WEEK = 7 * 24 * 3600
#: seconds the lock outlives a silent leader; the leader renews it every tick
LOCK_TIMEOUT = 90
#: seconds between two ticks (the cron scheduler's own sleep is capped by it)
TICK = 15


@dataclass(frozen=True)
class Task:
    """A periodic task: the ``command`` path (``("governance", "close-due")``) and its
    arguments, every ``interval`` seconds or on a ``cron`` expression (UTC)."""

    name: str
    command: tuple[str, ...]
    args: tuple[str, ...] = ()
    interval: int | None = None
    cron: str | None = None
    #: the plugin that provides the command: the task exists only when it is loaded
    plugin: str | None = None
    #: run once per commune where ``plugin`` is on, with ``--commune <slug>``
    per_commune: bool = False
    timeout: int = 1800
    extra: dict[str, Any] = field(default_factory=dict)


#: the platform's periodic tasks (what the cron lines of the README did)
TASKS: tuple[Task, ...] = (
    Task("governance.close_due", ("governance", "close-due"), interval=60),
    Task("intercommunal.close_due", ("intercommunal", "close-due"), interval=300),
    Task("governance.end_mandates", ("governance", "end-mandates"), cron="7 * * * *"),
    Task("journal.checkpoint", ("journal", "checkpoint"), cron="17 * * * *"),
    Task(
        "notifications.digest_daily",
        ("notifications", "digest"),
        args=("--frequency", "daily"),
        cron="0 6 * * *",
    ),
    Task(
        "notifications.digest_weekly",
        ("notifications", "digest"),
        args=("--frequency", "weekly"),
        cron="0 6 * * 1",
    ),
    # water shared in a basin: the ratified rule applied again when the season turned or a
    # drought level expired or began (once for the whole platform, each basin in its scope)
    Task("water.basin_recompute", ("water", "basin-recompute"), cron="20 5 * * *", plugin="water"),
    # housing's campaigns: dwellings move to "awaiting reply" once the sent date is past
    Task(
        "housing.letters_sent",
        ("housing", "letters-sent"),
        cron="30 5 * * *",
        plugin="housing",
        per_commune=True,
    ),
    # actions: events' participants reminded the day before; campaigns' deadlines a week
    Task(
        "actions.remind",
        ("actions", "remind"),
        cron="5 * * * *",
        plugin="actions",
        per_commune=True,
    ),
    Task(
        "actions.deadlines",
        ("actions", "deadlines"),
        cron="40 5 * * *",
        plugin="actions",
        per_commune=True,
    ),
)


class TaskFailed(RuntimeError):
    """A scheduled command exited with an error (its output is in the message)."""


def tasks_for(app: Flask) -> list[Task]:
    """The tasks that apply to this app: a plugin's only when the plugin is loaded, and
    the app's ``SCHEDULE_TASKS`` (a list of names, for tests) when set."""
    loaded = set(app.extensions["convergence"].pm.by_name)
    wanted = app.config.get("SCHEDULE_TASKS")
    found = [t for t in TASKS if t.plugin is None or t.plugin in loaded]
    found += list(app.config.get("SCHEDULE_EXTRA_TASKS") or ())
    if wanted is not None:
        found = [t for t in found if t.name in wanted]
    return found


def task_named(app: Flask, name: str) -> Task:
    for task in tasks_for(app):
        if task.name == name:
            return task
    raise KeyError(f"no scheduled task {name!r} for this platform")


def _command(app: Flask, path: tuple[str, ...]) -> Any:
    from federation.cli import main

    command: Any = None
    for group in (main, app.cli):
        if path[0] in group.commands:
            command = group.commands[path[0]]
            break
    for part in path[1:]:
        command = command.commands.get(part) if command is not None else None
    if command is None:
        raise TaskFailed(f"no command {' '.join(path)}")
    return command


def _invoke(app: Flask, task: Task, args: tuple[str, ...]) -> str:
    """Run the command in this app context; its output, or TaskFailed."""
    command = _command(app, task.command)
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            command.main(args=list(args), prog_name=" ".join(task.command), standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise TaskFailed(
                    f"{' '.join(task.command)} exited {exc.code}: {output.getvalue()}"
                ) from None
    return output.getvalue()


def _communes_with(plugin: str) -> list[str]:
    from sqlalchemy import select

    from federation.db import db
    from federation.plugins.models import PluginActivation
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune

    with unscoped():
        return list(
            db.session.scalars(
                select(Commune.slug)
                .join(PluginActivation, PluginActivation.commune_id == Commune.id)
                .where(PluginActivation.plugin == plugin, PluginActivation.enabled.is_(True))
                .order_by(Commune.slug)
            )
        )


def run_task(name: str, app: Flask | None = None) -> str:
    """The RQ entry point of a scheduled task (also called inline without Redis)."""
    from federation.jobs import services

    app = services._the_app(app)
    with services._app_context(app):
        task = task_named(app, name)
        if not task.per_commune:
            outputs = [_invoke(app, task, task.args)]
        else:
            outputs = [
                _invoke(app, task, (*task.args, "--commune", slug))
                for slug in _communes_with(task.plugin or "")
            ]
    text = "".join(outputs).strip()
    log.info("scheduled task %s done: %s", name, text.replace("\n", " | ")[:500])
    return text


# --- the scheduler ---------------------------------------------------------------------


class Scheduler:
    """One scheduler process. ``tick()`` does one round: become or stay the active one
    (the Redis lock), and if active, enqueue what is due. ``run()`` ticks until stopped."""

    def __init__(self, app: Flask, *, name: str | None = None, lock: Any = None) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        state = app.extensions["convergence"]
        self.redis = state.redis
        self.tasks = tasks_for(app)
        self.lock_timeout = int(app.config.get("SCHEDULER_LOCK_TIMEOUT") or LOCK_TIMEOUT)
        self.active = False
        self.enqueued: list[str] = []
        self.cron = self._cron()
        if lock is not None:
            self.lock = lock
        elif self.redis is not None:
            self.lock = self.redis.lock(
                LOCK_KEY, timeout=self.lock_timeout, blocking=False, thread_local=False
            )
        else:
            self.lock = None

    def _cron(self) -> Any:
        from rq.cron import CronScheduler

        connection = self.redis
        if connection is None:  # inline: the timing only (nothing is put on a queue)
            from redis import Redis

            connection = Redis()  # never used: no Redis command is sent without a queue
        cron = CronScheduler(connection=connection, name=self.name)
        for task in self.tasks:
            cron.register(
                run_task,
                QUEUE,
                args=(task.name,),
                interval=task.interval,
                cron=task.cron,
                job_timeout=task.timeout,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
                name=task.name,
            )
        return cron

    # -- being the active one -----------------------------------------------------------

    def _hold(self) -> bool:
        """Keep or take the lock; False when another scheduler holds it (or Redis is away)."""
        if self.lock is None:
            return True  # no Redis: a single scheduler by construction
        try:
            if self.active:
                self.lock.reacquire()  # renews the time-out; raises if it was lost
                return True
            return bool(self.lock.acquire(blocking=False))
        except Exception as exc:
            if self.active:
                log.warning("scheduler %s is no longer the active one (%s)", self.name, exc)
            else:
                log.debug("scheduler %s: lock not taken (%s)", self.name, exc)
            return False

    def tick(self) -> list[str]:
        """One round; the names of the tasks enqueued (or run inline)."""
        was_active, self.active = self.active, self._hold()
        if self.active and not was_active:
            log.info("scheduler %s is now the active one", self.name)
            self._resume()
        if not self.active:
            return []
        due = [job for job in self.cron.get_jobs() if job.should_run()]
        done: list[str] = []
        if self.redis is None:
            from rq.utils import now

            for job in due:
                try:
                    run_task(job.name, app=self.app)
                except Exception:
                    log.exception("scheduled task %s failed", job.name)
                job.set_enqueue_time(now())
                done.append(job.name)
        else:
            try:
                enqueued = self.cron.enqueue_jobs()
                done = [job.name for job in enqueued]
                if done:
                    self.cron.save()
                    self._remember(enqueued)
                self.cron.heartbeat()
            except Exception as exc:  # Redis away: try again at the next tick
                log.warning("scheduler %s could not enqueue: %s", self.name, exc)
        self.enqueued.extend(done)
        return done

    def _remember(self, jobs: list[Any]) -> None:
        """When each task was last enqueued, for the scheduler that takes over."""
        with self.redis.pipeline() as pipe:
            for job in jobs:
                pipe.set(f"{LAST_KEY}{job.name}", job.latest_enqueue_time.isoformat(), ex=WEEK)
            pipe.execute()

    def _resume(self) -> None:
        """Taking over: the tasks' timing goes on from the previous active scheduler's (an
        interval task it enqueued a minute ago is not enqueued again at once)."""
        if self.redis is None:
            return
        from datetime import datetime

        jobs = self.cron.get_jobs()
        try:
            found = self.redis.mget([f"{LAST_KEY}{job.name}" for job in jobs])
        except Exception as exc:
            log.warning("scheduler %s: previous timing not read (%s)", self.name, exc)
            return
        for job, last in zip(jobs, found, strict=True):
            if last:
                job.set_enqueue_time(datetime.fromisoformat(last.decode()))

    def release(self) -> None:
        if self.lock is not None and self.active:
            with contextlib.suppress(Exception):
                self.lock.release()
        self.active = False

    def sleep_time(self, tick: float) -> float:
        if not self.active:
            return tick
        return max(0.0, min(tick, self.cron.calculate_sleep_interval()))

    def run(
        self,
        *,
        tick: float = TICK,
        ticks: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Tick until stopped (SIGTERM, Ctrl-C), or ``ticks`` times."""
        import signal

        stopping: list[int] = []

        def _stop(signum: int, _frame: Any) -> None:
            stopping.append(signum)

        previous = signal.signal(signal.SIGTERM, _stop)
        if self.redis is not None:
            with contextlib.suppress(Exception):
                self.cron.register_birth()
        log.info("scheduler %s started with %d task(s)", self.name, len(self.tasks))
        count = 0
        try:
            while not stopping and (ticks is None or count < ticks):
                self.tick()
                count += 1
                if ticks is not None and count >= ticks:
                    break
                sleep(self.sleep_time(tick) if self.active else tick)
        except KeyboardInterrupt:
            pass
        finally:
            self.release()
            if self.redis is not None:
                with contextlib.suppress(Exception):
                    self.cron.register_death()
            signal.signal(signal.SIGTERM, previous)
            log.info("scheduler %s stopped", self.name)
