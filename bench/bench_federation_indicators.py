"""Federation indicators for 1,000 member communes beside 10 (issue 12 item 6): cold and warm
time of ``GET /api/v1/federations/<f>/indicators``, and the statements each issues.

What production does, every round from scratch: new communes through the commune-creation
service, the built-in plugins (budget, water, food, housing: those installed) switched on in
each, rows in their tables (20 budget lines with an entry each, a water resource with 10
users), a new federation of them, an empty Redis cache (db 4); then the request through the
test client: app → member communes → each plugin's ``federation_indicators`` hook → totals
and suppression → JSON (cold), and the same request answered from the shared cache (warm).
Sizes are interleaved (10, 1,000, 10, 1,000…); medians with min–max.

Targets: 1,000 communes cold < 1 s, warm < 20 ms, statements the same as for 10.
Run: ``.venv/bin/python bench/bench_federation_indicators.py [--db URL] [--redis URL]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from decimal import Decimal
from itertools import count

ROUNDS = 3
WARM_REQUESTS = 10
_serial = count()


def _seed(app, size: int) -> str:
    """A new federation of ``size`` new communes with every indicator plugin on and data."""
    from sqlalchemy import insert

    from federation.db import db
    from federation.plugins.models import PluginActivation
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import FederationMember
    from federation.tenancy.services import NewCommune, create_communes, create_federation

    pm = app.extensions["convergence"].pm
    plugins = [p for p in ("budget", "water", "food", "housing") if p in pm.switchable]
    slug = f"bench-{next(_serial)}-{size}"
    with app.app_context(), unscoped():
        communes = create_communes(
            [NewCommune(f"{slug} {i}", f"{slug}-{i}", population=500 + i) for i in range(size)]
        )
        ids = [c.id for c in communes]
        fed = create_federation(slug, slug)
        db.session.execute(
            insert(FederationMember), [{"federation_id": fed.id, "commune_id": c} for c in ids]
        )
        db.session.execute(
            insert(PluginActivation),
            [
                {"commune_id": c, "plugin": p, "enabled": True, "settings": {}}
                for c in ids
                for p in plugins
            ],
        )
        if "budget" in plugins:
            _budget_rows(ids)
        if "water" in plugins:
            _water_rows(ids)
        db.session.commit()
    return slug


def _budget_rows(ids: list[int]) -> None:
    from convergence_budget.models import BudgetEntry, BudgetLine
    from sqlalchemy import insert

    from federation.db import db

    lines = db.session.execute(
        insert(BudgetLine).returning(BudgetLine.id, BudgetLine.commune_id),
        [
            {
                "commune_id": c,
                "year": 2026,
                "section": "operation",
                "chapter": f"0{n:02d}",
                "label": f"Ligne {n}",
                "planned": Decimal(10000 + n),
            }
            for c in ids
            for n in range(20)
        ],
    ).all()
    db.session.execute(
        insert(BudgetEntry),
        [
            {
                "commune_id": c,
                "line_id": line,
                "amount": Decimal(2500),
                "label": "Dépense",
                "kind": "decision" if line % 3 else "manual",
            }
            for line, c in lines
        ],
    )


def _water_rows(ids: list[int]) -> None:
    from convergence_water.models import WaterResource, WaterUser
    from sqlalchemy import insert

    from federation.db import db

    resources = db.session.execute(
        insert(WaterResource).returning(WaterResource.id, WaterResource.commune_id),
        [
            {
                "commune_id": c,
                "code": "source",
                "name": "Source",
                "kind": "spring",
                "yield_winter": 90000,
                "yield_spring": 90000,
                "yield_summer": 40000,
                "yield_autumn": 60000,
            }
            for c in ids
        ],
    ).all()
    db.session.execute(
        insert(WaterUser),
        [
            {
                "commune_id": c,
                "kind": "household",
                "name": f"Foyer {n}",
                "people": 1 + n % 4,
                "resource_id": resource,
            }
            for resource, c in resources
            for n in range(10)
        ],
    )


def _request(app, client, url: str) -> tuple[float, int]:
    from sqlalchemy import event

    from federation.db import db

    statements: list[str] = []

    def listener(_c, _cur, statement, *_a):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and response.json, response.status_code
    return elapsed, len(statements)


def _time_hooks(pm, record: dict[str, list[float]]) -> None:
    """Time each plugin's ``federation_indicators`` hook (the core calls one plugin at a
    time) into ``record[plugin]`` while ``record`` is being filled."""
    original = pm.call_isolated

    def timed(hook_name, skip=(), **kwargs):
        start = time.perf_counter()
        results = original(hook_name, skip=skip, **kwargs)
        if hook_name == "federation_indicators" and record.get("_on") is not None:
            for name, _indicators in results:
                record.setdefault(name, []).append(time.perf_counter() - start)
        return results

    pm.call_isolated = timed


def _fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):8.1f} ({min(ms):.1f}–{max(ms):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="an empty database (default: temporary SQLite)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="convergence-bench-")
    os.environ["CONVERGENCE_INSTANCE_PATH"] = workdir
    url = args.db or f"sqlite:///{workdir}/bench.sqlite"

    from redis import Redis

    from federation import create_app, migrate
    from federation.intercommunal.cache import RedisBackend

    app = create_app(
        "bench", database_url=url, secret_key="bench-secret-key-0123456789", env="testing"
    )
    redis = Redis.from_url(args.redis)
    with app.app_context():
        migrate.upgrade(app)
    app.extensions["convergence_cache"] = RedisBackend(redis)
    hooks: dict[str, list[float]] = {}
    _time_hooks(app.extensions["convergence"].pm, hooks)
    client = app.test_client()
    sizes = (args.small, args.communes)
    cold: dict[int, list[float]] = {s: [] for s in sizes}
    warm: dict[int, list[float]] = {s: [] for s in sizes}
    cold_q: dict[int, set[int]] = {s: set() for s in sizes}
    warm_q: dict[int, set[int]] = {s: set() for s in sizes}
    setup: dict[int, list[float]] = {s: [] for s in sizes}
    for _round in range(args.rounds):
        for size in sizes:
            start = time.perf_counter()
            slug = _seed(app, size)
            redis.flushdb()
            setup[size].append(time.perf_counter() - start)
            target = f"/api/v1/federations/{slug}/indicators"
            hooks["_on"] = [] if size == args.communes else None  # type: ignore[assignment]
            elapsed, statements = _request(app, client, target)
            hooks["_on"] = None  # type: ignore[assignment]
            cold[size].append(elapsed)
            cold_q[size].add(statements)
            for _ in range(WARM_REQUESTS):
                elapsed, statements = _request(app, client, target)
                warm[size].append(elapsed)
                warm_q[size].add(statements)
    small, large = sizes
    print(
        f"database: {url.split('://')[0]}; cache: Redis; {args.rounds} rounds, state built "
        f"fresh each round (set-up of {large:,} communes: median "
        f"{statistics.median(setup[large]):.1f} s); sizes interleaved"
    )
    print(f"{'measure':<24} {small:>6} communes, ms     {large:>6} communes, ms   ratio  target")
    for name, data, target in (("cold", cold, "< 1000 ms"), ("warm", warm, "< 20 ms")):
        ratio = statistics.median(data[large]) / statistics.median(data[small])
        print(
            f"{name + ' (median, min–max)':<24} {_fmt(data[small]):>24} {_fmt(data[large]):>24} "
            f"{ratio:6.2f}  {target}"
        )
    for name, data in (("statements, cold", cold_q), ("statements, warm", warm_q)):
        same = "same" if data[small] == data[large] else "DIFFERENT"
        print(f"{name:<24} {sorted(data[small])!s:>24} {sorted(data[large])!s:>24}  {same}")
    plugins = {k: v for k, v in hooks.items() if not k.startswith("_")}
    if plugins:
        spent = " + ".join(
            f"{k} {statistics.median(v) * 1000:.0f}" for k, v in sorted(plugins.items())
        )
        total = sum(statistics.median(v) for v in plugins.values()) * 1000
        rest = statistics.median(cold[large]) * 1000 - total
        print(
            f"cold, {large:,} communes: plugins' hooks {spent} = {total:.0f} ms (medians); "
            f"the core's request, totals, JSON and cache: {rest:.0f} ms"
        )


if __name__ == "__main__":
    main()
