"""A commune of 450 inhabitants with the elections plugin on: a facilitator, a core group,
fourteen members (seven women, seven men) and an outsider (admin of another commune)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from federation.db import db
from tests.plugins.housing.conftest import pdf_text, response_text  # noqa: F401 - shared

SECRET_ADDRESS = "7 impasse Secretaddress"
SECRET_PLACE = "Secretbirthplace-sur-Vienne"
SECRET_LAST = "SECRETLASTNAME"
SECRET_BIRTH = "1961-07-13"
SECRETS = (SECRET_ADDRESS, SECRET_PLACE, SECRET_LAST, SECRET_BIRTH, "13/07/1961", "13 juil")
SEXES = "FMFMFMFMFMFMFM"


def user(ref: Any) -> Any:
    from federation.identity.models import User

    return db.session.get(User, ref.user.id)


@dataclass
class Town:
    commune: Any
    facilitator: Any
    members: list
    outsider: Any
    core_id: int = 0
    ids: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"/c/{self.commune.slug}/elections"

    @property
    def api(self) -> str:
        return f"/api/v1/communes/{self.commune.slug}/elections"

    def everyone(self) -> list:
        return [self.facilitator, *self.members]


def make_town(factory, in_commune, slug="nedde-test", population=450) -> Town:
    from federation.governance import bodies
    from federation.tenancy.models import Commune

    commune = factory.commune(slug, "Nedde-Test", population=population)
    factory.enable(commune, "elections")
    town = Town(
        commune=commune,
        facilitator=factory.member(commune, "facilitator"),
        members=[factory.member(commune) for _ in SEXES],
        outsider=factory.member(factory.commune(f"{slug}-voisine"), "admin"),
    )
    with in_commune(commune):
        bodies.assembly(db.session.get(Commune, commune.id))
        core = bodies.create_body("action_circle", "Groupe moteur", theme="groupe moteur")
        for ref in (town.facilitator, *town.members[:3]):
            bodies.join(core, user(ref))
        town.core_id = core.id
    return town


def close_yes(in_commune, town: Town, proposal_id: int, voters=None) -> None:
    """Open a majority vote on the proposal, everyone votes yes, it closes (the decision's
    event is delivered after the commit, as in production)."""
    from federation.governance import votes
    from federation.governance.models import Proposal

    with in_commune(town.commune):
        proposal = db.session.get(Proposal, proposal_id)
        vote = votes.create_vote(
            proposal.body,
            proposal.title[:200],
            "majority",
            proposal=proposal,
            results_hidden=False,
            settings={"threshold": "1/2"},
        )
        votes.open_vote(vote, user(town.facilitator))
        vote_id = vote.id
    with in_commune(town.commune):
        vote = votes.get_vote(vote_id)
        for ref in voters or town.everyone():
            try:
                votes.cast(vote, user(ref), {"choice": "yes"})
            except Exception:  # noqa: S112 - not in the body's electorate
                continue
        votes.close_vote(vote, user(town.facilitator))


def found_programme(in_commune, town: Town) -> None:
    from convergence_elections import services

    with in_commune(town.commune):
        services.add_axis({"title": "Habiter au pays"}, user(town.facilitator))
        services.add_axis({"title": "L'eau en commun"}, user(town.facilitator))
        core = services.propose_axes("core", user(town.facilitator)).id
    close_yes(in_commune, town, core, [town.facilitator, *town.members[:3]])
    with in_commune(town.commune):
        assembly = services.propose_axes("assembly", user(town.facilitator)).id
    close_yes(in_commune, town, assembly)


def build_list(in_commune, town: Town, grades=None, length=None, method="schulze") -> int:
    """A list, fourteen candidacies (sex by SEXES), a graded vote, its order computed."""
    from convergence_elections import filing, services

    from federation.governance import votes

    with in_commune(town.commune):
        row = services.create_list(
            {"title": "Nedde en commun", "length": length, "method": method},
            user(town.facilitator),
        )
        for n, (ref, sex) in enumerate(zip(town.members, SEXES, strict=True)):
            c = services.stand(
                row,
                {
                    "sex": sex,
                    "statement": f"Déclaration {n}",
                    "themes": "eau, logement",
                    "declared_adult": "on",
                    "declared_on_roll": "on" if n % 2 else "",
                },
                user(ref),
            )
            filing.give(
                c,
                {
                    "last_name": f"{SECRET_LAST}{n}",
                    "first_names": f"Prénom{n}",
                    "birth_date": SECRET_BIRTH,
                    "birth_place": SECRET_PLACE,
                    "nationality": "française",
                    "address": SECRET_ADDRESS,
                },
                user(ref),
            )
        vote = services.open_ranking(row, user(town.facilitator))
        options = votes.options_of(vote)
        list_id, vote_id = row.id, vote.id
    # by default everyone ranks the members in their order, except two women come first
    order = grades or [0, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    with in_commune(town.commune):
        vote = votes.get_vote(vote_id)
        for ref in town.everyone():
            ranking = [options[i].id for i in order]
            if method == "schulze":
                ranking = [[i] for i in ranking]
            votes.cast(vote, user(ref), {"ranking": ranking})
        votes.close_vote(vote, user(town.facilitator))
    with in_commune(town.commune):
        services.compute_order(services.get_list(list_id), user(town.facilitator))
    return list_id


@pytest.fixture
def town(factory, in_commune):
    return make_town(factory, in_commune)
