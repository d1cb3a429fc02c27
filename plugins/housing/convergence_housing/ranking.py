"""The points grid applied to requests for one dwelling: pure functions, no database.

Each request gets one explanation line per criterion — ``(criterion, value, points)`` —
and its points are the sum of its lines. **Tie rule** (documented, tested): equal points
→ the higher urgency first → the older request (earlier submission date) first → the
smaller request number first. The order is therefore total and reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from convergence_housing.constants import CRITERIA

TIE_RULE = ("points desc", "urgency desc", "submitted_on asc", "id asc")


@dataclass(frozen=True)
class Candidate:
    id: int
    people: int
    rooms_needed: int
    urgency: int
    accessibility: bool
    submitted_on: date
    communes: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    rooms: int
    accessible: bool
    commune_slug: str


def months_between(start: date, end: date) -> int:
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def explain(
    candidate: Candidate, place: Place, grid: dict[str, int], today: date
) -> list[tuple[str, int, int]]:
    """One line per criterion of the grid: (criterion, the request's value, points)."""
    values = {
        "urgency": candidate.urgency,
        "person": candidate.people,
        "month_waited": months_between(candidate.submitted_on, today),
        "accessibility": int(candidate.accessibility and place.accessible),
        "fit": int(place.rooms == candidate.rooms_needed),
        "local": int(not candidate.communes or candidate.communes[0] == place.commune_slug),
    }
    return [(name, values[name], values[name] * int(grid.get(name, 0))) for name in CRITERIA]


def sort_key(entry: dict[str, Any]) -> tuple:
    return (-entry["points"], -entry["urgency"], entry["submitted_on"], entry["request"])


def rank(
    candidates: list[Candidate], place: Place, grid: dict[str, int], today: date
) -> list[dict[str, Any]]:
    """Every candidate with its lines and points, in the grid's order (tie rule above)."""
    entries = []
    for c in candidates:
        lines = explain(c, place, grid, today)
        entries.append(
            {
                "request": c.id,
                "points": sum(points for _name, _value, points in lines),
                "lines": [list(line) for line in lines],
                "urgency": c.urgency,
                "submitted_on": c.submitted_on.isoformat(),
            }
        )
    entries.sort(key=sort_key)
    for position, entry in enumerate(entries, start=1):
        entry["rank"] = position
    return entries
