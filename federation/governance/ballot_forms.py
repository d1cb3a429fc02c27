"""Turning a submitted HTML ballot form into the ballot shape of each voting method."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from federation.governance.voting.base import Option


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


def ballot_from_form(vote: Any, options: list[Option], form: MultiDict) -> Any:
    method = vote.method
    if method == "majority":
        return {"choice": form.get("choice", "")}
    if method in ("consent", "advice"):
        return {"position": form.get("position", "")}
    if method == "approval":
        return {"approve": [_int(v) for v in form.getlist("approve")]}
    if method == "score":
        return {"scores": {str(o.id): _int(form.get(f"score_{o.id}")) or 0 for o in options}}
    if method == "dot":
        return {"points": {str(o.id): _int(form.get(f"points_{o.id}")) or 0 for o in options}}
    if method == "majority_judgment":
        return {"grades": {str(o.id): _int(form.get(f"grade_{o.id}")) for o in options}}
    if method == "schulze":
        ranks: dict[int, list[int]] = {}
        for option in options:
            rank = _int(form.get(f"rank_{option.id}"))
            if rank is not None:
                ranks.setdefault(rank, []).append(option.id)
        return {"ranking": [ranks[r] for r in sorted(ranks)]}
    if method == "stv":
        ranked = sorted(
            (r, o.id) for o in options if (r := _int(form.get(f"rank_{o.id}"))) is not None
        )
        return {"ranking": [option_id for _rank, option_id in ranked]}
    if method == "time_poll":
        return {"availability": {str(o.id): form.get(f"avail_{o.id}", "no") for o in options}}
    return {key: form.get(key) for key in form if key != "csrf_token"}
