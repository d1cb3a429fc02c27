"""The page bench: our throughput ÷ the bare app's (the limit), per page and visitor.

For each database (SQLite, then PostgreSQL when reachable):
1. fresh state (migrations + the whole demo, see :mod:`pages.state`), both databases built
   at once in child processes;
2. our app under gunicorn (2 sync workers, ``wsgi:app``); a demo inhabitant signs in
   through the real login form; an API token is made for her (identity service);
3. every page captured in-process (statements + response), see :mod:`pages.capture`:
   after one warm-up request of every page, each page is rendered with the Redis db
   emptied (its caches cold: the statements the bare app replays) and requested again
   (caches warm: the steady count);
4. the bare app under gunicorn (2 sync workers) from that capture; checked to replay the
   same statements and to return the same HTML as ours (:mod:`pages.verify`);
5. interleaved rounds (ours/bare, then bare/ours…) of the same load generator on both,
   per page and visitor; median of per-round ratios with min–max; worker RSS at the end.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from pages import servers, state
from pages.capture import CaptureSet, capture_page
from pages.load import MIN_REQUESTS, fetch, generator_name, run_load
from pages.login import http_requester, login
from pages.report import Cell, report
from pages.verify import verify_capture, verify_pages, verify_replay

COMMUNE = "faux-la-montagne"
FEDERATION = "plateau-millevaches"
SIGNED_IN = "habitante@demo.convergence.local"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str  # may hold {proposal}
    api: bool = False


PAGES = [
    Page("portal", "portal /", "/"),
    Page("commune", "commune home", f"/c/{COMMUNE}/"),
    Page("proposal", "proposal page", f"/c/{COMMUNE}/proposals/{{proposal}}"),
    Page("federation", "federation home", f"/f/{FEDERATION}/"),
    Page("api", "API proposals list", f"/api/v1/communes/{COMMUNE}/proposals", api=True),
]
VARIANTS = ("anon", "signed")


@dataclass
class Options:
    seconds: float
    rounds: int
    connections: int
    databases: list[str]
    keep: bool
    state: Path | None = None


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_PAGES_SECONDS", "1.0")),
        help="seconds of load per side, page and round (env BENCH_PAGES_SECONDS; default 1)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_PAGES_ROUNDS", "3")),
        help="interleaved rounds (env BENCH_PAGES_ROUNDS; default 3)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=int(os.environ.get("BENCH_PAGES_CONNECTIONS", "4")),
        help="concurrent connections of the load generator (default 4)",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("BENCH_PAGES_DB", "sqlite,postgresql"),
        help="databases, comma-separated: sqlite, postgresql (env BENCH_PAGES_DB)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        help="development only: reuse the folder of a --keep run instead of a fresh state",
    )
    args = parser.parse_args(argv)
    return Options(
        args.seconds, args.rounds, args.connections, args.db.split(","), args.keep, args.state
    )


# --- state --------------------------------------------------------------------------------


def instances(workdir: Path, options: Options) -> tuple[list[state.Instance], list[str]]:
    redis_url = os.environ.get("BENCH_PAGES_REDIS", state.DEFAULT_REDIS)
    if not state.redis_reachable(redis_url):
        redis_url = None
    notes = [
        f"Redis {redis_url} (db emptied before each capture and each database's rounds): "
        "env = production"
        if redis_url
        else "Redis unreachable: env = development, no Redis (not as production)"
    ]
    found = []
    if "sqlite" in options.databases:
        folder = workdir / "sqlite"
        found.append(
            state.Instance(
                "sqlite", folder, f"sqlite:///{folder / 'bench.sqlite'}", None, redis_url
            )
        )
    if "postgresql" in options.databases:
        owner = os.environ.get("BENCH_PAGES_PG", state.DEFAULT_PG)
        reason = state.postgres_reachable(owner)
        if reason:
            shown = make_url(owner).render_as_string(hide_password=True)
            notes.append(f"PostgreSQL: SKIPPED, unreachable at {shown}: {reason}")
        elif options.state:
            app_url = state.app_url(owner)
            found.append(
                state.Instance("postgresql", workdir / "postgresql", app_url, owner, redis_url)
            )
        else:
            app_url = state.prepare_postgres(owner)
            found.append(
                state.Instance("postgresql", workdir / "postgresql", app_url, owner, redis_url)
            )
    for instance in found:
        state.write_config(instance)
    return found, notes


def build_all(found: list[state.Instance]) -> float:
    start = time.perf_counter()
    running = [(instance, state.start_build(instance)) for instance in found]
    for instance, process in running:
        state.finish_build(instance, process)
    return time.perf_counter() - start


# --- capture ------------------------------------------------------------------------------


def _use_instance(instance: state.Instance) -> None:
    """This process builds the capture app of ``instance`` (same settings as gunicorn's)."""
    for name in list(os.environ):
        if name not in instance.env:
            del os.environ[name]
    os.environ.update(instance.env)


def _flusher(redis_url: str | None):
    if not redis_url:
        return None
    from redis import Redis

    client = Redis.from_url(redis_url)
    return client.flushdb


def capture_all(
    instance: state.Instance, ours: servers.Gunicorn
) -> tuple[CaptureSet, dict[str, list[str]]]:
    """The capture of every page, and what differs when our app is asked again."""
    _use_instance(instance)
    from sqlalchemy import select

    from federation import create_app
    from federation.db import db
    from federation.governance.models import Proposal
    from federation.identity import services as identity
    from federation.identity.models import User
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune

    app = create_app(instance.folder.name)
    with app.app_context(), unscoped():
        commune_id = db.session.scalar(select(Commune.id).where(Commune.slug == COMMUNE))
        proposal = db.session.scalar(
            select(Proposal.id).where(Proposal.commune_id == commune_id).order_by(Proposal.id)
        )
        user = db.session.scalar(select(User).where(User.email == SIGNED_IN))
        _token, secret = identity.create_token(user, "pagebench")
        db.session.commit()
        engine = db.engine
    paths = {page.key: page.path.format(proposal=proposal) for page in PAGES}
    html = [paths[p.key] for p in PAGES if not p.api]
    cookie = login(http_requester(HOST, ours.port), SIGNED_IN, html)
    headers = {
        "anon": {},
        "signed": cookie,
        "api-signed": {"Authorization": f"Bearer {secret}"},
    }
    flush = _flusher(instance.redis_url)
    specs = []
    for page in PAGES:
        for variant in VARIANTS:
            kind = "api-signed" if page.api and variant == "signed" else variant
            specs.append((f"{page.key}-{variant}", paths[page.key], headers[kind], variant))
    client = app.test_client(use_cookies=False)
    for _key, path, sent, _variant in specs:  # process-level warm-up (imports, caches)
        client.get(path, headers=sent)
    captures = [
        capture_page(app, engine, key, path, sent, signed=variant == "signed", before_render=flush)
        for key, path, sent, variant in specs
    ]
    problems = {c.key: verify_capture(app, engine, c, before_render=flush) for c in captures}
    if flush:
        flush()
    captured = CaptureSet(
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        engine_options=dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"]),
        secret_key=app.config["SECRET_KEY"],
        session_cookie_name=app.config["SESSION_COOKIE_NAME"],
        captures=captures,
    )
    with app.app_context():
        db.engine.dispose()
    return captured, problems


# --- measure ------------------------------------------------------------------------------


def _fetcher(server: servers.Gunicorn):
    return lambda capture: fetch(HOST, server.port, capture.path, capture.headers)


def measure(cells: list[Cell], ours: servers.Gunicorn, bare: servers.Gunicorn, options: Options):
    def one(server: servers.Gunicorn, cell: Cell, seconds: float, least: int = MIN_REQUESTS):
        c = cell.capture
        return run_load(HOST, server.port, c.path, c.headers, seconds, options.connections, least)

    for cell in cells:  # warm-up: every worker has served every page
        one(ours, cell, 0.2, 2 * servers.WORKERS)
        one(bare, cell, 0.2, 2 * servers.WORKERS)
    for round_no in range(options.rounds):
        for cell in cells:
            if round_no % 2 == 0:
                cell.ours.append(one(ours, cell, options.seconds))
                cell.bare.append(one(bare, cell, options.seconds))
            else:
                cell.bare.append(one(bare, cell, options.seconds))
                cell.ours.append(one(ours, cell, options.seconds))


def _cpu_seconds() -> float:
    """CPU of this process and of its finished children (wrk runs), not the servers'."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bench_instance(instance: state.Instance, options: Options, workdir: Path) -> bool:
    """Measure one database; False when a page could not be verified."""
    started = time.perf_counter()
    flush = _flusher(instance.redis_url)
    if flush:
        flush()
    ours = servers.ours(instance.env, workdir / f"{instance.label}-ours.log").start()
    bare = None
    try:
        ours.wait_ready()
        captured, faithful = capture_all(instance, ours)
        capture_file = workdir / f"{instance.label}-capture.pickle"
        captured.save(capture_file)
        bare = servers.bare(instance.env, capture_file, workdir / f"{instance.label}-bare.log")
        bare.start().wait_ready()

        from pages.bare_app import create_app as create_bare

        problems = verify_replay(create_bare(str(capture_file)), captured)
        over_http = verify_pages(captured.captures, _fetcher(ours), _fetcher(bare))
        labels = {f"{p.key}-{v}": p.label for p in PAGES for v in VARIANTS}
        paths = dict.fromkeys(c.path for c in captured.captures)
        print(f"\n{instance.label}: pages measured: {', '.join(paths)}")
        cells, ok = [], True
        for capture in captured.captures:
            found = faithful[capture.key] + problems[capture.key] + over_http[capture.key]
            variant = capture.key.rsplit("-", 1)[1]
            if found:
                ok = False
                print(f"NOT MEASURED {capture.key} ({capture.path}): " + "; ".join(found[:3]))
                continue
            if capture.status != 200:
                ok = False
                print(f"NOT MEASURED {capture.key} ({capture.path}): status {capture.status}")
                continue
            cells.append(Cell(capture, labels[capture.key], variant))
        if flush:
            flush()
        prepared, cpu = time.perf_counter(), _cpu_seconds()
        measure(cells, ours, bare, options)
        generator_cpu = (_cpu_seconds() - cpu) / (time.perf_counter() - prepared)
        rss = (ours.worker_rss_mb(), bare.worker_rss_mb())
        name = "SQLite" if instance.label == "sqlite" else "PostgreSQL (application role, RLS)"
        report(f"{name}: our app ÷ the bare app", cells, rss)
        print(
            f"(servers, capture and checks {prepared - started:.0f} s; "
            f"rounds {time.perf_counter() - prepared:.0f} s, during which this process — the "
            f"load generator — used {generator_cpu:.0%} of one core)"
        )
        return ok
    finally:
        ours.stop()
        if bare is not None:
            bare.stop()


@contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Runs share the PostgreSQL database and the Redis db (which they empty): a second
    run waits for the first instead of spoiling both."""
    path = Path(tempfile.gettempdir()) / "convergence-pagebench.lock"
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("another page bench run is going on: waiting for it to end")
            sys.stdout.flush()
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    with one_run_at_a_time():
        return run(options)


def run(options: Options) -> int:
    workdir = options.state or Path(tempfile.mkdtemp(prefix="convergence-pagebench-"))
    started = time.perf_counter()
    print(
        "Page bench: our throughput ÷ a bare Flask + SQLAlchemy Core app that runs the same "
        "SQL statements (captured with their parameters) and returns the same HTML"
    )
    print(
        f"gunicorn {servers.WORKERS} sync workers each on loopback, load: {generator_name()} "
        f"generator, {options.connections} connections, {options.rounds} interleaved rounds × "
        f"{options.seconds:g} s per side and page"
    )
    found, notes = instances(workdir, options)
    for note in notes:
        print(note)
    print(
        "State, fresh for this run: `convergence db upgrade` (every migration) + "
        "`convergence demo load` (instances/demo/demo.toml, every installed plugin's demo "
        f"data); signed in: {SIGNED_IN} through the login form (API: her personal token)"
    )
    print(
        "SQL c/w: statements of the page rendered with its caches cold (Redis emptied; what "
        "the bare app replays) / the same request repeated at once, caches warm"
    )
    sys.stdout.flush()
    if options.state:
        print(f"STATE REUSED from {options.state} (development run, not a fresh state)")
    else:
        print(f"state built in {build_all(found):.0f} s")
    for instance in found:
        print(f"{instance.label}: {state.demo_summary(instance)}")
    ok = True
    try:
        for instance in found:
            ok &= bench_instance(instance, options, workdir)
            sys.stdout.flush()
    finally:
        if not options.keep and not options.state:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    print(f"\npage bench: {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1
