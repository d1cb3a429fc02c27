"""The load generator, the same for both sides: ``wrk`` when installed (Debian package),
otherwise a small one in Python — threads, one connection each, a request prepared once as
bytes, read until the server closes (gunicorn's sync workers answer ``Connection: close``),
status checked from the status line. It spends far less CPU per request than the servers.
A measurement lasts the given seconds and at least ``MIN_REQUESTS`` requests.

``BENCH_PAGES_LOAD=python`` forces the Python generator, ``=wrk`` requires wrk.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass


@dataclass
class LoadResult:
    requests: int
    errors: int  # not the expected status, or a connection failure
    seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def generator_name() -> str:
    choice = os.environ.get("BENCH_PAGES_LOAD", "auto")
    if choice == "wrk" or (choice == "auto" and shutil.which("wrk")):
        return "wrk"
    return "python"


def request_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def fetch(host: str, port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request: status and body."""
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request_bytes(host, port, path, headers))
        data = _read_all(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return int(head[9:12]), body


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


#: a measurement lasts its seconds and at least this many requests (slow pages)
MIN_REQUESTS = 10


def run_python(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    min_requests: int = MIN_REQUESTS,
) -> LoadResult:
    payload = request_bytes(host, port, path, headers)
    counts = [[0, 0] for _ in range(connections)]
    start = time.perf_counter()
    deadline = start + seconds

    def more() -> bool:
        return time.perf_counter() < deadline or sum(c[0] for c in counts) < min_requests

    def worker(slot: list[int]) -> None:
        while more():
            try:
                with socket.create_connection((host, port), timeout=30) as sock:
                    sock.sendall(payload)
                    first = sock.recv(65536)
                    ok = first[9:12] == b"200"
                    while sock.recv(65536):
                        pass
            except OSError:
                ok = False
            slot[0] += 1
            if not ok:
                slot[1] += 1

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return LoadResult(sum(c[0] for c in counts), sum(c[1] for c in counts), elapsed)


_WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(m?s)")
_WRK_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def run_wrk(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    min_requests: int = MIN_REQUESTS,
) -> LoadResult:
    """wrk runs for its seconds (``min_requests`` is the Python generator's only)."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(f"http://{host}:{port}{path}")
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    total = _WRK_TOTAL.search(output)
    if total is None:
        raise RuntimeError(f"wrk said: {output}")
    requests = int(total.group(1))
    elapsed = float(total.group(2)) / (1000 if total.group(3) == "ms" else 1)
    errors = sum(int(m.group(1)) for m in _WRK_BAD.finditer(output))
    sock = _WRK_SOCKET.search(output)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return LoadResult(requests, errors, elapsed)


def run_load(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    min_requests: int = MIN_REQUESTS,
) -> LoadResult:
    runner = run_wrk if generator_name() == "wrk" else run_python
    return runner(host, port, path, headers, seconds, connections, min_requests)
