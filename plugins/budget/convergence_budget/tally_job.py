"""The tally of a participatory budget, as a background job (``federation.jobs``).

Enqueued by the close of the vote (:func:`convergence_budget.participatory.advance`), it
runs after that transaction commits, in the process's commune scope: it counts the
ballots under the process's rule, reports its progress (the share of the budget the
current outcome spends, in thousandths, while MES raises the shares), stores the result,
marks the funded projects and journals them, all in the job's transaction.
"""

from __future__ import annotations

from typing import Any

from federation.jobs import JobFailed, report_progress

from . import participatory as pb


def run_tally(process_id: int, actor: str = "convergence") -> dict[str, Any]:
    process = pb.get_process(process_id)
    if process.phase not in ("results", "follow_up"):
        raise JobFailed("budget.vote_open", process=process_id)
    if pb.results_ready(process):  # already counted (a job run twice): nothing to redo
        return {"process": process_id, "selected": len(process.result["selected"])}
    result = pb.tally(process, progress=report_progress)
    pb.publish(process, result, actor)
    report_progress(1, 1)
    return {
        "process": process_id,
        "selected": len(result["selected"]),
        "truncated": result["truncated"],
    }
