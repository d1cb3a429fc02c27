"""The reference the budget tests compare with: pabutools' MES with add1 completion then
greedy, composed the way pabutools composes rules (one place for every test)."""

from __future__ import annotations

from typing import Any


def mes_add1_then_greedy(
    instance: Any, profile: Any, sat: Any, tie: Any, budget_step: Any, exhaustive_stop: bool = True
) -> Any:
    """pabutools' ``exhaustion_by_budget_increase`` of MES (the total budget raised by
    ``budget_step`` per run), then ``greedy_utilitarian_welfare``."""
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    return completion_by_rule_combination(
        instance,
        profile,
        [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [
            {
                "rule": method_of_equal_shares,
                "rule_params": {"sat_class": sat, "tie_breaking": tie},
                "budget_step": budget_step,
                "exhaustive_stop": exhaustive_stop,
            },
            {"sat_class": sat, "tie_breaking": tie},
        ],
    )
