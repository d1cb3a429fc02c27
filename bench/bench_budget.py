"""Participatory-budget rules on the real pabulib files: ours against ``pabutools``, side by
side, in one run, state built from scratch in every round.

What one measured call includes, on both sides: reading the ``.pb`` file, building the
election (ours: grouped ballots; pabutools: instance and profile) and running the rule.
Nothing is kept between rounds: each call runs in a process forked for it, from a parent
that has only imported the two libraries (so neither side pays its imports, and no parsed
file, election, score or MES structure is reused). Rounds alternate ours / theirs
(interleaved); the table gives the median and the min–max of each side and the ratio of the
medians. Outcomes are compared project by project (same order).

Rules:

* **greedy**: by total weight, skipping what does not fit (pabutools
  ``greedy_utilitarian_welfare``);
* **MES+add1**: the Method of Equal Shares, shares raised by one currency unit per voter
  from the equal share until the outcome would exceed the budget or is exhaustive, then
  greedy (pabutools ``completion_by_rule_combination`` of ``exhaustion_by_budget_increase``
  with ``budget_step`` = one unit per voter, then greedy).

Same utilities (ballot weight × cost: approval 1, points, Kraków ranks 3/2/1) and the same
tie-breaking on both sides. pabutools' calls are stopped after ``--limit`` seconds: the row
then says ``>limit`` and the ratio is a lower bound. Targets (issue 12): ≥ 50× on both
rules, Budapest 2024 MES+add1 < 10 s, Mokotów < 2 s.

Run: ``.venv/bin/python bench/bench_budget.py [--rounds 3] [--limit 120] [--files N]
[--only NAME,NAME] [--rules greedy,MES+add1]``. Each side is timed in wall and in CPU time
(the forked child's process time): on a machine shared with other load, CPU time is the
steadier measure; the table gives both.
Files come from ``CONVERGENCE_PB_DATA`` or ../shared/data/pb; pabutools is in the budget
plugin's ``bench`` extra (``pip install -e 'plugins/budget[bench]'``).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("CONVERGENCE_PB_DATA") or ROOT.parent / "shared" / "data" / "pb")
RULES = ("greedy", "MES+add1")


# --- the two sides (each runs in a fresh forked process) ----------------------------------


def ours(path: str, rule: str) -> tuple[float, float, list[str]]:
    from convergence_budget import pabulib, rules

    started, cpu = time.perf_counter(), time.process_time()
    election = pabulib.parse(Path(path).read_bytes()).election()
    if rule == "greedy":
        outcome = rules.greedy(election)
    else:
        outcome = rules.mes_add1(election, integral=False)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if outcome.truncated:
        raise RuntimeError("our completion was truncated")
    return elapsed, cpu, list(outcome.selected)


def theirs(path: str, rule: str, tie_key: dict, top: int) -> tuple[float, float, list[str]]:
    from pabutools.election import AdditiveSatisfaction, Cost_Sat, parse_pabulib
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )
    from pabutools.tiebreaking import TieBreakingRule

    started, cpu = time.perf_counter(), time.process_time()
    instance, profile = parse_pabulib(path)
    kind = instance.meta["vote_type"]
    if kind in ("approval", "choose-1"):
        sat = Cost_Sat
    else:

        def weight(ballot, project):
            if kind == "ordinal":
                return top - ballot.index(project) if project in ballot else 0
            return ballot.get(project, 0)

        class WeightTimesCost(AdditiveSatisfaction):
            def __init__(self, inst, prof, ballot):
                super().__init__(
                    inst, prof, ballot, lambda i, p, b, proj, pre: weight(b, proj) * proj.cost
                )

        sat = WeightTimesCost
    tie = TieBreakingRule(lambda inst, prof, proj: tie_key[proj.name])
    if rule == "greedy":
        result = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie)
    else:
        multi = profile.as_multiprofile() if hasattr(profile, "as_multiprofile") else profile
        result = completion_by_rule_combination(
            instance,
            multi,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": {"sat_class": sat, "tie_breaking": tie},
                    "budget_step": profile.num_ballots(),
                },
                {"sat_class": sat, "tie_breaking": tie},
            ],
        )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, cpu, [p.name for p in result]


def _child(connection, function, args, cpu_limit) -> None:
    if cpu_limit:  # the kernel stops the child (SIGXCPU) past this much CPU time
        seconds = max(1, math.ceil(cpu_limit))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    try:
        connection.send(("ok", function(*args)))
    except BaseException as exc:
        connection.send(("error", repr(exc)))
    finally:
        connection.close()


def fresh(
    function, args: tuple, limit: float, cpu_limit: float = 0
) -> tuple[float, float, list[str]] | None:
    """``function(*args)`` in a process of its own; None when it ran past ``limit`` s of
    wall time or ``cpu_limit`` s of CPU time."""
    context = mp.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, function, args, cpu_limit))
    process.start()
    child.close()
    if not parent.poll(limit):
        process.kill()
        process.join()
        return None
    try:
        status, value = parent.recv()
    except EOFError:  # stopped at its CPU limit
        process.join()
        return None
    process.join()
    if status != "ok":
        raise RuntimeError(f"{function.__name__}{args[:2]}: {value}")
    return value


# --- the table --------------------------------------------------------------------------------


def spread(times: list[float]) -> str:
    if not times:
        return "-"
    return f"{statistics.median(times):.3f} [{min(times):.3f}-{max(times):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=float, default=120.0, help="pabutools, s per call")
    parser.add_argument("--files", type=int, default=0, help="only the N smallest files")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--only", default="", help="files whose name contains one of (a,b)")
    parser.add_argument(
        "--cpu-limit",
        action="store_true",
        help="stop pabutools after --limit s of CPU time (not wall time): on a loaded machine",
    )
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"pabulib data not found in {DATA}: set CONVERGENCE_PB_DATA")
        return
    try:
        import pabutools
    except ImportError:
        print("pabutools is not installed: pip install -e 'plugins/budget[bench]'")
        return
    import pabutools.rules  # noqa: F401 - imported once, before the forks
    from convergence_budget import mes, pabulib, rules  # noqa: F401

    files = sorted(DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    if args.files:
        files = files[: args.files]
    if args.only:
        files = [f for f in files if any(part in f.name for part in args.only.split(","))]
    chosen = [r for r in args.rules.split(",") if r in RULES]
    print(
        f"exact arithmetic: {rules.EXACT}; {args.rounds} interleaved rounds per row, fresh "
        f"state per call (parse + election + rule, forked process); pabutools stopped after "
        f"{args.limit:.0f} s of {'CPU' if args.cpu_limit else 'wall'} time. Wall: "
        f"perf_counter; CPU: the child's process time "
        f"(what the machine's other load does not inflate as much)"
    )
    header = (
        f"{'file':40} {'rule':9} {'ours wall s med [min-max]':>26} "
        f"{'pabutools wall s med [min-max]':>30} {'ratio':>8} "
        f"{'ours CPU s':>10} {'pabu CPU s':>10} {'CPU ratio':>9} same"
    )
    print(header)
    print("-" * len(header))
    summary: dict[str, list[tuple[str, float, float, bool]]] = {r: [] for r in chosen}
    ours_median: dict[tuple[str, str], tuple[float, float]] = {}
    for path in files:
        parsed = pabulib.parse(path.read_bytes())
        election = parsed.election()
        tie_key = {p: (election.costs[p], -election.scores[p], p) for p in election.costs}
        supported = {p for p in election.costs if election.supporters[p]}
        for rule in chosen:
            mine: list[float] = []
            mine_cpu: list[float] = []
            other: list[float] = []
            other_cpu: list[float] = []
            same = True
            gave_up = False
            for _round in range(args.rounds):
                elapsed, cpu, selected = fresh(ours, (str(path), rule), 3600)
                mine.append(elapsed)
                mine_cpu.append(cpu)
                if gave_up:
                    continue
                found = fresh(
                    theirs,
                    (str(path), rule, tie_key, parsed.max_length()),
                    args.limit if not args.cpu_limit else 20 * args.limit,
                    args.limit if args.cpu_limit else 0,
                )
                if found is None:
                    gave_up = True  # no use waiting again: one try per row
                    continue
                other.append(found[0])
                other_cpu.append(found[1])
                reference = [p for p in found[2] if p in supported]
                same = same and selected == reference
            ours_median[(path.name, rule)] = (
                statistics.median(mine),
                statistics.median(mine_cpu),
            )
            cpu_text = f"{statistics.median(mine_cpu):10.3f}"
            if other:
                ratio = statistics.median(other) / statistics.median(mine)
                cpu_ratio = statistics.median(other_cpu) / statistics.median(mine_cpu)
                ratio_text = f"{ratio:7.0f}×"
                theirs_text = spread(other)
                theirs_cpu = f"{statistics.median(other_cpu):10.3f}"
                cpu_ratio_text = f"{cpu_ratio:8.0f}×"
            else:
                ratio = args.limit / statistics.median(mine)
                cpu_ratio = args.limit / statistics.median(mine_cpu)
                ratio_text = f">{ratio:6.0f}×"
                theirs_text = f">{args.limit:.0f} (stopped)"
                theirs_cpu = f"{'-':>10}"
                cpu_ratio_text = f"{'-':>9}"
                if args.cpu_limit:  # the lower bound is in CPU time
                    cpu_ratio = args.limit / statistics.median(mine_cpu)
                    theirs_cpu = f"{'>' + format(args.limit, '.0f'):>10}"
                    cpu_ratio_text = f">{cpu_ratio:7.0f}×"
            verdict = ("yes" if same else "NO") if other else "n/a"
            low_cpu = cpu_ratio if other or args.cpu_limit else 0.0
            summary[rule].append((path.name, ratio, low_cpu, same or not other))
            print(
                f"{path.name[:40]:40} {rule:9} {spread(mine):>26} {theirs_text:>30} "
                f"{ratio_text:>8} {cpu_text} {theirs_cpu} {cpu_ratio_text} {verdict}",
                flush=True,
            )
    print()
    for rule, rows in summary.items():
        if not rows:
            continue
        low = min(rows, key=lambda row: row[1])
        measured = [row for row in rows if row[2]]
        low_cpu = min(measured, key=lambda row: row[2]) if measured else None
        cpu_text = (
            f"; in CPU time, smallest {low_cpu[2]:.0f}× ({low_cpu[0]}): "
            f"{'met' if low_cpu[2] >= 50 else 'NOT met'}"
            if low_cpu
            else ""
        )
        print(
            f"{rule}: smallest wall ratio {low[1]:.0f}× ({low[0]}), target ≥ 50×: "
            f"{'met' if low[1] >= 50 else 'NOT met'}{cpu_text}; identical outcomes wherever "
            f"pabutools finished: {all(row[3] for row in rows)}"
        )
    for name, target in (
        ("Hungary_Budapest_2024.pb", 10.0),
        ("Poland_Warszawa_2023_Mokotow.pb", 2.0),
    ):
        took = ours_median.get((name, "MES+add1"))
        if took is not None:
            wall, cpu = took
            verdict = "met" if wall < target else f"NOT met ({wall / target:.1f}× over)"
            cpu_verdict = "met" if cpu < target else f"NOT met ({cpu / target:.1f}× over)"
            print(
                f"{name} MES+add1 fresh: wall {wall:.2f} s ({verdict}), CPU {cpu:.2f} s "
                f"({cpu_verdict}); target < {target:.0f} s"
            )


if __name__ == "__main__":
    sys.exit(main())
