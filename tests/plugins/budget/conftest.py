"""Shared set-up for the budget plugin's tests: a commune with the plugin on, people in
every role, and the real pabulib files (``CONVERGENCE_PB_DATA`` or ../shared/data/pb)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

DEFAULT_PB_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "pb"


#: the shared pabulib files (../shared/data/pb) the tests read and compare
FILES = [
    "France_Toulouse_2019.pb",
    "France_Toulouse_2022.pb",
    "Hungary_Budapest_2024.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2024_Srodmiescie.pb",
    "Poland_Gdynia_2023_Obluze__small.pb",
    "Poland_Katowice_2023_Srodmiescie.pb",
    "Poland_Krakow_2023_Grzegorzki.pb",
    "Poland_Lodz_2023_Zdrowie-Mania.pb",
    "Poland_Poznan_2025_3_-_Piatkowo_Polnoc_Piatkowo__large.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2023_Mokotow.pb",
    "Poland_Warszawa_2023_Ochota.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
]


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
