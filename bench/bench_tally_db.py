"""Tally 100,000 secret ballots over 10 options from the database, for every voting method.

Issue 4's target: under a second per tally, done in one grouped query plus one pass —
never one query per ballot. Issue 12 item 5: every round builds its state from scratch, the
path production takes (database → tally → stored result): a new session, the vote loaded,
its ballots grouped by one query, the count, the result written and committed. The same for
participatory budgets imported from pabulib files (the tally job's work: the process's rule,
results stored, projects marked, journal entry). Prints a table; run with
``--db postgresql+psycopg://…`` for
PostgreSQL (default: a temporary SQLite file).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time

from sqlalchemy import event, insert

BALLOTS = 100_000
OPTIONS = 10


def random_ballot(method: str, ids: list[int], rng: random.Random) -> dict:
    if method == "majority":
        return {"choice": rng.choice(["yes", "yes", "no", "abstain"])}
    if method == "consent":
        return {"position": rng.choice(["consent", "stand_aside"])}
    if method == "advice":
        return {"position": rng.choice(["agree", "disagree", "abstain"])}
    if method == "approval":
        return {"approve": sorted(rng.sample(ids, rng.randint(1, 4)))}
    if method == "score":
        return {"scores": {str(i): rng.randint(0, 5) for i in ids}}
    if method == "dot":
        points = {str(i): 0 for i in ids}
        for _ in range(10):
            points[str(rng.choice(ids))] += 1
        return {"points": points}
    if method == "majority_judgment":
        return {"grades": {str(i): rng.randint(0, 5) for i in ids}}
    if method == "schulze":
        order = ids[:]
        rng.shuffle(order)
        return {"ranking": [[i] for i in order]}
    if method == "stv":
        order = ids[:]
        rng.shuffle(order)
        return {"ranking": order[: rng.randint(1, len(order))]}
    if method == "time_poll":
        return {"availability": {str(i): rng.choice(["yes", "maybe", "no"]) for i in ids}}
    raise ValueError(method)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--ballots", type=int, default=BALLOTS)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="convergence-bench-")
    os.environ["CONVERGENCE_INSTANCE_PATH"] = workdir
    url = args.db or f"sqlite:///{workdir}/bench.sqlite"

    from federation import create_app, migrate
    from federation.db import db
    from federation.governance import votes
    from federation.governance.models import SecretBallot, Vote
    from federation.tenancy.context import commune_scope, unscoped
    from federation.tenancy.services import create_commune

    app = create_app(
        "bench", database_url=url, secret_key="bench-secret-key-0123456789", env="testing"
    )
    rng = random.Random(2026)
    rows = []
    with app.app_context():
        migrate.upgrade(app)
        with unscoped():
            commune_id = create_commune("Bench", "bench-tally").id
            db.session.commit()
        methods = sorted(votes.methods())
        for method in methods:
            with commune_scope(commune_id):
                from federation.governance.bodies import assembly
                from federation.tenancy.models import Commune

                body = assembly(db.session.get(Commune, commune_id))
                settings = {"seats": 3} if method == "stv" else {}
                vote = votes.create_vote(
                    body,
                    f"bench {method}",
                    method,
                    secret=True,
                    options=[f"option {n}" for n in range(OPTIONS)],
                    settings=settings,
                )
                vote.status, vote.eligible_count = "closed", args.ballots
                ids = [o.id for o in votes.options_of(vote)]
                method_impl = votes.methods()[method]
                options = votes.options_of(vote)
                batch = []
                for n in range(args.ballots):
                    ballot = method_impl.validate_ballot(
                        random_ballot(method, ids, rng), options, vote.settings
                    )
                    batch.append(
                        {
                            "receipt": f"{methods.index(method):02d}{n:030d}",
                            "vote_id": vote.id,
                            "commune_id": commune_id,
                            "content": votes.canonical(ballot),
                        }
                    )
                db.session.execute(insert(SecretBallot), batch)
                db.session.commit()
                vote_id = vote.id
            queries: list[str] = []

            def listener(*args, _queries=queries):
                _queries.append(args[2])

            event.listen(db.engine, "before_cursor_execute", listener)
            timings = []
            for _ in range(3):
                # fresh state each round: a new session, nothing cached from the last round;
                # measured: load the vote, one grouped query, the count, the stored result
                db.session.remove()
                queries.clear()
                with commune_scope(commune_id):
                    start = time.perf_counter()
                    vote = db.session.get(Vote, vote_id)
                    result = votes.compute_result(vote)
                    vote.result = result
                    db.session.commit()
                    timings.append(time.perf_counter() - start)
                    vote.result = None  # not timed: the next round counts again
                    db.session.commit()
                db.session.remove()
            event.remove(db.engine, "before_cursor_execute", listener)
            with commune_scope(commune_id):
                grouped = votes.grouped_ballots(db.session.get(Vote, vote_id))
            rows.append(
                (
                    method,
                    len(grouped),
                    statistics.median(timings) * 1000,
                    len(queries),
                    result["ballots"],
                )
            )
    print(f"database: {url.split('://')[0]}, {args.ballots:,} secret ballots, {OPTIONS} options")
    print("tally ms = load + grouped query + count + store + commit, fresh session, median of 3")
    print(f"{'method':<18} {'distinct':>9} {'tally ms':>9} {'queries':>8} {'counted':>9}")
    for method, distinct, ms, count, counted in rows:
        flag = "" if ms < 1000 else "  (over 1 s)"
        print(f"{method:<18} {distinct:>9,} {ms:>9.1f} {count:>8} {counted:>9,}{flag}")
    print(json.dumps({"max_ms": max(r[2] for r in rows)}))
    with app.app_context():
        budget_rows(commune_id)


PB_FILES = (
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Warszawa_2023_Mokotow.pb",
)


def budget_rows(commune_id: int) -> None:
    """Participatory budgets: each file imported once; each round, from a new session, the
    tally job's work (ballots → the process's rule → result stored, projects marked,
    journal entry, commit)."""
    from pathlib import Path

    from federation.db import db
    from federation.plugins.services import enable_plugin
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune

    data = Path(
        os.environ.get("CONVERGENCE_PB_DATA")
        or Path(__file__).resolve().parents[2] / "shared" / "data" / "pb"
    )
    files = [data / name for name in PB_FILES if (data / name).is_file()]
    if not files:
        print(f"pabulib data not found in {data}: no participatory-budget rows")
        return
    from convergence_budget import participatory as pb

    with commune_scope(commune_id):
        enable_plugin(db.session.get(Commune, commune_id), "budget")
        db.session.commit()
    print("\nparticipatory budgets: load + grouped query + rule + store + commit, fresh session")
    print(f"{'file':40} {'rule':10} {'ballots':>8} {'median s':>9} {'min-max s':>14}")
    for path in files:
        with commune_scope(commune_id):
            process_id = pb.import_pb(path.read_bytes(), actor="bench").id
            db.session.commit()  # the import's own tally runs here (inline job)
        timings = []
        for _ in range(3):
            db.session.remove()
            with commune_scope(commune_id):
                start = time.perf_counter()
                process = pb.get_process(process_id)
                rule = process.rule
                result = pb.tally(process)
                pb.publish(process, result, "bench")
                db.session.commit()
                timings.append(time.perf_counter() - start)
            db.session.remove()
        print(
            f"{path.name[:40]:40} {rule:10} {result['ballots']:>8} "
            f"{statistics.median(timings):>9.2f} {min(timings):>6.2f}-{max(timings):<7.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
