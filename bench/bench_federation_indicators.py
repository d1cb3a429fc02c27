"""Federation indicators for 1,000 communes with 4 plugins and about 1,000 rows per plugin
per commune (4,000,000 rows): cold and cached time, and the queries issued.

Targets (issue 5): cold under 1 s, cached under 20 ms, queries constant. The four plugins
are synthetic (defined here) so that the benchmark measures the framework's aggregation
path — one grouped query per plugin, the per-federation cache — on any installation.
Run: ``.venv/bin/python bench/bench_federation_indicators.py [--db URL] [--communes N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

from sqlalchemy import Index, Integer, Numeric, event, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from federation.db import db
from federation.plugins import ConvergencePlugin, Indicator, hookimpl
from federation.tenancy.scoping import TenantMixin


def _model(name: str) -> type:
    return type(
        f"Bench{name.title()}Row",
        (TenantMixin, db.Model),
        {
            "__tablename__": f"bench{name}_rows",
            # the main index leads with commune_id and covers what the indicator reads
            "__table_args__": (
                Index(f"ix_bench{name}_cover", "commune_id", "value", "people"),
                {"info": {"plugin": f"bench{name}"}},
            ),
            "id": mapped_column(Integer, primary_key=True),
            "value": mapped_column(Numeric(14, 2), nullable=False),
            "people": mapped_column(Integer, nullable=False),
            "__annotations__": {"id": Mapped[int], "value": Mapped[float], "people": Mapped[int]},
        },
    )


THEMES = ("water", "housing", "food", "budget")
MODELS = {theme: _model(theme) for theme in THEMES}


def _plugin(theme: str) -> ConvergencePlugin:
    model = MODELS[theme]

    class BenchPlugin(ConvergencePlugin):
        name = f"bench{theme}"
        label = theme

        @hookimpl
        def federation_indicators(self, federation, commune_ids):
            rows = db.session.execute(
                select(model.commune_id, func.sum(model.value), func.sum(model.people)).group_by(
                    model.commune_id
                )
            ).all()
            return [
                Indicator(
                    f"{theme}.value", f"{theme} value", {cid: float(v) for cid, v, _p in rows}
                ),
                Indicator(
                    f"{theme}.people",
                    f"{theme} people",
                    {cid: p for cid, _v, p in rows},
                    counts_people=True,
                ),
            ]

    return BenchPlugin()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--communes", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000, help="rows per plugin per commune")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="convergence-bench-")
    os.environ["CONVERGENCE_INSTANCE_PATH"] = workdir
    url = args.db or f"sqlite:///{workdir}/bench.sqlite"

    from federation import create_app, migrate
    from federation.intercommunal.coordination import federation_indicators
    from federation.plugins.models import PluginActivation
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune, Federation, FederationMember

    app = create_app(
        "bench",
        database_url=url,
        secret_key="bench-secret-key-0123456789",
        env="testing",
        plugins=[],
        extra_plugins=[_plugin(t) for t in THEMES],
    )
    rng = random.Random(5)
    with app.app_context():
        migrate.upgrade(app)
        db.create_all()
        with unscoped():
            start = time.perf_counter()
            db.session.execute(
                insert(Commune),
                [
                    {
                        "slug": f"b-{i}",
                        "name": f"Commune {i}",
                        "population": rng.randint(50, 5000),
                        "default_locale": "fr",
                        "description": "",
                        "verification_method": "approval",
                    }
                    for i in range(args.communes)
                ],
            )
            ids = list(db.session.scalars(select(Commune.id).order_by(Commune.id)))
            fed = Federation(slug="bench", name="Bench", description="", kind="other")
            db.session.add(fed)
            db.session.flush()
            db.session.execute(
                insert(FederationMember),
                [{"federation_id": fed.id, "commune_id": cid} for cid in ids],
            )
            db.session.execute(
                insert(PluginActivation),
                [
                    {"commune_id": cid, "plugin": f"bench{t}", "enabled": True, "settings": {}}
                    for cid in ids
                    for t in THEMES
                ],
            )
            for theme in THEMES:
                model = MODELS[theme]
                for chunk in range(0, len(ids), 50):
                    db.session.execute(
                        insert(model),
                        [
                            {
                                "commune_id": cid,
                                "value": rng.randint(0, 10000) / 100,
                                "people": rng.randint(0, 6),
                            }
                            for cid in ids[chunk : chunk + 50]
                            for _ in range(args.rows)
                        ],
                    )
            db.session.commit()
            setup = time.perf_counter() - start
        federation = db.session.get(Federation, fed.id)
        queries: list[str] = []

        def listener(*a, _q=queries):
            _q.append(a[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        colds, warms, cold_q, warm_q = [], [], [], []
        for round_ in range(3):
            app.extensions.pop("convergence_cache", None)  # an empty cache: a cold read
            queries.clear()
            t0 = time.perf_counter()
            rows = federation_indicators(federation)
            colds.append(time.perf_counter() - t0)
            cold_q.append(len(queries))
            for _ in range(5):
                queries.clear()
                t0 = time.perf_counter()
                federation_indicators(federation)
                warms.append(time.perf_counter() - t0)
                warm_q.append(len(queries))
            db.session.expunge_all()
            federation = db.session.get(Federation, fed.id)
            assert round_ >= 0
        event.remove(db.engine, "before_cursor_execute", listener)
    total_rows = args.communes * args.rows * len(THEMES)
    print(
        f"database: {url.split('://')[0]}; {args.communes:,} communes, {len(THEMES)} plugins,"
        f" {total_rows:,} rows (set up in {setup:.0f} s); {len(rows)} indicators"
    )
    print(f"{'measure':<28} {'value':>10}  target")
    print(f"{'cold (median of 3), ms':<28} {statistics.median(colds) * 1000:>10.1f}  < 1000")
    print(f"{'cached (median of 15), ms':<28} {statistics.median(warms) * 1000:>10.2f}  < 20")
    print(f"{'queries, cold':<28} {max(cold_q):>10}  constant")
    print(f"{'queries, cached':<28} {max(warm_q):>10}  constant")


if __name__ == "__main__":
    main()
