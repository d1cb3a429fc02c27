"""A commune with the housing plugin on, its housing circle, members and an outsider."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any

import pytest

from federation.db import db

SECRET_OWNER = "Honorine Secretowner"
SECRET_HOUSEHOLD = "Famille Secrethousehold"
SECRET_NEED = "besoin-tres-confidentiel"


def pdf_text(document: bytes) -> str:
    """The text drawn by a PDF's content streams (deflated or not)."""
    out = []
    for chunk in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            out.append(zlib.decompress(chunk).decode("latin-1"))
        except zlib.error:
            out.append(chunk.decode("latin-1"))
    return "".join(out)


def response_text(response: Any) -> str:
    """A page's text, or the text of a PDF (letters), for searching personal data."""
    if response.mimetype == "application/pdf":
        return pdf_text(response.data)
    return response.get_data(as_text=True)


@dataclass
class HousingTown:
    commune: Any
    facilitator: Any
    circle_member: Any
    members: list
    outsider: Any
    circle_id: int = 0

    @property
    def base(self) -> str:
        return f"/c/{self.commune.slug}/housing"

    @property
    def api(self) -> str:
        return f"/api/v1/communes/{self.commune.slug}/housing"


def user(ref: Any) -> Any:
    from federation.identity.models import User

    return db.session.get(User, ref.user.id)


def make_town(
    factory, in_commune, slug: str = "bourg-vacant", name: str = "Bourg-Vacant"
) -> HousingTown:
    from federation.governance import bodies
    from federation.tenancy.models import Commune

    commune = factory.commune(slug, name)
    factory.enable(commune, "housing")
    town = HousingTown(
        commune=commune,
        facilitator=factory.member(commune, "facilitator"),
        circle_member=factory.member(commune),
        members=[factory.member(commune) for _ in range(3)],
        outsider=factory.member(factory.commune(f"{slug}-voisine"), "admin"),
    )
    with in_commune(commune):
        bodies.assembly(db.session.get(Commune, commune.id))
        circle = bodies.create_body("thematic_circle", "Cercle logement", theme="logement")
        for ref in (town.facilitator, town.circle_member):
            bodies.join(circle, user(ref))
        town.circle_id = circle.id
    return town


def vote_grid(in_commune, town: HousingTown, criteria: dict | None = None) -> None:
    """The assembly adopts a grid (every member votes yes); the event puts it in force."""
    from convergence_housing import decisions

    from federation.governance import votes

    with in_commune(town.commune):
        _grid, proposal = decisions.propose_grid(
            criteria or {}, user(town.facilitator), open_vote=True
        )
        proposal_id = proposal.id
    with in_commune(town.commune):
        from federation.governance.models import Proposal

        vote = votes.votes(proposal=db.session.get(Proposal, proposal_id))[0]
        for ref in (town.facilitator, town.circle_member, *town.members):
            votes.cast(vote, user(ref), {"choice": "yes"})
        votes.close_vote(vote, user(town.facilitator))


def circle_votes(in_commune, town: HousingTown, proposal_id: int, choice: str = "yes") -> None:
    """The housing circle (facilitator and circle member) votes on a proposal; it closes."""
    from federation.governance import votes
    from federation.governance.models import Proposal

    with in_commune(town.commune):
        vote = votes.votes(proposal=db.session.get(Proposal, proposal_id))[0]
        for ref in (town.facilitator, town.circle_member):
            votes.cast(vote, user(ref), {"choice": choice})
        votes.close_vote(vote, user(town.facilitator))


@pytest.fixture
def town(factory, in_commune):
    return make_town(factory, in_commune)
