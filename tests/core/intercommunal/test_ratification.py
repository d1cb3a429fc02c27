"""Intercommunal proposals: ratification by the member assemblies under each rule,
deadlines, a commune leaving during ratification; pooled projects; delegates."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.db import db
from federation.intercommunal.ratification import Progress, outcome


def P(yes, no, total):
    return Progress(Fraction(yes), Fraction(no), Fraction(total - yes - no), Fraction(total))


@pytest.mark.parametrize(
    ("rule", "threshold", "progress", "final", "expected"),
    [
        ("majority", "1/2", P(3, 0, 5), False, "adopted"),
        ("majority", "1/2", P(2, 0, 4), False, None),
        ("majority", "1/2", P(2, 2, 4), False, "rejected"),
        ("majority", "1/2", P(2, 1, 5), True, "rejected"),
        ("qualified", "2/3", P(4, 0, 6), False, "adopted"),
        ("qualified", "2/3", P(2, 3, 6), False, "rejected"),
        ("qualified", "2/3", P(3, 2, 6), False, None),
        ("qualified", "2/3", P(3, 1, 6), False, None),
        ("unanimity", "1", P(5, 0, 5), False, "adopted"),
        ("unanimity", "1", P(4, 1, 5), False, "rejected"),
        ("unanimity", "1", P(4, 0, 5), True, "rejected"),
        ("majority", "1/2", P(0, 0, 0), True, "rejected"),
    ],
)
def test_rules(rule, threshold, progress, final, expected):
    assert outcome(rule, Fraction(threshold), progress, final) == expected


@given(
    yes=st.integers(0, 50),
    no=st.integers(0, 50),
    pending=st.integers(0, 50),
    rule=st.sampled_from(["majority", "qualified", "unanimity"]),
    threshold=st.sampled_from(["1/2", "3/5", "2/3", "3/4", "1"]),
)
def test_a_decided_outcome_can_no_longer_change(yes, no, pending, rule, threshold):
    """Whatever the pending communes answer later, an early decision stays right."""
    total = yes + no + pending
    early = outcome(rule, Fraction(threshold), P(yes, no, total), False)
    if early is None:
        return
    for extra_yes in range(pending + 1):
        late = outcome(
            rule, Fraction(threshold), P(yes + extra_yes, no + pending - extra_yes, total), True
        )
        assert late == early


@pytest.fixture
def plateau(factory):
    communes = [
        factory.commune(f"c{i}", f"Commune {i}", population=p)
        for i, p in enumerate([100, 200, 300, 1000])
    ]
    fed = factory.federation("plateau", communes=communes, name="Plateau")
    coordinator = factory.user("coord@example.org")
    factory.federation_role(fed, coordinator, "coordinator")
    facilitators = [factory.member(c, "facilitator") for c in communes]
    voters = {c.id: [factory.member(c) for _ in range(2)] for c in communes}
    return {
        "communes": communes,
        "federation": fed,
        "coordinator": coordinator,
        "facilitators": facilitators,
        "voters": voters,
    }


def _assembly_vote(client, factory, commune, facilitator, voters, proposal_id, choice):
    """The commune's assembly votes on the proposal it received, with its own method."""
    base = f"/api/v1/communes/{commune.slug}"
    fac = factory.token(facilitator.user)
    vote = client.post(
        f"{base}/votes",
        json={
            "body": "assemblee",
            "title": "Ratification",
            "method": "majority",
            "proposal_id": proposal_id,
        },
        headers=fac,
    ).json
    client.post(f"{base}/votes/{vote['id']}/open", headers=fac)
    for voter in voters:
        client.post(
            f"{base}/votes/{vote['id']}/ballots",
            json={"ballot": {"choice": choice}},
            headers=factory.token(voter.user),
        )
    return client.post(f"{base}/votes/{vote['id']}/close", headers=fac).json


