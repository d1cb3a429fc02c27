"""A commune's stage (federation.governance.stages): moved only by an assembly decision,
one stage at a time, recorded in the journal with that decision; plugins adapt what they
offer through the hook federation_stage_offers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.governance import stages
from federation.identity.models import User
from federation.journal.models import JournalEntry
from federation.plugins import ConvergencePlugin, NavItem, hookimpl


def _user(ref):
    return db.session.get(User, ref.user.id)


def _adopt(in_commune, town, stage):
    """The assembly votes the move (everyone yes); the decision's event moves the stage."""
    from federation.governance import votes
    from federation.governance.models import Proposal

    with in_commune(town.commune):
        proposal_id = stages.propose(stage, _user(town.facilitator)).id
    with in_commune(town.commune):
        proposal = db.session.get(Proposal, proposal_id)
        vote = votes.create_vote(
            proposal.body,
            proposal.title,
            "majority",
            proposal=proposal,
            results_hidden=False,
            settings={"threshold": "1/2"},
        )
        votes.open_vote(vote, _user(town.facilitator))
        for ref in (town.facilitator, *town.members):
            votes.cast(vote, _user(ref), {"choice": "yes"})
        votes.close_vote(vote, _user(town.facilitator))
    return proposal_id


def test_a_decision_moves_the_stage_and_the_journal_records_it(in_commune, town):
    with in_commune(town.commune):
        assert stages.current(town.commune.id) is None
    _adopt(in_commune, town, "core_group")
    _adopt(in_commune, town, "programme")
    with in_commune(town.commune):
        assert stages.current(town.commune.id) == "programme"
        first, second = stages.history()
        assert (first.stage, second.previous) == ("core_group", "core_group")
        entries = list(
            db.session.scalars(select(JournalEntry).where(JournalEntry.kind == stages.MOVED))
        )
        assert [json.loads(e.payload)["decision"] for e in entries] == [
            first.decision_id,
            second.decision_id,
        ]
        assert second.journal_seq == entries[-1].seq
        assert "Programme" in stages.render_moved(json.loads(entries[-1].payload))


def test_one_stage_at_a_time_and_known_stages_only(in_commune, town):
    _adopt(in_commune, town, "core_group")
    with in_commune(town.commune):
        decision_id = stages.history()[0].decision_id
        with pytest.raises(Conflict):
            stages.move("in_office", decision_id=decision_id, commune_id=town.commune.id)
        with pytest.raises(ValidationFailed):
            stages.move("mairie", decision_id=decision_id, commune_id=town.commune.id)
        with pytest.raises(ValidationFailed):
            stages.propose("mairie", _user(town.facilitator))


def test_a_circle_decision_does_not_move_the_stage(in_commune, town):
    from federation.governance import bodies

    with in_commune(town.commune):
        circle = bodies.create_body("thematic_circle", "Cercle eau", theme="eau")
        assert (
            stages.on_decision_adopted(
                {"decision_id": 1, "body_id": circle.id, "extra": {"stage": "core_group"}},
                town.commune.id,
            )
            is None
        )
        assert stages.current(town.commune.id) is None


def test_reached():
    assert stages.reached(None, "in_office")  # no stage declared: everything is offered
    assert stages.reached("opened_wide", "in_office")
    assert not stages.reached("campaign", "in_office")


class _OffersPlugin(ConvergencePlugin):
    name = "stage_offers_probe"
    always_on = True

    @hookimpl
    def federation_stage_offers(self, commune, stage):
        if stages.reached(stage, "in_office"):
            return [NavItem("Budget municipal", "governance.decisions")]
        return [NavItem("Trésorerie du mouvement", "governance.decisions")]


def test_hook_federation_stage_offers(app, in_commune, town):
    from federation.tenancy.models import Commune

    pm = app.extensions["convergence"].pm
    pm.register_plugin(_OffersPlugin())
    try:
        with in_commune(town.commune):
            commune = db.session.get(Commune, town.commune.id)
            labels = [str(o.label) for o in stages.offers(commune, "campaign")]
            assert "Trésorerie du mouvement" in labels and "Budget municipal" not in labels
            labels = [str(o.label) for o in stages.offers(commune, "in_office")]
            assert "Budget municipal" in labels
    finally:
        pm.unregister_plugin("stage_offers_probe")
