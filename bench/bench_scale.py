"""Scale (issue 12 item 6): the whole official list of communes (34,875) beside 10.

1. ``commune import`` of the whole list into an empty database, then ``--update`` with the
   same file (every commune unchanged) and with every population changed (every commune
   updated): wall and CPU time of the service, the path the CLI takes, in one transaction.
2. The same pages in two databases built fresh by that import — 10 communes vs all —, the
   same commune (Faux-la-Montagne, budget and water switched on) in both: latency through
   the test client (app, tenancy, plugins' widgets, templates; no network), rounds
   interleaved small/large, per-round medians, then median and min–max over rounds, and the
   ratio large ÷ small. Target ≤ 1.05 for the pages that show the same thing in both (the
   commune home, its API, a search whose answer is Faux-la-Montagne alone: a prefix of the
   folded name, or of the INSEE code); the portal's first page and a search for « saint »
   (3,928 communes, 61 shown; none among the 10) are listed for information.

Run: ``.venv/bin/python bench/bench_scale.py [--small-db URL --large-db URL]`` (two empty
databases; default: two temporary SQLite files). Figures vary with the machine's load: read
the ratios, measured side by side.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
import time
from pathlib import Path

COMMUNES = Path(__file__).resolve().parents[2] / "shared/data/communes/communes_france_2026.csv"
TARGET = "23077"  # Faux-la-Montagne
#: page → (URL, target): the rows with a target show the same thing in both databases
PAGES = {
    "commune home": ("/c/{slug}/", "≤ 1.05"),
    "commune API": ("/api/v1/communes/{slug}", "≤ 1.05"),
    "search API 'faux-la'": ("/api/v1/communes?q=faux-la", "≤ 1.05"),
    "portal search 'faux-la'": ("/?q=faux-la", "≤ 1.05"),
    "search API '23077' (code)": ("/api/v1/communes?q=23077", "≤ 1.05"),
    "portal (first 60; 10)": ("/", "-"),
    "search API 'saint' (61; 0)": ("/api/v1/communes?q=saint", "-"),
}


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _files(source: Path, workdir: Path) -> tuple[Path, Path, Path]:
    """The whole list, the same with every population + 1, and 10 communes (the target's)."""
    with source.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    pop = header.index("population_municipale")
    changed = [[*r[:pop], str(int(r[pop] or 0) + 1), *r[pop + 1 :]] for r in rows]
    small = [r for r in rows if r[0] == TARGET] + [r for r in rows if r[0] != TARGET][:9]
    return (
        source,
        _write(workdir / "changed.csv", header, changed),
        _write(workdir / "small.csv", header, small),
    )


def _app(url: str):
    from federation import create_app, migrate

    app = create_app(
        "bench", database_url=url, secret_key="bench-secret-key-0123456789", env="testing"
    )
    with app.app_context():
        migrate.upgrade(app)
    return app


def _import(app, path: Path, update: bool) -> tuple[float, float, object]:
    from federation.db import db
    from federation.tenancy.context import unscoped
    from federation.tenancy.services import import_communes_csv

    with app.app_context(), unscoped():
        wall, cpu = time.perf_counter(), time.process_time()
        report = import_communes_csv(path, update_existing=update)
        db.session.commit()
        return time.perf_counter() - wall, time.process_time() - cpu, report


def _prepare(app) -> str:
    """Budget and water on for the target commune (their widgets are on its home page)."""
    from sqlalchemy import select

    from federation.db import db
    from federation.plugins.services import enable_plugin
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.models import Commune

    with app.app_context():
        with unscoped():
            commune = db.session.scalar(select(Commune).where(Commune.insee_code == TARGET))
        pm = app.extensions["convergence"].pm
        with commune_scope(commune.id):
            for plugin in ("budget", "water"):
                if plugin in pm.switchable:
                    enable_plugin(commune, plugin)
        db.session.commit()
        return commune.slug


def _round(client, url: str, requests: int) -> float:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def _fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):7.1f} ({min(ms):.1f}–{max(ms):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small-db", default=None)
    parser.add_argument("--large-db", default=None)
    parser.add_argument("--communes", type=Path, default=COMMUNES)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="convergence-bench-"))
    os.environ["CONVERGENCE_INSTANCE_PATH"] = str(workdir)
    whole, changed, small_csv = _files(args.communes, workdir)
    small_url = args.small_db or f"sqlite:///{workdir}/small.sqlite"
    large_url = args.large_db or f"sqlite:///{workdir}/large.sqlite"

    small, large = _app(small_url), _app(large_url)
    _import(small, small_csv, False)
    runs = [
        ("import, empty database", whole, False),
        ("import --update, same file", whole, True),
        ("import --update, populations", changed, True),
    ]
    print(f"database: {large_url.split('://')[0]}")
    print(f"{'commune import':<30} {'wall s':>8} {'CPU s':>8}  created/updated/unchanged")
    for name, path, update in runs:
        wall, cpu, report = _import(large, path, update)
        counts = f"{report.created}/{report.updated}/{report.unchanged}"  # type: ignore[attr-defined]
        print(f"{name:<30} {wall:8.1f} {cpu:8.1f}  {counts}")
    slugs = {id(small): _prepare(small), id(large): _prepare(large)}
    clients = {id(app): app.test_client() for app in (small, large)}
    for app in (small, large):  # warm-up: first requests compile templates and statements
        for page, _target in PAGES.values():
            clients[id(app)].get(page.format(slug=slugs[id(app)]))
    results: dict[str, dict[int, list[float]]] = {p: {id(small): [], id(large): []} for p in PAGES}
    for _ in range(args.rounds):
        for page, (template, _target) in PAGES.items():
            for app in (small, large):
                url = template.format(slug=slugs[id(app)])
                results[page][id(app)].append(_round(clients[id(app)], url, args.requests))
    print(
        f"\n{args.rounds} interleaved rounds of {args.requests} requests; per-round medians, "
        "then median (min–max) over rounds, ms"
    )
    print(f"{'page':<28} {'10 communes':>22} {'34,875 communes':>22}  ratio  target")
    for page in PAGES:
        a, b = results[page][id(small)], results[page][id(large)]
        ratio = statistics.median(b) / statistics.median(a)
        target = PAGES[page][1]
        print(f"{page:<28} {_fmt(a):>22} {_fmt(b):>22}  {ratio:5.2f}  {target}")


if __name__ == "__main__":
    main()
