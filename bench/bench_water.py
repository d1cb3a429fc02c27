"""Water plugin benchmark (issue 7): allocation for a basin of 50 communes and 100,000 users,
and the import of 1,000,000 meter readings.

Targets: allocation under 2 s; import over 50,000 rows/s, on SQLite and PostgreSQL. Prints a
table of times, memory and ratios to the targets. Run with ``--db postgresql+psycopg://…``
for PostgreSQL (default: a temporary SQLite file); ``--users`` and ``--rows`` scale it down.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import event, insert

COMMUNES = 50
USERS = 100_000
ROWS = 1_000_000
READINGS_PER_METER = 10
ALLOCATION_TARGET_S = 2.0
IMPORT_TARGET_ROWS_S = 50_000


def _peak_mb(fn) -> tuple[object, float]:
    gc.collect()
    tracemalloc.start()
    result = fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak / 1e6


def bench_engine(users: int) -> list[tuple[str, float, float, str]]:
    """The pure allocation engine: one pool of ``users`` users, scarce water."""
    from convergence_water.allocation import Rule, allocate
    from convergence_water.constants import CATEGORIES, DEFAULT_RULES

    rng = np.random.default_rng(2026)
    people = rng.integers(0, 6, users)
    needs = rng.integers(0, 800, (users, len(CATEGORIES)))
    needs[:, 1] *= rng.integers(0, 2, users) * 10  # a tenth are farms with livestock
    rules = {c: Rule(p, f, str(h)) for c, (p, f, h) in DEFAULT_RULES["alerte"].items()}
    available = int(needs.sum() * 0.45)

    def run():
        return allocate(people, needs, available, vital_litres=50, rules=rules)

    times = []
    for _ in range(5):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    _result, peak = _peak_mb(run)
    assert result.allocated <= available
    return [(f"engine: allocate {users:,} users (one pool)", statistics.median(times), peak, "")]


def setup_basin(app, communes: int, users: int):
    """A basin of ``communes`` communes, two resources each, ``users`` users in all."""
    from convergence_water import services
    from convergence_water.constants import CATEGORIES
    from convergence_water.models import WaterUser

    from federation.db import db
    from federation.plugins.services import enable_plugin
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import (
        add_commune_to_federation,
        create_commune,
        create_federation,
    )

    rng = random.Random(7)
    ids = []
    with unscoped():
        basin = create_federation("Bassin de banc d'essai", "bassin-bench", kind="basin")
        for n in range(communes):
            commune = create_commune(f"Commune {n}", f"bench-{n}")
            add_commune_to_federation(basin, commune)
            ids.append(commune.id)
        db.session.commit()
        basin_id = basin.id
    per_commune = users // communes
    for cid in ids:
        with commune_scope(cid):
            from federation.tenancy.models import Commune

            enable_plugin(db.session.get(Commune, cid), "water")
            resources = [
                services.create_resource(
                    {
                        "code": code,
                        "name": name,
                        "kind": kind,
                        "federation_id": basin_id,
                        **{
                            f"yield_{s}_m3": str(volume)
                            for s in ("winter", "spring", "summer", "autumn")
                        },
                    }
                )
                for code, name, kind, volume in (
                    ("SRC", "Source", "spring", per_commune * 0.25),
                    ("FOR", "Forage", "borehole", per_commune * 0.6),
                )
            ]
            rows = []
            for u in range(per_commune):
                farm = u % 10 == 0
                row = {
                    "commune_id": cid,
                    "kind": "farm" if farm else "household",
                    "name": f"Usager {u}",
                    "people": rng.randint(1, 5),
                    "resource_id": resources[1 if farm else 0].id,
                    "meter_code": f"M{u:06d}",
                    "active": True,
                    **{f"need_{c}": 0 for c in CATEGORIES},
                }
                row["need_drinking"] = row["people"] * rng.randint(80, 150)
                row["need_leisure"] = rng.randint(0, 300)
                if farm:
                    row["need_livestock"] = rng.randint(1000, 6000)
                    row["need_irrigation"] = rng.randint(0, 8000)
                rows.append(row)
            db.session.execute(insert(WaterUser), rows)
            services.declare_level({"level": "alerte", "basin": basin_id}, source="import")
            db.session.commit()
    return basin_id, ids


def bench_basin(app, basin_id: int, ids: list[int]) -> list[tuple[str, float, float, str]]:
    from convergence_water import services
    from convergence_water.balance import basin_balance

    from federation.db import db
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Federation

    queries: list[str] = []

    def count(*args):
        queries.append(args[2])

    def allocate_basin():
        made = 0
        for cid in ids:
            with commune_scope(cid):
                for resource in services.resources():
                    services.compute_run(resource, trigger="manual")
                    made += 1
                db.session.commit()
        return made

    def apply_basin():
        applied = 0
        for cid in ids:
            with commune_scope(cid):
                for run in services.runs(limit=2):
                    services.apply_run(run)
                    applied += run.users_count
                db.session.commit()
        return applied

    event.listen(db.engine, "before_cursor_execute", count)
    start = time.perf_counter()
    made = allocate_basin()
    elapsed = time.perf_counter() - start
    event.remove(db.engine, "before_cursor_execute", count)
    allocation_queries = len(queries)
    _made, peak = _peak_mb(allocate_basin)

    queries.clear()
    event.listen(db.engine, "before_cursor_execute", count)
    start = time.perf_counter()
    applied = apply_basin()
    apply_s = time.perf_counter() - start
    event.remove(db.engine, "before_cursor_execute", count)
    apply_queries = len(queries)

    federation = db.session.get(Federation, basin_id)
    queries.clear()
    event.listen(db.engine, "before_cursor_execute", count)
    start = time.perf_counter()
    balance = basin_balance(federation, ids)
    balance_s = time.perf_counter() - start
    event.remove(db.engine, "before_cursor_execute", count)
    users = sum(row.users for row in balance.communes)
    return [
        (
            f"allocation of the basin: {len(ids)} communes, {users:,} users, {made} runs",
            elapsed,
            peak,
            f"{allocation_queries} queries (computed and proposed)",
        ),
        (
            f"putting it in force: {applied:,} explained lines stored",
            apply_s,
            0.0,
            f"{apply_queries} queries (vote adopted: lines frozen, journal)",
        ),
        (f"basin balance ({len(ids)} communes)", balance_s, 0.0, f"{len(queries)} queries"),
    ]


def write_csv(path: Path, meters: int, rows: int) -> int:
    per_meter = max(1, rows // meters)
    start = date.today() - timedelta(days=7 * per_meter + 1)
    days = [(start + timedelta(days=7 * k)).isoformat() for k in range(per_meter)]
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("compteur;date;index\n")
        for k, day in enumerate(days):
            lines = []
            for m in range(meters):
                litres = 100_000 + m + k * (700 + m % 900)
                lines.append(f"M{m:06d};{day};{litres // 1000},{litres % 1000:03d}\n")
            out.write("".join(lines))
            written += meters
    return written


def bench_import(
    app, commune_id: int, meters: int, rows: int
) -> list[tuple[str, float, float, str]]:
    from convergence_water import readings

    from federation.db import db
    from federation.tenancy.context import commune_scope

    path = Path(tempfile.mkdtemp(prefix="water-bench-")) / "releves.csv"
    written = write_csv(path, meters, rows)
    progress = []
    with commune_scope(commune_id):
        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as stream:
            report = readings.import_csv(stream, progress=progress.append)
        db.session.commit()
        elapsed = time.perf_counter() - start
    assert report.stored == written, report.as_dict()
    rate = written / elapsed
    return [
        (
            f"readings import: {written:,} rows, {meters:,} meters",
            elapsed,
            0.0,
            f"{rate:,.0f} rows/s, {report.alerts:,} alerts, {len(progress)} progress ticks",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--communes", type=int, default=COMMUNES)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="convergence-water-bench-")
    os.environ["CONVERGENCE_INSTANCE_PATH"] = workdir
    url = args.db or f"sqlite:///{workdir}/bench.sqlite"

    from federation import create_app, migrate
    from federation.db import db

    app = create_app(
        "bench", database_url=url, secret_key="bench-secret-key-0123456789", env="testing"
    )
    rows = bench_engine(args.users)
    with app.app_context():
        migrate.upgrade(app)
        basin_id, ids = setup_basin(app, args.communes, args.users)
        rows += bench_basin(app, basin_id, ids)
        meters = args.users // args.communes
        # the import goes to one commune; its meters hold rows / meters readings each
        big = ids[0]
        if args.rows > meters * READINGS_PER_METER:
            meters = args.rows // READINGS_PER_METER
            _grow_commune(big, meters)
        rows += bench_import(app, big, meters, args.rows)
        db.session.remove()
    print(f"database: {url.split('://')[0]}")
    print(f"{'what':<62} {'seconds':>8} {'peak MB':>8}  notes")
    for what, seconds, peak, notes in rows:
        peak_text = f"{peak:8.1f}" if peak else f"{'—':>8}"
        print(f"{what:<62} {seconds:8.3f} {peak_text}  {notes}")
    allocation = next(r for r in rows if r[0].startswith("allocation of the basin"))
    imported = next(r for r in rows if r[0].startswith("readings import"))
    rate = float(imported[3].split(" rows/s")[0].replace(",", ""))
    print(
        f"ratios to target: allocation {allocation[1] / ALLOCATION_TARGET_S:.2f} of 2 s; "
        f"import {rate / IMPORT_TARGET_ROWS_S:.2f} × 50,000 rows/s"
    )


def _grow_commune(commune_id: int, meters: int) -> None:
    """Give the import commune ``meters`` meters (bulk insert), for a 1,000,000-row file."""
    from convergence_water.constants import CATEGORIES
    from convergence_water.models import WaterResource, WaterUser
    from sqlalchemy import func, select

    from federation.db import db
    from federation.tenancy.context import commune_scope

    with commune_scope(commune_id):
        have = db.session.scalar(select(func.count(WaterUser.id)))
        resource_id = db.session.scalar(select(WaterResource.id).limit(1))
        rows = [
            {
                "commune_id": commune_id,
                "kind": "household",
                "name": f"Usager {u}",
                "people": 2,
                "resource_id": resource_id,
                "meter_code": f"M{u:06d}",
                "active": True,
                **{f"need_{c}": 100 for c in CATEGORIES},
            }
            for u in range(have, meters)
        ]
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(WaterUser), rows[start : start + 10_000])
        db.session.commit()


if __name__ == "__main__":
    main()
