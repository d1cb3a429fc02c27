"""gunicorn's configuration for Convergence: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed through the environment (the systemd unit of the guide sets
them): ``GUNICORN_BIND``, ``GUNICORN_WORKERS``, ``GUNICORN_TIMEOUT``… See the deployment
guide (docs/pages/operations/) for the numbers: each worker keeps its own pool of
``DB_POOL_SIZE`` + ``DB_MAX_OVERFLOW`` database connections.

* sync workers (one request at a time each) behind nginx, which buffers slow clients;
* ``preload_app``: the app is built once in the master and forked (less memory, a broken
  configuration stops the start-up at once). create_app runs no query, and ``post_fork``
  disposes the engine in every worker all the same, so no database connection is ever
  shared across the fork;
* graceful restarts: ``kill -HUP`` (``systemctl reload``) starts new workers with the new
  code and lets the old ones finish their requests (``graceful_timeout``);
  ``max_requests`` (with jitter) recycles workers now and then;
* Prometheus' multiprocess mode: each worker writes its metrics to
  ``PROMETHEUS_MULTIPROC_DIR`` (emptied at start-up), a dead worker's gauges are dropped.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


bind = _env("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(_env("GUNICORN_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 9))))
worker_class = "sync"
timeout = int(_env("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(_env("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 2
max_requests = int(_env("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(_env("GUNICORN_MAX_REQUESTS_JITTER", "200"))
preload_app = _env("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes", "on")
# nginx in front sets X-Forwarded-*; only trust it from there
forwarded_allow_ips = _env("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = _env("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = _env("GUNICORN_LOGLEVEL", "info")
# the request id (set by Convergence, or nginx's $request_id) in the access log
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
# /dev/shm: the heartbeat files of the workers never wait on a slow disk
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's advice for its heartbeat files
worker_tmp_dir = _env("GUNICORN_WORKER_TMP_DIR", _SHM if os.path.isdir(_SHM) else "") or None


def on_starting(server):
    """Prometheus' multiprocess folder, emptied (values of a previous run are not ours)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="convergence-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    else:
        shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def post_fork(server, worker):
    """In the new worker: no database connection inherited from the master."""
    app = getattr(worker, "app", None)
    wsgi = getattr(app, "callable", None) if app is not None else None
    if wsgi is not None and hasattr(wsgi, "extensions"):
        from federation.ops.pool import dispose_after_fork

        dispose_after_fork(wsgi)


def child_exit(server, worker):
    """A worker ended: its live gauges (the pool's) no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
