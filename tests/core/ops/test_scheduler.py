"""The periodic tasks (issue 17 item 1): RQ's cron scheduler behind a Redis lock, so that of
several schedulers exactly one enqueues; a task runs the operator's own command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from federation.ops.scheduler import TASKS, Scheduler, Task, run_task, tasks_for
from federation.testing.redis import redis_or_skip

#: this file's Redis database (each test file keeps its own)
REDIS_DB = 9


class NoLock:
    """The planted twin: a scheduler that does not ask whether another one is active."""

    def acquire(self, blocking: bool = False) -> bool:
        return True

    def reacquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_the_platform_tasks_are_the_operators_commands(app):
    names = {t.name for t in tasks_for(app)}
    assert {
        "governance.close_due",
        "intercommunal.close_due",
        "governance.end_mandates",
        "notifications.digest_daily",
        "notifications.digest_weekly",
    } <= names
    for task in TASKS:
        assert (task.interval is None) != (task.cron is None), task.name


def test_a_task_runs_its_command_inline(app):
    output = run_task("governance.close_due", app=app)
    assert "vote(s) closed" in output


def test_a_failing_command_is_a_failed_task(app):
    from federation.ops.scheduler import TaskFailed

    app.config["SCHEDULE_EXTRA_TASKS"] = [
        Task("test.unknown_commune", ("commune", "show"), args=("no-such-commune",), interval=60)
    ]
    try:
        with pytest.raises(TaskFailed):
            run_task("test.unknown_commune", app=app)
    finally:
        app.config.pop("SCHEDULE_EXTRA_TASKS")


def test_without_redis_the_scheduler_runs_due_tasks_itself(make_app):
    inline = make_app(SCHEDULE_TASKS=["governance.close_due"])
    scheduler = Scheduler(inline)
    assert scheduler.tick() == ["governance.close_due"]
    assert scheduler.tick() == []  # not due again before its interval


def _two(make_app, lock_b=None):
    url = redis_or_skip(REDIS_DB)
    app = make_app(redis_url=url, JOBS_INLINE=False, SCHEDULER_LOCK_TIMEOUT=5)
    app.extensions["convergence"].queue.empty()
    return app, Scheduler(app, name="a"), Scheduler(app, name="b", lock=lock_b)


def _enqueued_runs(app) -> list[str]:
    queue = app.extensions["convergence"].queue
    return sorted(job.args[0] for job in queue.get_jobs() if job.func_name.endswith("run_task"))


def _alternate(a: Scheduler, b: Scheduler, rounds: int) -> None:
    for _ in range(rounds):
        a.tick()
        b.tick()


def once_each(app, a: Scheduler, b: Scheduler) -> None:
    """The check: of two schedulers ticking in turn, one is active and each task is on the
    queue once (the interval tasks are all due at the first tick)."""
    _alternate(a, b, 3)
    assert [a.active, b.active].count(True) == 1
    interval_tasks = sorted(t.name for t in a.tasks if t.interval)
    assert _enqueued_runs(app) == interval_tasks
    assert not (a.enqueued and b.enqueued)


@pytest.mark.redis
def test_two_schedulers_enqueue_each_task_once(make_app):
    app, a, b = _two(make_app)
    once_each(app, a, b)
    a.release()
    b.release()


@pytest.mark.redis
def test_planted_twin_without_the_lock_enqueues_twice(make_app):
    app, a, b = _two(make_app, lock_b=NoLock())
    with pytest.raises(AssertionError):
        once_each(app, a, b)
    a.release()


@pytest.mark.redis
def test_planted_twin_a_takeover_forgetting_the_timing_enqueues_again(make_app, monkeypatch):
    app, a, b = _two(make_app)
    monkeypatch.setattr(b, "_resume", lambda: None)
    a.tick()
    b.tick()
    a.release()
    assert b.tick() != []  # without the previous timing, every interval task again
    b.release()


@pytest.mark.redis
def test_the_other_scheduler_takes_over_when_the_active_one_stops(make_app):
    app, a, b = _two(make_app)
    a.tick()
    b.tick()
    assert a.active and not b.active
    a.release()  # stopped (SIGTERM): the lock is given back at once
    assert b.tick() == []  # takes over; what a enqueued is not due again
    assert b.active
    b.release()


_CHILD = textwrap.dedent(
    """
    import json, sys
    from federation.app import create_app
    from federation.ops.scheduler import Scheduler
    settings = json.loads(sys.argv[1])
    app = create_app("test", **settings)
    scheduler = Scheduler(app)
    print("READY", flush=True)
    sys.stdin.readline()  # both processes start ticking together
    scheduler.run(tick=0.1, ticks=10)
    print("ENQUEUED " + json.dumps(scheduler.enqueued), flush=True)
    """
)


@pytest.mark.redis
def test_two_scheduler_processes_enqueue_each_task_once(make_app, app_settings):
    url = redis_or_skip(REDIS_DB)
    app = make_app(redis_url=url, JOBS_INLINE=False)
    settings = {
        k: v for k, v in app_settings.items() if v is not None and isinstance(v, str | bool)
    }
    settings.update(redis_url=url, JOBS_INLINE=False)
    env = dict(os.environ)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, json.dumps(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    for child in children:  # rq's cron logger may print first
        while (line := child.stdout.readline()) and line.strip() != "READY":
            pass
        assert line.strip() == "READY"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        line = next(x for x in out.splitlines() if x.startswith("ENQUEUED "))
        results.append(json.loads(line.split(" ", 1)[1]))
    assert [bool(r) for r in results].count(True) == 1, results
    interval_tasks = sorted(t.name for t in tasks_for(app) if t.interval)
    assert _enqueued_runs(app) == interval_tasks
