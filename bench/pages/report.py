"""The table: per page and visitor, both sides' throughput and the ratio, and worker RSS."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from pages.capture import Capture
from pages.load import LoadResult


@dataclass
class Cell:
    capture: Capture
    label: str
    variant: str
    ours: list[LoadResult] = field(default_factory=list)
    bare: list[LoadResult] = field(default_factory=list)


def _count(capture: Capture) -> str:
    return f"{len(capture.statements)}/{len(capture.steady_statements)}"


#: issue 12 item 2: anonymous public pages ≥ 1.0× the limit, signed-in pages ≥ 0.5×,
#: worker RSS ≤ 1.5× the bare app's
TARGETS = {"anon": 1.0, "signed": 0.5}
RSS_TARGET = 1.5


def report(title: str, cells: list[Cell], rss: tuple[list[float], list[float]]) -> None:
    print(f"\n== {title}")
    header = (
        f"{'page':<19} {'visitor':<7} {'SQL c/w':>7} {'ours req/s':>10} {'bare req/s':>10} "
        f"{'ours÷bare median [min–max]':>27} {'target':>10} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for cell in cells:
        ratios = [o.rate / b.rate for o, b in zip(cell.ours, cell.bare, strict=True) if b.rate]
        errors = sum(r.errors for r in cell.ours + cell.bare)
        ours_rate = statistics.median(r.rate for r in cell.ours)
        bare_rate = statistics.median(r.rate for r in cell.bare)
        spread, verdict = "n/a", ""
        if ratios:
            median = statistics.median(ratios)
            spread = f"{median:.2f} [{min(ratios):.2f}–{max(ratios):.2f}]"
            goal = TARGETS[cell.variant]
            verdict = f"≥{goal:.1f} {'yes' if median >= goal else 'NO'}"
        print(
            f"{cell.label:<19} {cell.variant:<7} {_count(cell.capture):>7} {ours_rate:>10.1f} "
            f"{bare_rate:>10.1f} {spread:>27} {verdict:>10} {errors:>6}"
        )
    ours_rss, bare_rss = rss
    if ours_rss and bare_rss:
        o, b = statistics.mean(ours_rss), statistics.mean(bare_rss)
        verdict = "yes" if o / b <= RSS_TARGET else "NO"
        print(
            f"worker RSS after the rounds: ours {o:.0f} MB, bare {b:.0f} MB per worker: "
            f"ours÷bare {o / b:.2f} (target ≤{RSS_TARGET}: {verdict}; workers: ours "
            f"{', '.join(f'{x:.0f}' for x in ours_rss)}, bare "
            f"{', '.join(f'{x:.0f}' for x in bare_rss)})"
        )
