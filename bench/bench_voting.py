"""Voting-method tally benchmark: 100,000 random ballots over 10 options, for every method.

For each method the ballots are generated (seeded), validated into their canonical form and
grouped by their JSON text exactly as the database does (``GROUP BY`` the ballot), then
parsed back from JSON; the timed part is ``method.tally(pairs, options, settings)`` alone
(median of 3). Where ``pref_voting`` implements the same rule, the reference is timed on the
same grouped profile — building its profile object from the groups *and* running the method,
since that is its equivalent of our tally — and the ratio reference ÷ ours is printed, with a
check that both choose the same winners.

Run: ``.venv/bin/python bench/bench_voting.py [--ballots N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from federation.governance.voting import Option, VotingMethod, method_by_name

OPTIONS = [Option(101 + k, f"Option {k + 1}") for k in range(10)]
IDS = [o.id for o in OPTIONS]
SETTINGS: dict[str, dict] = {"stv": {"seats": 3}, "majority": {"threshold": "2/3"}}
REFERENCE_REPEAT_LIMIT = 2.0  # seconds: slower references are timed once, not three times


# -- random raw ballots, as a form or the API would send them ---------------------------------


def raw_ballots(name: str, rng: np.random.Generator, n: int) -> list[Any]:
    m = len(IDS)
    if name == "majority":
        return [{"choice": c} for c in rng.choice(["yes", "no", "abstain"], n).tolist()]
    if name == "consent":
        words = ["consent", "stand_aside", "object"]
        return [{"position": c} for c in rng.choice(words, n, p=[0.7, 0.29, 0.01]).tolist()]
    if name == "advice":
        return [{"position": c} for c in rng.choice(["agree", "disagree", "abstain"], n).tolist()]
    if name == "approval":
        mask = rng.random((n, m)) < 0.3
        return [{"approve": [IDS[j] for j in np.flatnonzero(row)]} for row in mask]
    if name == "score":
        grid = rng.integers(0, 6, (n, m)).tolist()
        return [{"scores": dict(zip(IDS, row, strict=True))} for row in grid]
    if name == "dot":
        grid = rng.multinomial(10, [1 / m] * m, n).tolist()
        return [{"points": {i: v for i, v in zip(IDS, row, strict=True) if v}} for row in grid]
    if name == "majority_judgment":
        # Options of unequal quality, so medians and tie-breaks both matter.
        bias = np.linspace(-0.8, 0.8, m)
        grid = np.clip(np.rint(rng.normal(2.5 + bias, 1.4, (n, m))), 0, 5).astype(int).tolist()
        return [{"grades": dict(zip(IDS, row, strict=True))} for row in grid]
    if name == "schulze":
        perms = rng.permuted(np.tile(np.arange(m), (n, 1)), axis=1).tolist()
        return [{"ranking": [[IDS[j]] for j in perm]} for perm in perms]
    if name == "stv":
        perms = rng.permuted(np.tile(np.arange(m), (n, 1)), axis=1).tolist()
        lengths = rng.integers(1, m + 1, n).tolist()
        return [
            {"ranking": [IDS[j] for j in perm[:k]]} for perm, k in zip(perms, lengths, strict=True)
        ]
    if name == "time_poll":
        words = np.array(["yes", "maybe", "no"])
        grid = words[rng.integers(0, 3, (n, m))].tolist()
        return [{"availability": dict(zip(IDS, row, strict=True))} for row in grid]
    raise KeyError(name)


def grouped(method: VotingMethod, raw: list[Any], settings: dict) -> list[tuple[Any, int]]:
    """Validate and group like the database: (json.loads(ballot text), count) pairs."""
    texts = Counter(json.dumps(b, sort_keys=True, separators=(",", ":")) for b in raw)
    canonical: Counter[str] = Counter()
    for text, count in texts.items():
        ballot = method.validate_ballot(json.loads(text), OPTIONS, settings)
        canonical[json.dumps(ballot, sort_keys=True, separators=(",", ":"))] += count
    return [(json.loads(text), count) for text, count in canonical.items()]


# -- the pref_voting equivalents ------------------------------------------------------------------


def reference_for(name: str, settings: dict) -> Callable[[list[tuple[Any, int]]], list] | None:
    try:
        import pref_voting  # noqa: F401
    except ImportError:
        return None
    from pref_voting.grade_methods import majority_judgement, score_voting
    from pref_voting.grade_profiles import GradeProfile

    def grade_profile(pairs, key, grades, fill=None):
        maps = []
        for ballot, _ in pairs:
            given = {int(k): v for k, v in ballot[key].items()}
            if fill is not None:
                given = {i: given.get(i, fill) for i in IDS}
            maps.append(given)
        return GradeProfile(maps, grades, gcounts=[c for _, c in pairs], candidates=IDS)

    if name == "schulze":
        from pref_voting.margin_based_methods import beat_path
        from pref_voting.profiles import Profile

        index = {c: k for k, c in enumerate(IDS)}  # Profile numbers candidates 0..n-1

        def schulze(pairs):
            rankings = [[index[group[0]] for group in ballot["ranking"]] for ballot, _ in pairs]
            profile = Profile(rankings, rcounts=[c for _, c in pairs])
            return [IDS[k] for k in beat_path(profile)]

        return schulze
    if name == "approval":
        from pref_voting.grade_methods import approval

        def approve(pairs):
            maps = [dict.fromkeys(ballot["approve"], 1) for ballot, _ in pairs]
            profile = GradeProfile(maps, [0, 1], gcounts=[c for _, c in pairs], candidates=IDS)
            return approval(profile)

        return approve
    if name == "score":
        return lambda pairs: score_voting(grade_profile(pairs, "scores", list(range(6))))
    if name == "dot":
        return lambda pairs: score_voting(grade_profile(pairs, "points", list(range(11)), fill=0))
    if name == "majority_judgment":
        return lambda pairs: majority_judgement(grade_profile(pairs, "grades", list(range(6))))
    if name == "stv":
        from pref_voting.profiles_with_ties import ProfileWithTies
        from pref_voting.proportional_methods import stv_wig

        def stv(pairs):
            rankings = [{c: r for r, c in enumerate(ballot["ranking"])} for ballot, _ in pairs]
            profile = ProfileWithTies(rankings, rcounts=[c for _, c in pairs], candidates=IDS)
            return stv_wig(profile, num_seats=settings["seats"], quota_rule="droop")

        return stv
    return None


# -- timing --------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--no-reference", action="store_true", help="skip pref_voting")
    args = parser.parse_args()

    names = [
        "majority",
        "consent",
        "advice",
        "approval",
        "score",
        "dot",
        "majority_judgment",
        "schulze",
        "stv",
        "time_poll",
    ]
    have_reference = not args.no_reference and reference_for("schulze", {}) is not None
    print(f"{args.ballots:,} ballots over {len(OPTIONS)} options, seed {args.seed}")
    if not have_reference:
        print("pref_voting is not installed (or --no-reference): no reference times.")
    header = (
        f"{'method':<18} | {'distinct ballots':>16} | {'our time (ms)':>13} | "
        f"{'reference time (ms)':>19} | {'ratio ref/ours':>14} | same winners"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for offset, name in enumerate(names):
        method = method_by_name(name)
        settings = method.validate_settings(SETTINGS.get(name, {}), OPTIONS)
        rng = np.random.default_rng(args.seed + offset)
        pairs = grouped(method, raw_ballots(name, rng, args.ballots), settings)
        ours, result = timed(lambda: method.tally(pairs, OPTIONS, settings), 3)  # noqa: B023
        worst = max(worst, ours)
        ref_ms = ratio = same = ""
        reference = reference_for(name, settings) if have_reference else None
        if reference is not None:
            once, ref_result = timed(lambda: reference(pairs), 1)  # noqa: B023
            ref_time = once
            if once < REFERENCE_REPEAT_LIMIT:
                ref_time, ref_result = timed(lambda: reference(pairs), 3)  # noqa: B023
            ref_ms = f"{ref_time * 1000:.1f}"
            ratio = f"{ref_time / ours:.1f}×"
            same = "yes" if sorted(ref_result) == sorted(result.winners) else "NO"
        print(
            f"{name:<18} | {len(pairs):>16,} | {ours * 1000:>13.1f} | {ref_ms:>19} | "
            f"{ratio:>14} | {same}"
        )
    print(f"slowest tally: {worst * 1000:.1f} ms (target: well under 1,000 ms)")


if __name__ == "__main__":
    main()
