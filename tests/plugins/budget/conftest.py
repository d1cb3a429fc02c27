"""Shared set-up for the budget plugin's tests: a commune with the plugin on, people in
every role, and the real pabulib files (``CONVERGENCE_PB_DATA`` or ../shared/data/pb)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_PB_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "pb"


def pb_data_dir() -> Path:
    return Path(os.environ.get("CONVERGENCE_PB_DATA") or DEFAULT_PB_DATA)


def pb_file(name: str) -> Path:
    path = pb_data_dir() / name
    if not path.is_file():
        pytest.skip(f"pabulib data not found: {path} (set CONVERGENCE_PB_DATA to the folder)")
    return path


@dataclass
class Town:
    commune: object
    agent: object
    elected: object
    facilitator: object
    admin: object
    members: list
    base: str
    web: str


@pytest.fixture
def town(factory):
    commune = factory.commune("plateau-budget", "Plateau-Budget")
    factory.enable(commune, "budget")
    return Town(
        commune=commune,
        agent=factory.member(commune, "agent"),
        elected=factory.member(commune, "elected"),
        facilitator=factory.member(commune, "facilitator"),
        admin=factory.member(commune, "admin"),
        members=[factory.member(commune) for _ in range(4)],
        base=f"/api/v1/communes/{commune.slug}/budget",
        web=f"/c/{commune.slug}/budget",
    )
