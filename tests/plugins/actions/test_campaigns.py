"""Campaigns mandated by an assembly: the mandate comes from an adopted decision of the
assembly or an action circle; the assembly may vote the mandate itself; supporters and
pledges; the report back goes into the assembly's minutes and the public journal, written
as kinds rendered in the reader's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from convergence_actions import events, services
from convergence_actions.models import Campaign
from flask_babel import force_locale
from sqlalchemy import select

from federation.db import db, utcnow
from federation.errors import Conflict, Forbidden, ValidationFailed
from federation.journal.models import JournalEntry
from tests.plugins.actions.conftest import adopted_decision, new_event, user


def _entries(kind: str) -> list[JournalEntry]:
    return list(db.session.scalars(select(JournalEntry).where(JournalEntry.kind == kind)))


def test_a_campaign_carries_its_mandate_and_is_journaled_as_a_kind(app, town, in_commune):
    with in_commune(town.commune):
        campaign = services.get_campaign(town.campaign_id)
        assert campaign.decision_id == town.decision_id
        assert campaign.body_id == town.circle_id
        (entry,) = _entries("actions.campaign_launched")
        assert entry.summary == ""  # a kind with a renderer stores no sentence
        with app.test_request_context():
            with force_locale("fr"):
                assert "Campagne lancée sur mandat : Vélorution" in entry.text
            with force_locale("en"):
                assert "Campaign launched under mandate: Vélorution" in entry.text


def test_a_mandate_needs_an_adopted_decision_of_the_assembly_or_an_action_circle(town, in_commune):
    from federation.governance import bodies

    with in_commune(town.commune):
        thematic = bodies.create_body("thematic_circle", "Cercle eau", theme="eau")
        bodies.join(thematic, user(town.facilitator))
        decision = adopted_decision("Un relevé", [town.facilitator], town.facilitator, thematic)
        with pytest.raises(ValidationFailed) as refused:
            services.launch_campaign(
                {"decision_id": decision.id, "body_id": town.circle_id, "title": "X", "goal": "Y"},
                user(town.facilitator),
            )
        assert refused.value.field == "decision_id"
        with pytest.raises(Conflict):  # one campaign per decision
            services.launch_campaign(
                {
                    "decision_id": town.decision_id,
                    "body_id": town.circle_id,
                    "title": "X",
                    "goal": "Y",
                },
                user(town.facilitator),
            )
        db.session.rollback()


def test_only_the_carrying_circle_or_facilitation_launches(town, in_commune):
    with in_commune(town.commune):
        decision = adopted_decision(
            "Deuxième mandat", [town.facilitator, *town.members[:2]], town.facilitator
        )
        data = {"decision_id": decision.id, "body_id": town.circle_id, "title": "B", "goal": "G"}
        with pytest.raises(Forbidden):
            services.launch_campaign(data, user(town.members[0]))
        assert services.launch_campaign(data, user(town.facilitator)).id


def test_the_budget_line_needs_the_budget_plugin(town, in_commune, factory):
    with in_commune(town.commune):
        decision_id = adopted_decision("Mandat budget", [town.facilitator], town.facilitator).id
    with in_commune(town.commune):
        data = {
            "decision_id": decision_id,
            "body_id": town.circle_id,
            "title": "B",
            "goal": "G",
            "budget_line": "6232",
        }
        with pytest.raises(ValidationFailed) as refused:
            services.launch_campaign(data, user(town.facilitator))
        assert refused.value.field == "budget_line"
        db.session.rollback()
    factory.enable(town.commune, "budget")
    with in_commune(town.commune):
        assert services.launch_campaign(data, user(town.facilitator)).budget_line == "6232"


def test_the_assembly_votes_the_mandate_and_its_adoption_launches_the_campaign(town, in_commune):
    from federation.governance import votes
    from federation.governance.models import Decision, Vote

    with in_commune(town.commune):
        proposal = services.propose_mandate(
            {
                "title": "Réquisition des logements vides",
                "goal": "Loger les personnes à la rue cet hiver.",
                "body_id": town.circle_id,
                "sensitive": "on",
            },
            user(town.members[0]),
        )
        proposal_id = proposal.id
        assert proposal.body.is_assembly
    with in_commune(town.commune):
        from federation.governance.models import Proposal

        proposal = db.session.get(Proposal, proposal_id)
        vote = votes.create_vote(
            proposal.body,
            proposal.title,
            "majority",
            proposal=proposal,
            results_hidden=False,
            settings={"threshold": "1/2"},
        )
        votes.open_vote(vote, user(town.facilitator))
        for voter in (town.facilitator, *town.members):
            votes.cast(vote, user(voter), {"choice": "yes"})
        votes.close_vote(vote, user(town.facilitator))
    # the event handler ran after the commit (inline without Redis)
    with in_commune(town.commune):
        decision = db.session.scalar(select(Decision).where(Decision.proposal_id == proposal_id))
        campaign = db.session.scalar(select(Campaign).where(Campaign.decision_id == decision.id))
        assert campaign is not None and campaign.sensitive and campaign.body_id == town.circle_id
        assert db.session.scalar(select(Vote.status).where(Vote.proposal_id == proposal_id))


def test_supporters_are_named_only_when_they_choose_and_pledges_add_up(town, in_commune):
    with in_commune(town.commune):
        campaign = services.get_campaign(town.campaign_id)
        services.support(campaign, user(town.members[0]), public=True)
        services.support(campaign, user(town.members[1]))
        services.support(campaign, user(town.members[1]))  # idempotent
        services.pledge(campaign, {"kind": "money", "amount": "25,50"}, user(town.members[0]))
        services.pledge(campaign, {"kind": "material", "item": "Sono"}, user(town.members[1]))
        db.session.commit()
        with pytest.raises(ValidationFailed):
            services.pledge(campaign, {"kind": "money", "amount": "-3"}, user(town.members[1]))
        db.session.rollback()
        campaign = services.get_campaign(town.campaign_id)
        assert services.supporter_count(campaign) == 2
        assert services.public_supporters(campaign) == [user(town.members[0]).display_name]
        summary = services.pledges_summary(campaign)
        assert str(summary["money"]) == "25.50" and summary["material"] == ["Sono"]
        names = {user(m).display_name for m in town.members}
        for entry in _entries("actions.pledge"):
            assert not names & set(entry.payload.split("'"))


def test_the_report_goes_to_the_assembly_minutes_and_the_journal(app, town, in_commune):
    from federation.governance import bodies, meetings
    from federation.governance.models import AgendaItem, Meeting

    event_id = new_event(town, in_commune, days=-2, capacity=10)
    with in_commune(town.commune):
        event = events.get_event(event_id)
        start = event.starts_at
        rows = [
            events.register(event, user(m), now=start - timedelta(days=3)) for m in town.members[:3]
        ]
        for row in rows[:2]:
            events.check_in(event, row.code, user(town.facilitator), now=start)
        assembly = bodies.find_assembly()
        meeting = meetings.schedule(assembly, "Assemblée d'automne", utcnow(), place="Salle")
        meeting_id = meeting.id
    with in_commune(town.commune):
        with pytest.raises(Forbidden):
            services.report_back(
                services.get_campaign(town.campaign_id), "Bilan", user(town.members[0])
            )
        services.report_back(
            services.get_campaign(town.campaign_id),
            "La vélorution a réuni deux personnes.",
            user(town.circle_member),
            meeting_id=meeting_id,
        )
    with in_commune(town.commune):
        campaign = services.get_campaign(town.campaign_id)
        assert campaign.status == "reported" and campaign.report_meeting_id == meeting_id
        meeting = db.session.get(Meeting, meeting_id)
        assert "La vélorution a réuni deux personnes." in meeting.minutes
        assert db.session.scalar(
            select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id)
        ).startswith("Compte rendu de mandat")
        (entry,) = _entries("actions.campaign_reported")
        assert entry.params["events"] == 1 and entry.params["people"] == 2
        assert entry.params["hours"] == 6.0
        with app.test_request_context(), force_locale("en"):
            assert "2 people mobilised, 6 hours given" in entry.text
        with pytest.raises(Conflict):
            services.report_back(campaign, "Encore", user(town.facilitator))
        db.session.rollback()
