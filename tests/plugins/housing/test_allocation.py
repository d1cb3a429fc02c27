"""Requests, the grid voted by the assembly, the examination and the allocation decided by
the housing circle's vote (the decisions path), the journal without personal data, and the
second look within the set delay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from convergence_housing import allocation as alloc
from convergence_housing import decisions, services
from convergence_housing.models import Allocation, HousingRequest
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, Forbidden, ValidationFailed
from federation.journal.models import JournalEntry

from .conftest import SECRET_HOUSEHOLD, SECRET_NEED, circle_votes, user, vote_grid


def _available(town, in_commune, ref="LOG-A", accessible=True) -> int:
    with in_commune(town.commune):
        actor = user(town.facilitator)
        row = services.create_dwelling(
            {"address": "2 place", "ref": ref, "rooms": 3, "accessible": "1" if accessible else ""},
            actor,
        )
        services.set_status(row, "first_contact", actor=actor)
        services.set_status(row, "done", "back_in_use", actor=actor)
        return row.id


def _requests(town, in_commune, n=4) -> list[int]:
    ids = []
    with in_commune(town.commune):
        for index in range(n):
            ref = town.members[index % len(town.members)]
            row = alloc.create_request(
                {
                    "household": f"{SECRET_HOUSEHOLD} {index}",
                    "people": index + 1,
                    "rooms_needed": 3,
                    "urgency": str(index % 4),
                    "needs": SECRET_NEED,
                    "accessibility": "1" if index == 0 else "",
                },
                user(ref),
                today=date.today() - timedelta(days=40 * index),
            )
            ids.append(row.id)
    return ids


def _close(in_commune, town, proposal_id, choice="yes") -> None:
    circle_votes(in_commune, town, proposal_id, choice)


def test_no_examination_without_a_voted_grid(town, in_commune):
    dwelling_id = _available(town, in_commune)
    _requests(town, in_commune, 1)
    with in_commune(town.commune), pytest.raises(Conflict):
        alloc.start_examination(services.get_dwelling(dwelling_id), user(town.facilitator))


def test_grid_versions_voted_by_the_assembly(town, in_commune):
    vote_grid(in_commune, town, {"urgency": 30})
    with in_commune(town.commune):
        grid = alloc.grid_in_force()
        assert grid is not None and grid.version == 1 and grid.criteria["urgency"] == 30
    vote_grid(in_commune, town, {"urgency": 40})
    with in_commune(town.commune):
        assert alloc.grid_in_force().version == 2
        assert [g.status for g in alloc.grids()] == ["in_force", "superseded"]


def test_allocation_decided_by_the_circle_vote(town, in_commune):
    vote_grid(in_commune, town)
    dwelling_id = _available(town, in_commune)
    request_ids = _requests(town, in_commune, 4)
    with in_commune(town.commune):
        row = alloc.start_examination(services.get_dwelling(dwelling_id), user(town.facilitator))
        assert sorted(e["request"] for e in row.ranking) == sorted(request_ids)
        with pytest.raises(ValidationFailed):  # at least three examined requests
            decisions.propose_allocation(row, request_ids[:2], "", user(town.facilitator))
        with pytest.raises(Forbidden):
            decisions.propose_allocation(row, request_ids[:3], "", user(town.members[0]))
        order = [request_ids[2], request_ids[0], request_ids[1]]
        proposal = decisions.propose_allocation(
            row, order, "", user(town.facilitator), open_vote=True
        )
        proposal_id, allocation_id = proposal.id, row.id
        assert proposal.body_id == town.circle_id
    _close(in_commune, town, proposal_id)
    with in_commune(town.commune):
        row = db.session.get(Allocation, allocation_id)
        assert row.status == "decided" and row.decision_id is not None
        assert row.chosen_request_id == request_ids[2]
        assert db.session.get(HousingRequest, request_ids[2]).status == "allocated"
        assert services.get_dwelling(dwelling_id).occupancy == "rented"
        journal = " ".join(
            f"{e.summary} {e.payload}" for e in db.session.scalars(select(JournalEntry))
        )
        assert "housing.allocation" in {e.kind for e in db.session.scalars(select(JournalEntry))}
        assert SECRET_HOUSEHOLD not in journal and SECRET_NEED not in journal


def test_rejected_allocation_goes_back_to_examination(town, in_commune):
    vote_grid(in_commune, town)
    dwelling_id = _available(town, in_commune)
    ids = _requests(town, in_commune, 2)
    with in_commune(town.commune):
        row = alloc.start_examination(services.get_dwelling(dwelling_id), user(town.facilitator))
        proposal = decisions.propose_allocation(
            row, ids, "", user(town.facilitator), open_vote=True
        )
        proposal_id, allocation_id = proposal.id, row.id
    _close(in_commune, town, proposal_id, choice="no")
    with in_commune(town.commune):
        row = db.session.get(Allocation, allocation_id)
        assert row.status == "examining" and row.proposal_id is None


def test_second_look_within_the_delay_only(town, in_commune):
    vote_grid(in_commune, town)
    dwelling_id = _available(town, in_commune)
    ids = _requests(town, in_commune, 3)
    with in_commune(town.commune):
        row = alloc.start_examination(services.get_dwelling(dwelling_id), user(town.facilitator))
        proposal = decisions.propose_allocation(
            row, ids, "", user(town.facilitator), open_vote=True
        )
        proposal_id, allocation_id = proposal.id, row.id
    _close(in_commune, town, proposal_id)
    with in_commune(town.commune):
        row = db.session.get(Allocation, allocation_id)
        loser = db.session.get(HousingRequest, ids[1])
        applicant = town.members[1]
        with pytest.raises(Forbidden):  # not the applicant
            alloc.ask_second_look(row, loser.id, "pourquoi ?", user(town.members[0]))
        late = row.decided_on + timedelta(days=31)
        with pytest.raises(Conflict):
            alloc.ask_second_look(row, loser.id, "pourquoi ?", user(applicant), today=late)
        review = alloc.ask_second_look(row, loser.id, "pourquoi ?", user(applicant))
        with pytest.raises(Conflict):
            alloc.ask_second_look(row, loser.id, "encore", user(applicant))
        alloc.answer_review(
            review, "Le cercle maintient l'ordre : urgence plus forte.", user(town.circle_member)
        )
        assert review.status == "done"
