"""Core benchmarks (ratios, not absolute times): security-performance.md M1, M7, M8.

M1  tenant-scoped query (automatic criteria) ÷ the same query with an explicit WHERE
M7  journal append with the hash chain ÷ a plain INSERT; verify time per 10,000 entries
M8  argon2id hash verification time (target 50–500 ms)

Run: ``make bench`` or ``.venv/bin/python bench/bench_core.py [--db URL]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time

from sqlalchemy import insert, select

ROUNDS = 5


def _timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def interleaved(a, b, repeat: int) -> tuple[float, float]:
    """Median seconds of A and B, measured A/B/A/B to share the machine's noise."""
    times_a, times_b = [], []
    for _ in range(ROUNDS):
        times_a.append(_timed(a, repeat))
        times_b.append(_timed(b, repeat))
    return statistics.median(times_a), statistics.median(times_b)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="database URL (default: temporary SQLite)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="convergence-bench-")
    os.environ["CONVERGENCE_INSTANCE_PATH"] = workdir
    url = args.db or f"sqlite:///{workdir}/bench.sqlite"

    from federation import create_app, migrate
    from federation.db import db
    from federation.identity.passwords import hash_password, verify_password
    from federation.identity.verification import InvitationCode
    from federation.journal import services as journal
    from federation.journal.models import JournalEntry
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import create_commune

    app = create_app(
        "bench", database_url=url, secret_key="bench-secret-key-0123456789", env="testing"
    )
    rows = []
    with app.app_context():
        migrate.upgrade(app)
        with unscoped():
            ids = [create_commune(f"Commune {i}", f"bench-{i}").id for i in range(20)]
            for commune_id in ids:
                db.session.execute(
                    insert(InvitationCode),
                    [
                        {
                            "commune_id": commune_id,
                            "code_hash": hashlib.sha256(f"{commune_id}-{n}".encode()).hexdigest(),
                        }
                        for n in range(200)
                    ],
                )
            db.session.commit()
        target = ids[7]

        def scoped():
            with commune_scope(target):
                db.session.scalars(select(InvitationCode).limit(50)).all()
            db.session.expunge_all()

        def explicit():
            with unscoped():
                db.session.scalars(
                    select(InvitationCode).where(InvitationCode.commune_id == target).limit(50)
                ).all()
            db.session.expunge_all()

        t_bare, t_scoped = interleaved(explicit, scoped, 200)
        rows.append(
            (
                "M1 scoped list ÷ explicit WHERE (throughput)",
                t_bare / t_scoped,
                "≥ 0.85",
                f"{t_scoped * 1e3:.2f} ms vs {t_bare * 1e3:.2f} ms",
            )
        )

        counter = iter(range(10**9))

        def chained():
            journal.record("bench", "entry", {"n": next(counter)}, commune_id=target)
            db.session.commit()

        def plain():
            n = next(counter)
            db.session.execute(
                insert(JournalEntry).values(
                    chain="bench:plain",
                    seq=n,
                    kind="bench",
                    summary="entry",
                    payload="{}",
                    actor="",
                    recorded_at="2026-01-01T00:00:00Z",
                    prev_hash="0" * 64,
                    entry_hash="0" * 64,
                    commune_id=target,
                )
            )
            db.session.commit()

        t_plain, t_chain = interleaved(plain, chained, 50)
        rows.append(
            (
                "M7 append with hash chain ÷ plain insert (throughput)",
                t_plain / t_chain,
                "≥ 0.8",
                f"{t_chain * 1e3:.2f} ms vs {t_plain * 1e3:.2f} ms",
            )
        )

        with unscoped():
            existing = journal.count(journal.commune_chain(target))
            for n in range(10_000 - existing):
                journal.record("bench", "entry", {"n": n}, commune_id=ids[3])
            db.session.commit()
            start = time.perf_counter()
            [report] = journal.verify(journal.commune_chain(ids[3]))
            elapsed = time.perf_counter() - start
        rows.append(
            (
                "M7 verify time per 10,000 entries (s)",
                elapsed * 10_000 / report.entries,
                "< 1 s",
                f"{report.entries} entries, intact={report.broken is None}",
            )
        )

    stored = hash_password("correct horse battery")
    t_verify = statistics.median(
        _timed(lambda: verify_password(stored, "correct horse battery"), 3) for _ in range(3)
    )
    rows.append(("M8 argon2id verify (ms)", t_verify * 1e3, "50–500 ms", "argon2-cffi defaults"))

    width = max(len(r[0]) for r in rows)
    print(f"database: {url.split('://')[0]}")
    print(f"{'metric'.ljust(width)}  {'value':>8}  {'target':<10}  detail")
    for name, value, target_, detail in rows:
        print(f"{name.ljust(width)}  {value:8.3f}  {target_:<10}  {detail}")


if __name__ == "__main__":
    main()
