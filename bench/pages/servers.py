"""Gunicorn servers on loopback, as production runs them: 2 sync workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from pages.state import BIN, REPO

WORKERS = 2
BENCH_DIR = REPO / "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, name: str, app: str, env: dict[str, str], log: Path, chdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log = log
        self.argv = [
            str(BIN / "gunicorn"),
            "-w",
            str(WORKERS),
            "-k",
            "sync",
            "-c",
            str(BENCH_DIR / "pages" / "gunicorn_bench.py"),
            "-b",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(chdir),
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
            app,
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        self.process = subprocess.Popen(
            self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return self

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            if len(self.worker_pids()) == WORKERS:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in {timeout} s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (MB)."""
        sizes = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return sizes

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def ours(env: dict[str, str], log: Path) -> Gunicorn:
    """Our app exactly as wsgi.py serves it."""
    return Gunicorn("ours", "wsgi:app", env, log, REPO)


def bare(env: dict[str, str], capture_file: Path, log: Path) -> Gunicorn:
    env = {**env, "BENCH_PAGES_CAPTURE": str(capture_file)}
    return Gunicorn("bare", "pages.bare_app:create_app()", env, log, BENCH_DIR)
