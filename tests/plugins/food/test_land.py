"""Land for new farmers: a match is carried out only by the vote that adopts it. The planted
twin (the adoption check switched off) settles a candidate without any vote: caught."""

from __future__ import annotations

import pytest
from convergence_food import decisions, land
from convergence_food.models import Match
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict
from tests.plugins.food.conftest import adopt, user


def _prepare(in_commune, town) -> tuple[int, int]:
    with in_commune(town.commune):
        plot = land.create_plot(
            {
                "name": "Terrain communal",
                "owner": "Commune",
                "communal": "on",
                "surface_ha": "2,5",
                "water_resource_code": "SRC",
            }
        )
        candidate = land.create_candidate(
            {"project": "Maraîchage en traction animale", "need_housing": "un logement"},
            user(town.members[0]),
        )
        return plot.id, candidate.id


def _propose(in_commune, town, plot_id, candidate_id) -> tuple[int, int]:
    with in_commune(town.commune):
        proposal = decisions.propose(
            "match",
            {"plot_id": plot_id, "candidate_id": candidate_id},
            user(town.facilitator),
            body_id=town.circle_id,
            open_vote=True,
        )
        match = db.session.scalar(select(Match).where(Match.proposal_id == proposal.id))
        return proposal.id, match.id


def settles_without_vote(in_commune, town, match_id: int) -> bool:
    """True when the match can be carried out before its vote adopted it."""
    with in_commune(town.commune):
        try:
            land.apply_match(land.get_match(match_id))
        except Conflict:
            db.session.rollback()
            return False
        return True


def test_match_follows_the_vote(in_commune, food_town):
    town = food_town
    plot_id, candidate_id = _prepare(in_commune, town)
    proposal_id, match_id = _propose(in_commune, town, plot_id, candidate_id)
    assert not settles_without_vote(in_commune, town, match_id)
    with in_commune(town.commune):
        assert land.get_plot(plot_id).status == "available"
        adopt(proposal_id, [town.facilitator, town.circle_member], town.facilitator)
    with in_commune(town.commune):
        match = land.get_match(match_id)
        assert match.status == "adopted" and match.decision_id
        assert land.get_plot(plot_id).status == "matched"
        candidate = land.get_candidate(candidate_id)
        assert candidate.status == "installed" and candidate.producer_id
        assert land.installations() == 1


def test_a_rejected_match_settles_nobody(in_commune, food_town):
    town = food_town
    plot_id, candidate_id = _prepare(in_commune, town)
    proposal_id, match_id = _propose(in_commune, town, plot_id, candidate_id)
    with in_commune(town.commune):
        from federation.governance import votes
        from federation.governance.models import Vote

        vote = db.session.scalar(select(Vote).where(Vote.proposal_id == proposal_id))
        for voter in (town.facilitator, town.circle_member):
            votes.cast(vote, user(voter), {"choice": "no"})
        votes.close_vote(vote, user(town.facilitator))
    with in_commune(town.commune):
        assert land.get_match(match_id).status == "rejected"
        assert land.get_plot(plot_id).status == "available"
    assert not settles_without_vote(in_commune, town, match_id)


def test_planted_twin_without_the_vote_check_is_caught(in_commune, food_town, monkeypatch):
    town = food_town
    plot_id, candidate_id = _prepare(in_commune, town)
    _proposal_id, match_id = _propose(in_commune, town, plot_id, candidate_id)
    from federation.governance.models import Decision

    # the twin accepts any decision (here the contract's, adopted earlier) as the match's
    monkeypatch.setattr(
        land, "adopted_decision", lambda _m: db.session.scalar(select(Decision).limit(1))
    )
    assert settles_without_vote(in_commune, town, match_id)


def test_water_link_only_where_water_is_enabled(in_commune, food_town):
    town = food_town
    plot_id, _candidate = _prepare(in_commune, town)
    with in_commune(town.commune):
        assert land.water_link(land.get_plot(plot_id), town.commune.slug) is None


@pytest.mark.parametrize("field", ["surface_ha", "owner"])
def test_bad_plot_names_its_field(in_commune, food_town, field):
    from federation.errors import ValidationFailed

    data = {"name": "X", "owner": "Commune", "surface_ha": "1"}
    data[field] = "-1" if field == "surface_ha" else ""
    with in_commune(food_town.commune), pytest.raises(ValidationFailed) as refused:
        land.create_plot(data)
    assert refused.value.field == field
