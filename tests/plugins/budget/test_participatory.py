"""Participatory budgeting through the API and the pages: phases, projects and their public
review, secret ballots whose limits hold under 16 concurrent requests (R12), rules frozen
once the vote opens and results hidden until it closes (R13), results under both rules with
an explanation per project, pabulib export and import, follow-up and booking."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from federation.db import db

PROJECTS = [
    ("Jardin partagé", "4500.00"),
    ("Aire de jeux", "9000.00"),
    ("Lavoir", "3800.00"),
    ("Atelier vélo", "2500.00"),
]


def _process(client, factory, town, **rules):
    agent = factory.token(town.agent.user)
    body = {"title": "Budget participatif 2026", "year": 2026, "amount": "12000.00", **rules}
    created = client.post(f"{town.base}/processes", json=body, headers=agent)
    assert created.status_code == 201, created.json
    process = created.json
    ids = []
    for title, cost in PROJECTS:
        project = client.post(
            f"{town.base}/processes/{process['id']}/projects",
            json={
                "title": title,
                "description": f"{title}, pour toutes et tous.",
                "estimated_cost": cost,
                "place": "Bourg",
            },
            headers=factory.token(town.members[0].user),
        )
        assert project.status_code == 201, project.json
        ids.append(project.json["id"])
    return process["id"], ids


def _to_vote(client, factory, town, process_id, ids):
    agent = factory.token(town.agent.user)
    phase = f"{town.base}/processes/{process_id}/phase"
    assert client.post(phase, json={"to": "review"}, headers=agent).status_code == 200
    for pid in ids:
        reviewed = client.post(
            f"{town.base}/projects/{pid}/review",
            json={"feasible": True, "reason": "Terrain communal, devis vérifié."},
            headers=agent,
        )
        assert reviewed.status_code == 200, reviewed.json
    opened = client.post(phase, json={"to": "vote"}, headers=agent)
    assert opened.status_code == 200, opened.json


def _cast(client, factory, member, process_id, ballot):
    return client.post(
        f"{client_base(member)}/processes/{process_id}/ballots",
        json=ballot,
        headers=factory.token(member.user),
    )


def client_base(member):
    return f"/api/v1/communes/{member.commune.slug}/budget"


def test_a_whole_cycle_with_results_under_both_rules(client, factory, town, app):
    process_id, ids = _process(client, factory, town, max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    garden, games, lavoir, bikes = ids
    ballots = [[garden, lavoir], [garden, bikes], [games], [games], [garden], [lavoir, bikes]]
    voters = [*town.members, town.facilitator, town.elected]
    for member, chosen in zip(voters, ballots, strict=False):
        response = _cast(client, factory, member, process_id, {"projects": chosen})
        assert response.status_code == 200 and response.json["receipt"], response.json
    hidden = client.get(
        f"{town.base}/processes/{process_id}/results", headers=factory.token(town.admin.user)
    )
    assert hidden.status_code == 403  # R13: hidden until the vote closes, admins included
    closed = client.post(
        f"{town.base}/processes/{process_id}/phase",
        json={"to": "results"},
        headers=factory.token(town.agent.user),
    )
    assert closed.status_code == 200
    result = client.get(f"{town.base}/processes/{process_id}/results").json
    assert result["ballots"] == 6 and result["rule"] == "mes"
    assert set(result["outcomes"]) == {"greedy", "mes"}
    greedy = result["outcomes"]["greedy"]
    # 3 votes, then three projects with 2 votes each: the cheaper first (documented ties)
    assert greedy["selected"] == [f"p{garden}", f"p{bikes}", f"p{lavoir}"]
    assert greedy["details"][f"p{games}"]["reason"] == "over_budget"
    page = client.get(f"{town.web}/pb/{process_id}/results")
    assert page.status_code == 200
    assert page.text.count("<table>") == 2 and "Pourquoi" in page.text
    assert "Retenu" in page.text and "Non retenu" in page.text
    project_page = client.get(f"{town.web}/pb/projects/{lavoir}").text
    assert "Pourquoi ce résultat" in project_page
    exported = client.get(f"{town.base}/processes/{process_id}/export.pb")
    assert exported.status_code == 200 and "VOTES" in exported.text
    votes = exported.text.split("VOTES\n", 1)[1].splitlines()
    assert votes[0] == "voter_id;vote"
    assert [row.split(";")[0] for row in votes[1:]] == [str(n) for n in range(1, 7)]
    assert not any(member.user.email in exported.text for member in voters)


def test_ballots_cannot_exceed_the_budget_or_the_number_of_projects(client, factory, town):
    process_id, ids = _process(client, factory, town, max_choices=3, min_choices=1)
    _to_vote(client, factory, town, process_id, ids)
    garden, games, lavoir, bikes = ids
    member = town.members[0]
    over = _cast(client, factory, member, process_id, {"projects": [garden, games]})
    assert over.status_code == 422  # 13,500 € > 12,000 €
    assert "13500.00" in over.json["errors"]["json"]["projects"][0]
    too_many = _cast(
        client, factory, member, process_id, {"projects": [garden, lavoir, bikes, games]}
    )
    assert too_many.status_code == 422
    none = _cast(client, factory, member, process_id, {"projects": []})
    assert none.status_code == 422
    twice = _cast(client, factory, member, process_id, {"projects": [garden, garden]})
    assert twice.status_code == 422
    unknown = _cast(client, factory, member, process_id, {"projects": [999999]})
    assert unknown.status_code == 422
    extra = _cast(client, factory, member, process_id, {"projects": [garden], "hack": 1})
    assert extra.status_code == 422
    ok = _cast(client, factory, member, process_id, {"projects": [garden, lavoir]})
    assert ok.status_code == 200 and not ok.json["duplicate"]


def test_sixteen_concurrent_ballots_of_one_person_leave_one_within_the_limits(
    app, factory, town, make_app
):
    """R12: 16 requests at once, each a ballot (some over the limits): exactly one ballot
    and one participation row are committed, within the budget and the maximum count."""
    process_id = None
    from flask.testing import FlaskClient

    client = app.test_client()
    process_id, ids = _process(client, factory, town, max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    member = town.members[1]
    token = factory.token(member.user)
    garden, games, lavoir, bikes = ids
    choices = [[garden, lavoir], [garden, games], [lavoir, bikes], [garden, lavoir, bikes]]
    results: list[int] = []
    barrier = threading.Barrier(16)

    def cast(n: int) -> None:
        worker: FlaskClient = app.test_client()
        barrier.wait()
        response = worker.post(
            f"{town.base}/processes/{process_id}/ballots",
            json={"projects": choices[n % len(choices)]},
            headers=token,
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=cast, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(code in (200, 422) for code in results), results
    from convergence_budget import participatory as pb
    from convergence_budget.models import PBBallot, PBParticipation

    with app.app_context():
        from federation.tenancy.context import commune_scope

        with commune_scope(town.commune.id):
            assert db.session.scalar(select(func.count(PBParticipation.id))) == 1
            process = pb.get_process(process_id)
            pb.advance(process, "results", actor="test")  # opens the sealed ballots
            contents = list(db.session.scalars(select(PBBallot.content)))
            assert len(contents) == 1
            election, projects = pb.election_of(process)
            ((weights, count),) = election.ballots
            assert count == 1 and len(weights) <= 2
            assert sum(projects[p].cost for p in weights) <= process.amount


def test_rules_are_frozen_once_the_vote_opens(client, factory, town):
    process_id, ids = _process(client, factory, town)
    agent = factory.token(town.agent.user)
    url = f"{town.base}/processes/{process_id}"
    assert client.patch(url, json={"max_choices": 3}, headers=agent).status_code == 200
    _to_vote(client, factory, town, process_id, ids)
    for change in (
        {"amount": "99999.00"},
        {"ballot_kind": "cumulative"},
        {"max_choices": 9},
        {"rule": "greedy"},
        {"cost_cap": False},
    ):
        assert client.patch(url, json=change, headers=agent).status_code == 409, change
    assert client.get(url).json["max_choices"] == 3
    assert client.patch(url, json={"commune_id": 2}, headers=agent).status_code == 422


def test_projects_are_reviewed_with_a_public_reason_and_phases_move_forward_only(
    client, factory, town, app
):
    process_id, ids = _process(client, factory, town)
    agent = factory.token(town.agent.user)
    member = factory.token(town.members[0].user)
    review = f"{town.base}/projects/{ids[0]}/review"
    body = {"feasible": False, "reason": "Zone inondable : pas de construction possible."}
    assert client.post(review, json=body, headers=member).status_code == 403
    assert client.post(review, json=body, headers=agent).status_code == 200
    projects = client.get(f"{town.base}/processes/{process_id}/projects").json
    assert projects[0]["status"] == "unfeasible" and "inondable" in projects[0]["review_reason"]
    phase = f"{town.base}/processes/{process_id}/phase"
    assert client.post(phase, json={"to": "results"}, headers=agent).status_code == 409
    assert client.post(phase, json={"to": "review"}, headers=agent).status_code == 200
    assert client.post(phase, json={"to": "vote"}, headers=agent).status_code == 409  # pending
    late = client.post(
        f"{town.base}/processes/{process_id}/projects",
        json={"title": "Tard", "description": "x", "estimated_cost": "10.00"},
        headers=member,
    )
    assert late.status_code == 409
    too_dear = {"feasible": True, "reason": "ok", "cost": "12000.01"}
    assert (
        client.post(
            f"{town.base}/projects/{ids[1]}/review", json=too_dear, headers=agent
        ).status_code
        == 422
    )


def test_cumulative_and_ranked_ballots(client, factory, town):
    process_id, ids = _process(
        client, factory, town, ballot_kind="cumulative", max_points=5, max_choices=4
    )
    _to_vote(client, factory, town, process_id, ids)
    member = town.members[0]
    too_many = _cast(client, factory, member, process_id, {"points": {str(ids[0]): 6}})
    assert too_many.status_code == 422
    ok = _cast(client, factory, member, process_id, {"points": {str(ids[0]): 3, str(ids[1]): 2}})
    assert ok.status_code == 200
    ranked_id, ranked_ids = _process(client, factory, town, ballot_kind="ranked", max_choices=3)
    _to_vote(client, factory, town, ranked_id, ranked_ids)
    ok = _cast(client, factory, member, ranked_id, {"ranking": ranked_ids[:3]})
    assert ok.status_code == 200
    agent = factory.token(town.agent.user)
    client.post(f"{town.base}/processes/{ranked_id}/phase", json={"to": "results"}, headers=agent)
    scores = client.get(f"{town.base}/processes/{ranked_id}/results").json["scores"]
    assert [scores[f"p{i}"] for i in ranked_ids[:3]] == [3, 2, 1]


def test_winning_projects_are_followed_and_booked_on_the_budget_line(client, factory, town, app):
    agent = factory.token(town.agent.user)
    line = client.post(
        f"{town.base}/lines",
        json={
            "year": 2026,
            "section": "investment",
            "chapter": "21",
            "function": "3",
            "label": "Budget participatif",
            "planned": "12000.00",
        },
        headers=agent,
    ).json
    process_id, ids = _process(client, factory, town, budget_line_id=line["id"], max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    for member in town.members:
        _cast(client, factory, member, process_id, {"projects": [ids[2]]})
    client.post(f"{town.base}/processes/{process_id}/phase", json={"to": "results"}, headers=agent)
    winner = ids[2]
    follow = client.post(
        f"{town.base}/projects/{winner}/follow-ups",
        json={"progress": 100, "text": "Lavoir réparé."},
        headers=agent,
    )
    assert follow.status_code == 201 and follow.json["progress"] == 100
    loser = client.post(
        f"{town.base}/projects/{ids[1]}/follow-ups",
        json={"progress": 10, "text": "x"},
        headers=agent,
    )
    assert loser.status_code == 409
    booked = client.post(
        f"{town.base}/projects/{winner}/spending", json={"amount": "3750.00"}, headers=agent
    )
    assert booked.status_code == 201 and booked.json["kind"] == "pb"
    twice = client.post(
        f"{town.base}/projects/{winner}/spending", json={"amount": "1.00"}, headers=agent
    )
    assert twice.status_code == 409
    lines = client.get(f"{town.base}/lines").json
    assert lines[0]["executed"] == "3750.00"


def test_pabulib_export_then_import_gives_the_same_results(client, factory, town):
    process_id, ids = _process(client, factory, town, max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    for member, chosen in zip(
        town.members, [[ids[0]], [ids[0], ids[2]], [ids[1]], [ids[3]]], strict=True
    ):
        _cast(client, factory, member, process_id, {"projects": chosen})
    agent = factory.token(town.agent.user)
    client.post(f"{town.base}/processes/{process_id}/phase", json={"to": "results"}, headers=agent)
    first = client.get(f"{town.base}/processes/{process_id}/results").json
    text = client.get(f"{town.base}/processes/{process_id}/export.pb").text
    imported = client.post(f"{town.base}/import-pb", json={"content": text}, headers=agent)
    assert imported.status_code == 201, imported.json
    again = client.get(f"{town.base}/processes/{imported.json['id']}/results").json
    assert again["outcomes"]["greedy"]["selected"] == first["outcomes"]["greedy"]["selected"]
    broken = client.post(
        f"{town.base}/import-pb", json={"content": "META\nkey;value\n"}, headers=agent
    )
    assert broken.status_code == 422 and "file" in broken.json["errors"]["json"]


def test_the_pages_of_a_cycle_submit_vote_and_see_results(client, factory, town):
    process_id, ids = _process(client, factory, town, max_choices=2)
    member = town.members[2]
    factory.login(client, member)
    submit = client.post(
        f"{town.web}/pb/{process_id}/submit",
        data={"title": "Un four à pain", "description": "Collectif.", "estimated_cost": "abc"},
    )
    assert submit.status_code == 422 and 'id="f-estimated_cost-error"' in submit.text
    submitted = client.post(
        f"{town.web}/pb/{process_id}/submit",
        data={"title": "Un four à pain", "description": "Collectif.", "estimated_cost": "2000"},
    )
    assert submitted.status_code == 302
    agent = factory.token(town.agent.user)
    projects = client.get(f"{town.base}/processes/{process_id}/projects").json
    _to_vote(client, factory, town, process_id, [p["id"] for p in projects])
    form = client.get(f"{town.web}/pb/{process_id}/vote")
    assert form.status_code == 200 and 'type="checkbox" name="projects"' in form.text
    over = client.post(
        f"{town.web}/pb/{process_id}/vote", data={"projects": [str(ids[0]), str(ids[1])]}
    )
    assert over.status_code == 422 and "enveloppe" in over.text
    voted = client.post(f"{town.web}/pb/{process_id}/vote", data={"projects": [str(ids[2])]})
    assert voted.status_code == 200 and "reçu" in voted.text
    again = client.post(f"{town.web}/pb/{process_id}/vote", data={"projects": [str(ids[3])]})
    assert again.status_code == 302
    assert client.get(f"{town.web}/pb/{process_id}/results").status_code == 403
    client.post(f"{town.base}/processes/{process_id}/phase", json={"to": "results"}, headers=agent)
    assert client.get(f"{town.web}/pb/{process_id}/results").status_code == 200
    assert client.get(f"{town.web}/pb/{process_id}").status_code == 200


def test_commune_export_and_import_keep_the_budget_and_the_ballots(client, factory, town, app):
    process_id, ids = _process(client, factory, town, max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    _cast(client, factory, town.members[0], process_id, {"projects": [ids[0]]})
    from federation.plugins.services import manager
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune

    other = factory.commune("copy-town")
    with app.app_context():
        plugin = manager().by_name["budget"]
        with commune_scope(town.commune.id):
            data = plugin.federation_commune_export(
                commune=db.session.get(Commune, town.commune.id)
            )
        with commune_scope(other.id):
            plugin.federation_commune_import(commune=db.session.get(Commune, other.id), data=data)
            db.session.commit()
    factory.enable(other, "budget")
    copied = client.get("/api/v1/communes/copy-town/budget/processes").json
    assert len(copied) == 1 and copied[0]["phase"] == "vote"
    projects = client.get(f"/api/v1/communes/copy-town/budget/processes/{copied[0]['id']}/projects")
    assert [p["title"] for p in projects.json] == [title for title, _cost in PROJECTS]
