"""Issue 10 item 11: two application processes on one database. What one of them changes
(a member commune's data, a plugin switched off) is what the other one serves next, with a
shared Redis (versions moved on commit) and without one (nothing cached across requests).
The planted variants prove the test sees a stale worker."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from federation.db import db
from federation.testing.redis import redis_or_skip
from tests.support.notes_plugin import Note

ROOT = Path(__file__).resolve().parents[3]
REDIS_DB = 6


class Worker:
    def __init__(self, database_url: str, redis_url: str | None, planted: str = "") -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.core.intercommunal.cache_worker",
                database_url,
                redis_url or "-",
                planted,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._read() == "ready"

    def _read(self):
        for line in self.process.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise RuntimeError(f"worker ended: {self.process.wait()}")

    def __call__(self, **command):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, RuntimeError):
            self(op="quit")
        self.process.wait(timeout=30)


@pytest.fixture
def plateau(factory, in_commune):
    communes = [factory.commune(f"p{i}") for i in range(3)]
    factory.federation("plateau", communes=communes)
    for commune in communes:
        factory.enable(commune, "notes")
    with in_commune(communes[0]):
        db.session.add_all([Note(title=f"n{i}") for i in range(7)])
    return communes


def _scenario(app, plateau, redis_url, planted=""):
    """Worker A reads (and would cache), worker B writes, A reads again: what A serves."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.engine.dispose()  # the SQLite file is shared: no connection kept open here
    reader = Worker(url, redis_url, planted)
    writer = Worker(url, redis_url, planted)
    try:
        seen = []
        first = reader(op="indicators", federation="plateau")
        seen.append(first["notes.count"]["total"])
        writer(op="indicators", federation="plateau")  # B warms its own cache too
        writer(op="add_note", commune=plateau[1].id)
        second = reader(op="indicators", federation="plateau")
        seen.append(second["notes.count"]["total"])
        writer(op="disable", commune=plateau[0].id, plugin="notes")
        third = reader(op="indicators", federation="plateau")
        seen.append(sorted(third.get("notes.count", {}).get("per_commune", {})))
        return seen
    finally:
        reader.close()
        writer.close()


FRESH = [7, 8, ["p1", "p2"]]


def test_without_redis_a_worker_never_serves_what_another_changed(app, plateau):
    assert _scenario(app, plateau, None) == FRESH


def test_with_redis_versions_move_for_every_worker_on_commit(app, plateau):
    assert _scenario(app, plateau, redis_or_skip(REDIS_DB)) == FRESH


def test_planted_a_cache_kept_in_the_process_serves_stale_figures(app, plateau):
    """The code before the fix: each worker's memory cache, bumped only in the writer."""
    seen = _scenario(app, plateau, None, planted="memory")
    assert seen == [7, 7, ["p0", "p1", "p2"]], seen


def test_planted_no_version_bump_serves_stale_figures_from_redis(app, plateau):
    seen = _scenario(app, plateau, redis_or_skip(REDIS_DB), planted="no-bump")
    assert seen == [7, 7, ["p0", "p1", "p2"]], seen
