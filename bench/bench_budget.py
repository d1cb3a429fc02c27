"""Participatory-budget rules on the 14 real pabulib files: our greedy and Method of Equal
Shares against ``pabutools`` on the same instance (same utilities, same tie-breaking),
as time ratios, plus the whole tally from the database.

Target (issue 6): identical outcomes, and at least 10× faster than pabutools on the
largest file. Run: ``.venv/bin/python bench/bench_budget.py [--files N] [--db URL]``.
Files come from ``CONVERGENCE_PB_DATA`` or ../shared/data/pb.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CONVERGENCE_PB_DATA") or ROOT.parent / "shared" / "data" / "pb")


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def reference(path: Path, election, top: int):
    from pabutools.election import AdditiveSatisfaction, parse_pabulib
    from pabutools.tiebreaking import TieBreakingRule

    instance, profile = parse_pabulib(str(path))
    kind = instance.meta["vote_type"]

    def weight(ballot, project):
        if kind in ("approval", "choose-1"):
            return 1 if project in ballot else 0
        if kind == "ordinal":
            return top - ballot.index(project) if project in ballot else 0
        return ballot.get(project, 0)

    class WeightTimesCost(AdditiveSatisfaction):
        def __init__(self, inst, prof, ballot):
            super().__init__(
                inst, prof, ballot, lambda i, p, b, proj, pre: weight(b, proj) * proj.cost
            )

    key = {p: (election.costs[p], -election.scores[p], p) for p in election.costs}
    tie = TieBreakingRule(lambda inst, prof, proj: key[proj.name])
    multi = profile.as_multiprofile() if hasattr(profile, "as_multiprofile") else profile
    return instance, profile, multi, WeightTimesCost, tie


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="database URL (default: temporary SQLite)")
    parser.add_argument("--files", type=int, default=0, help="only the N smallest files")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"pabulib data not found in {DATA}: set CONVERGENCE_PB_DATA")
        return
    try:
        import pabutools  # noqa: F401
    except ImportError:
        print("pabutools is not installed: pip install -e 'plugins/budget[test]'")
        return
    from convergence_budget import pabulib, rules
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    if args.files:
        files = files[: args.files]
    print(f"exact arithmetic: {rules.EXACT}")
    header = (
        f"{'file':44} {'voters':>6} {'proj':>4} {'greedy us':>9} {'pabu':>8} {'ratio':>6} "
        f"{'MES us':>8} {'pabu':>8} {'ratio':>6} same"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for path in files:
        pb = pabulib.parse(path.read_bytes())
        election = pb.election()
        instance, profile, multi, sat, tie = reference(path, election, pb.max_length())
        g_ours, g = best_of(lambda e=election: rules.greedy(e))
        m_ours, m = best_of(lambda e=election: rules.mes(e))
        started = time.perf_counter()
        g_ref = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie)
        g_theirs = time.perf_counter() - started
        started = time.perf_counter()
        m_ref = method_of_equal_shares(instance, multi, sat_class=sat, tie_breaking=tie)
        m_theirs = time.perf_counter() - started
        supported = [p.name for p in g_ref if election.scores[p.name] > 0]
        same = g.selected == supported and m.selected == [p.name for p in m_ref]
        rows.append((path.name, g_theirs / g_ours, m_theirs / m_ours, same))
        print(
            f"{path.name[:44]:44} {election.voters:>6} {len(election.costs):>4} "
            f"{g_ours * 1000:>7.1f}ms {g_theirs:>7.2f}s {g_theirs / g_ours:>6.0f} "
            f"{m_ours * 1000:>6.0f}ms {m_theirs:>7.2f}s {m_theirs / m_ours:>6.0f} "
            f"{'yes' if same else 'NO'}",
            flush=True,
        )
    largest = max(files, key=lambda p: p.stat().st_size).name
    for name, g_ratio, m_ratio, same in rows:
        if name == largest:
            verdict = "met" if min(g_ratio, m_ratio) >= 10 and same else "NOT met"
            print(
                f"\nlargest file {name}: greedy {g_ratio:.0f}×, MES {m_ratio:.0f}× faster than "
                f"pabutools, identical outcomes: {same} — target (≥10×, identical) {verdict}"
            )
    database_tally(files, args.db)


def database_tally(files: list[Path], url: str | None) -> None:
    """Import each file, then time the tally from the database: one grouped query, the
    election, greedy and MES (and the add1 completion where the file's rule is MES)."""
    workdir = tempfile.mkdtemp(prefix="convergence-bench-budget-")
    os.environ["CONVERGENCE_INSTANCE_PATH"] = workdir
    url = url or f"sqlite:///{workdir}/bench.sqlite"
    from convergence_budget import participatory as pb
    from convergence_budget import rules

    from federation import create_app, migrate
    from federation.db import db
    from federation.plugins.services import enable_plugin
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import create_commune

    app = create_app(
        "bench", database_url=url, secret_key="bench-secret-key-0123456789", env="testing"
    )
    print(f"\nwhole tally from the database ({url.split(':', 1)[0]})")
    header = f"{'file':44} {'ballots':>7} {'query':>7} {'greedy+MES':>10} {'add1':>8}"
    print(header)
    print("-" * len(header))
    with app.app_context():
        migrate.upgrade(app)
        with unscoped():
            commune = create_commune("Bench budget", "bench-budget")
            db.session.flush()
        with commune_scope(commune.id):
            enable_plugin(commune, "budget")
            db.session.commit()
            for path in files:
                process = _import_without_tally(pb, path.read_bytes())
                db.session.commit()
                started = time.perf_counter()
                election, _projects = pb.election_of(process)
                query = time.perf_counter() - started
                started = time.perf_counter()
                rules.greedy(election)
                rules.mes(election)
                both = time.perf_counter() - started
                add1 = ""
                if process.rule == "mes":
                    started = time.perf_counter()
                    rules.tally(election, "mes", **pb.options_for(process, "mes"))
                    add1 = f"{time.perf_counter() - started:>7.2f}s"
                print(
                    f"{path.name[:44]:44} {election.voters:>7} {query * 1000:>5.0f}ms "
                    f"{(query + both) * 1000:>8.0f}ms {add1:>8}",
                    flush=True,
                )


def _import_without_tally(pb, data: bytes):
    """The plugin's import, minus its tally (timed separately above)."""
    original = pb.tally
    pb.tally = lambda process: {"selected": [], "spent": 0, "ballots": 0, "rule": process.rule}
    try:
        return pb.import_pb(data, actor="bench")
    finally:
        pb.tally = original


if __name__ == "__main__":
    sys.exit(main())
