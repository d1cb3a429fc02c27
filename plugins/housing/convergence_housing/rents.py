"""Declared rents, anonymous (area, rooms, surface, rent), and the rents observatory by
area and size: cells with fewer than ``SMALL_COUNT`` declarations are not shown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from convergence_housing.constants import SMALL_COUNT
from convergence_housing.models import RentDeclaration
from convergence_housing.services import require_member
from federation.db import db
from federation.validation import integer_field, money, text_field


@dataclass(frozen=True)
class Cell:
    area: str
    size: str
    count: int
    per_m2: Decimal | None  # None: suppressed (too few declarations)


def size_band(rooms: int) -> str:
    return "T1" if rooms <= 1 else "T2" if rooms == 2 else "T3" if rooms == 3 else "T4+"


def declare(data: dict[str, Any], user: Any) -> RentDeclaration:
    require_member(user)
    row = RentDeclaration(
        area=text_field(data.get("area"), "area", 100, required=True),
        rooms=integer_field(data.get("rooms"), "rooms", 1, 20, required=True),
        surface=integer_field(data.get("surface"), "surface", 5, 1000, required=True),
        rent=money(data.get("rent"), "rent"),
    )
    db.session.add(row)
    db.session.flush()
    return row


def observatory() -> list[Cell]:
    """One query: every area × rooms, then grouped by size band here."""
    rows = db.session.execute(
        select(
            RentDeclaration.area,
            RentDeclaration.rooms,
            func.count(),
            func.sum(RentDeclaration.rent),
            func.sum(RentDeclaration.surface),
        ).group_by(RentDeclaration.area, RentDeclaration.rooms)
    ).all()
    cells: dict[tuple[str, str], list] = {}
    for area, rooms, count, rent, surface in rows:
        cell = cells.setdefault((area, size_band(rooms)), [0, Decimal("0"), 0])
        cell[0] += count
        cell[1] += Decimal(rent)
        cell[2] += int(surface)
    out = []
    for (area, size), (count, rent, surface) in sorted(cells.items()):
        shown = count >= SMALL_COUNT and surface > 0
        out.append(
            Cell(
                area,
                size,
                count if shown else 0,
                (rent / surface).quantize(Decimal("0.01")) if shown else None,
            )
        )
    return out
