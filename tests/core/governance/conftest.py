"""Shared set-up for governance tests: a commune with people in every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Town:
    commune: object
    facilitator: object
    secretary: object
    guarantor: object
    members: list
    base: str

    def token(self, factory, who):
        return factory.token(who.user)


@pytest.fixture
def town(factory):
    commune = factory.commune("plateau-town", "Plateau-Town")
    facilitator = factory.member(commune, "facilitator")
    secretary = factory.member(commune, "secretary")
    guarantor = factory.member(commune, "guarantor")
    members = [factory.member(commune) for _ in range(4)]
    return Town(
        commune, facilitator, secretary, guarantor, members, f"/api/v1/communes/{commune.slug}"
    )