def _plateau_vote(client, factory, plateau, index, choice):
    """The assembly of the plateau's commune number ``index`` answers ``choice``."""
    commune = plateau["communes"][index]
    return _assembly_vote(
        client,
        factory,
        commune,
        plateau["facilitators"][index],
        plateau["voters"][commune.id],
        _local_proposal(client, commune),
        choice,
    )


def _send(client, factory, plateau, **rule):
    headers = factory.token(plateau["coordinator"])
    base = "/api/v1/federations/plateau"
    created = client.post(
        f"{base}/proposals",
        json={"title": "Régie publique de l'eau", "text": "…", **rule},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    proposal_id = created.json["id"]
    sent = client.post(f"{base}/proposals/{proposal_id}/send", headers=headers)
    assert sent.status_code == 200 and len(sent.json["ratifications"]) == 4
    return proposal_id


def _local_proposal(client, commune):
    proposals = client.get(f"/api/v1/communes/{commune.slug}/proposals").json
    return next(p["id"] for p in proposals if p["extra"].get("intercommunal"))


def test_majority_of_communes_ratifies_and_every_journal_says_so(client, factory, plateau):
    proposal_id = _send(client, factory, plateau)
    for commune, facilitator, choice in zip(
        plateau["communes"], plateau["facilitators"], ["yes", "yes", "no", "yes"], strict=True
    ):
        _assembly_vote(
            client,
            factory,
            commune,
            facilitator,
            plateau["voters"][commune.id],
            _local_proposal(client, commune),
            choice,
        )
    detail = client.get(f"/api/v1/federations/plateau/proposals/{proposal_id}").json
    assert detail["status"] == "adopted"
    # decided as soon as 3 of 4 communes ratified; the 4th answered after
    statuses = {r["commune"]: r["status"] for r in detail["ratifications"]}
    assert statuses == {"c0": "ratified", "c1": "ratified", "c2": "rejected", "c3": "ratified"}
    fed_journal = client.get("/api/v1/federations/plateau/journal").json
    assert fed_journal[0]["kind"] == "intercommunal.adopted"
    for commune in plateau["communes"]:
        journal = client.get(f"/api/v1/communes/{commune.slug}/journal").json
        assert any(e["kind"] == "intercommunal.adopted" for e in journal)


def test_weighted_qualified_rule(client, factory, plateau):
    proposal_id = _send(client, factory, plateau, rule="qualified", threshold="2/3", weighted=True)
    communes = plateau["communes"]
    # the three small communes (600 inhabitants) say yes, the large one (1000) says no
    for commune, facilitator, choice in zip(
        communes, plateau["facilitators"], ["yes", "yes", "yes", "no"], strict=True
    ):
        _assembly_vote(
            client,
            factory,
            commune,
            facilitator,
            plateau["voters"][commune.id],
            _local_proposal(client, commune),
            choice,
        )
    detail = client.get(f"/api/v1/federations/plateau/proposals/{proposal_id}").json
    assert detail["status"] == "rejected"  # 600/1600 < 2/3


def test_unanimity_fails_on_one_no(client, factory, plateau):
    proposal_id = _send(client, factory, plateau, rule="unanimity")
    commune = plateau["communes"][2]
    _assembly_vote(
        client,
        factory,
        commune,
        plateau["facilitators"][2],
        plateau["voters"][commune.id],
        _local_proposal(client, commune),
        "no",
    )
    assert (
        client.get(f"/api/v1/federations/plateau/proposals/{proposal_id}").json["status"]
        == "rejected"
    )


def test_deadline_counts_missing_answers_as_not_ratified(app, client, factory, plateau):
    from flask.cli import ScriptInfo

    from federation.cli import main
    from federation.intercommunal.models import FederationProposal

    proposal_id = _send(
        client, factory, plateau, deadline=(date.today() + timedelta(days=3)).isoformat()
    )
    commune = plateau["communes"][0]
    _assembly_vote(
        client,
        factory,
        commune,
        plateau["facilitators"][0],
        plateau["voters"][commune.id],
        _local_proposal(client, commune),
        "yes",
    )
    with app.app_context():
        db.session.get(FederationProposal, proposal_id).deadline = date.today() - timedelta(1)
        db.session.commit()
    result = app.test_cli_runner().invoke(
        main, ["intercommunal", "close-due"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert "1 proposal(s) decided" in result.output
    assert (
        client.get(f"/api/v1/federations/plateau/proposals/{proposal_id}").json["status"]
        == "rejected"
    )


def test_a_commune_leaving_during_ratification_no_longer_counts(client, factory, plateau):
    proposal_id = _send(client, factory, plateau)
    for index in (0, 1):
        commune = plateau["communes"][index]
        _assembly_vote(
            client,
            factory,
            commune,
            plateau["facilitators"][index],
            plateau["voters"][commune.id],
            _local_proposal(client, commune),
            "yes",
        )
    assert (
        client.get(f"/api/v1/federations/plateau/proposals/{proposal_id}").json["status"]
        == "ratifying"
    )  # 2 of 4: not yet more than half
    admin = factory.token(factory.platform_admin())
    assert (
        client.delete("/api/v1/federations/plateau/communes/c3", headers=admin).status_code == 204
    )
    detail = client.get(f"/api/v1/federations/plateau/proposals/{proposal_id}").json
    assert detail["status"] == "adopted"  # 2 of the 3 remaining members
    assert {r["commune"]: r["status"] for r in detail["ratifications"]}["c3"] == "left"


def test_only_coordinators_send_proposals(client, factory, plateau):
    member = plateau["facilitators"][0]
    response = client.post(
        "/api/v1/federations/plateau/proposals",
        json={"title": "x"},
        headers=factory.token(member.user),
    )
    assert response.status_code == 403
    bad = client.post(
        "/api/v1/federations/plateau/proposals",
        json={"title": "x", "rule": "qualified", "threshold": "1/3"},
        headers=factory.token(plateau["coordinator"]),
    )
    assert bad.status_code == 422 and "threshold" in bad.json["errors"]["json"]


def test_pooled_project_is_funded_after_ratification(client, factory, plateau):
    from tests.support.notes_plugin import CALLS

    headers = factory.token(plateau["coordinator"])
    base = "/api/v1/federations/plateau"
    for commune in plateau["communes"]:
        factory.enable(commune, "notes")  # to receive the per-commune event
    bad = client.post(
        f"{base}/projects",
        json={
            "title": "Station de mesure",
            "budget": "10000",
            "contributions": [{"commune": "c0", "amount": "1000"}],
        },
        headers=headers,
    )
    assert bad.status_code == 422 and "contributions" in bad.json["errors"]["json"]
    project = client.post(
        f"{base}/projects",
        json={
            "title": "Station de mesure",
            "budget": "10000",
            "contributions": [{"commune": f"c{i}", "share": "0.25"} for i in range(4)],
        },
        headers=headers,
    )
    assert project.status_code == 201, project.json
    project_id = project.json["id"]
    submitted = client.post(f"{base}/projects/{project_id}/submit", json={}, headers=headers)
    assert submitted.json["status"] == "ratifying"
    CALLS.clear()
    for index, commune in enumerate(plateau["communes"][:3]):
        _assembly_vote(
            client,
            factory,
            commune,
            plateau["facilitators"][index],
            plateau["voters"][commune.id],
            _local_proposal(client, commune),
            "yes",
        )
    detail = client.get(f"{base}/projects").json[0]
    assert detail["status"] == "approved"
    funded = [
        c for c in CALLS if c[0] == "event" and c[1][0] == "intercommunal.pooled_project_ratified"
    ]
    # c3 never answered: only the three communes that ratified are charged (issue 10 item 9)
    assert sorted((c[1][2], c[1][1]["amount"]) for c in funded) == [
        (f"c{i}", "2500.00") for i in range(3)
    ]
    spent = client.post(
        f"{base}/projects/{project_id}/expenses",
        json={"label": "Capteurs", "amount": "4000", "spent_on": date.today().isoformat()},
        headers=headers,
    )
    assert spent.status_code == 201 and spent.json["spent"] == "4000.00"
    over = client.post(
        f"{base}/projects/{project_id}/expenses",
        json={"label": "Trop", "amount": "7000", "spent_on": date.today().isoformat()},
        headers=headers,
    )
    assert over.status_code == 409 and "amount" in over.json["errors"]["json"]


def test_delegates_elected_and_recalled_by_their_assembly(client, factory, plateau, app):
    commune = plateau["communes"][0]
    facilitator = plateau["facilitators"][0]
    delegate = plateau["voters"][commune.id][0]
    base = f"/api/v1/communes/{commune.slug}"
    fac = factory.token(facilitator.user)
    guarantor = factory.member(commune, "guarantor")
    # the assembly elects its delegate (issue 10 item 6); the mandate cites that election
    election = client.post(
        f"{base}/mandates/elections",
        json={
            "body": "assemblee",
            "title": "Délégation au plateau",
            "candidates": [delegate.user.id],
            "federation": "plateau",
        },
        headers=fac,
    )
    assert election.status_code == 201, election.json
    client.post(f"{base}/votes/{election.json['id']}/open", headers=fac)
    for voter in plateau["voters"][commune.id]:
        client.post(
            f"{base}/votes/{election.json['id']}/ballots",
            json={"ballot": {"approve": [election.json["options"][0]["id"]]}},
            headers=factory.token(voter.user),
        )
    client.post(f"{base}/votes/{election.json['id']}/close", headers=fac)
    mandate = client.post(
        f"{base}/mandates",
        json={
            "election_vote_id": election.json["id"],
            "body": "assemblee",
            "user_id": delegate.user.id,
            "role": "delegate",
            "starts_on": date.today().isoformat(),
            "ends_on": (date.today() + timedelta(days=20)).isoformat(),
            "mandate_text": "Accepter un partage de l'eau qui garantit les usages vitaux.",
            "title": "Délégation au plateau",
            "federation": "plateau",
        },
        headers=factory.token(guarantor.user),
    )
    assert mandate.status_code == 201, mandate.json
    with app.app_context():
        from federation.identity.services import federation_roles_of

        assert "delegate" in federation_roles_of(delegate.user.id, plateau["federation"].id)
    council = client.get("/api/v1/federations/plateau/council").json
    assert council[0]["delegate"] == delegate.user.display_name
    assert "usages vitaux" in council[0]["mandate_text"]
    attention = client.get(
        "/api/v1/federations/plateau/attention", headers=factory.token(plateau["coordinator"])
    ).json
    assert attention["ending_delegates"][0]["delegate"] == delegate.user.display_name
    recall_vote = client.post(
        f"{base}/mandates/{mandate.json['id']}/recall-vote", json={}, headers=fac
    ).json
    client.post(f"{base}/votes/{recall_vote['id']}/open", headers=fac)
    for voter in plateau["voters"][commune.id]:
        client.post(
            f"{base}/votes/{recall_vote['id']}/ballots",
            json={"ballot": {"choice": "yes"}},
            headers=factory.token(voter.user),
        )
    client.post(f"{base}/votes/{recall_vote['id']}/close", headers=fac)
    recalled = client.post(
        f"{base}/mandates/{mandate.json['id']}/recall",
        json={"reason": "A dépassé son mandat", "vote_id": recall_vote["id"]},
        headers=factory.token(guarantor.user),
    )
    assert recalled.status_code == 200
    with app.app_context():
        from federation.identity.services import federation_roles_of

        assert "delegate" not in federation_roles_of(delegate.user.id, plateau["federation"].id)
    assert client.get("/api/v1/federations/plateau/council").json[0]["status"] == "recalled"
