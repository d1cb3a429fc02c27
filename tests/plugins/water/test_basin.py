"""Water shared across a basin (issue 21 item 5): propose → each assembly ratifies →
allocations per user across communes → each person's explanation → recompute when the
season turns; vital water follows the household's people; the commune alone no longer
allocates a shared resource; only the basin circle proposes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from federation.db import db

from .basin_fixtures import make_basin, ratify_everywhere

SUMMER = date(2026, 8, 1)
WINTER = date(2026, 12, 22)


@pytest.fixture
def case(factory, in_commune):
    return make_basin(factory, in_commune)


def _propose(app, case, who="amont", today=SUMMER):
    from convergence_water import basin

    from federation.identity.models import User

    with app.app_context():
        actor = db.session.get(User, case.circle[who].user.id)
        run = basin.propose(case.federation.id, case.spring_id, actor, today=today)
        ids = run.id, run.federation_proposal_id
        db.session.commit()
        return ids


def _parts(app, case):
    from convergence_water.models import AllocationLine, AllocationRun
    from sqlalchemy import select

    from federation.tenancy.context import commune_scope

    found = {}
    with app.app_context():
        for key, town in case.towns.items():
            with commune_scope(town.id):
                runs = db.session.scalars(
                    select(AllocationRun)
                    .where(AllocationRun.basin_run_id.is_not(None))
                    .order_by(AllocationRun.id)
                ).all()
                found[key] = [
                    (
                        r.status,
                        r.basin_run_id,
                        {
                            line.water_user_id: (line.people, line.vital, line.total)
                            for line in db.session.scalars(
                                select(AllocationLine).where(AllocationLine.run_id == r.id)
                            )
                        },
                    )
                    for r in runs
                ]
    return found


def _decisions(app, case):
    from convergence_water.models import AllocationRun
    from sqlalchemy import select

    from federation.tenancy.context import commune_scope

    found = {}
    with app.app_context():
        for key, town in case.towns.items():
            with commune_scope(town.id):
                found[key] = db.session.scalar(
                    select(AllocationRun.decision_id).where(AllocationRun.status == "applied")
                )
    return found


def _basin_run(app, case, run_id):
    from convergence_water.basin_models import BasinRun

    from federation.tenancy.context import commune_scope

    with app.app_context(), commune_scope(case.towns["amont"].id):
        run = db.session.get(BasinRun, run_id)
        return run.status, run.trigger, run.season, run.users_count, list(run.communes)


def test_propose_ratify_allocate_explain_recompute(app, client, factory, case):
    run_id, proposal_id = _propose(app, case)
    parts = _parts(app, case)
    # one part per commune, awaiting the assemblies; nothing applies yet
    assert {k: [p[0] for p in v] for k, v in parts.items()} == {
        "amont": ["in_vote"],
        "milieu": ["in_vote"],
        "aval": ["in_vote"],
    }
    status, trigger, season, users, communes = _basin_run(app, case, run_id)
    assert (status, trigger, season, users) == ("ratifying", "proposal", "summer", 3)
    assert [c["users"] for c in communes] == [1, 1, 1]

    ratify_everywhere(app, case, proposal_id, towns=["amont", "milieu"])
    assert _basin_run(app, case, run_id)[0] == "ratifying"  # Aval has not answered
    ratify_everywhere(app, case, proposal_id, towns=["aval"])
    assert _basin_run(app, case, run_id)[0] == "applied"
    parts = _parts(app, case)
    for key in case.towns:
        assert [p[0] for p in parts[key]] == ["applied"], key
    # each commune's part is in force by its own assembly's decision (the ratification)
    assert all(_decisions(app, case).values())
    # vital water follows the people: Milieu's six people get 6 × 50 L though it declared 100
    milieu_line = parts["milieu"][0][2][case.users["milieu"]["secret"]]
    assert milieu_line[:2] == (6, 300)
    # the shared spring's 1,200 L a day are shared across the three communes, not more
    total = sum(line[2] for key in parts for line in parts[key][0][2].values())
    assert 0 < total <= 1200

    # each person sees their own allocation, explained, with the assemblies' answers
    factory.login(client, case.members["milieu"][0])
    page = client.get("/c/bv-milieu/water/me/basin")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Foyer Secret-Milieu" in text and "6 personnes" in text
    assert "BV Amont" in text and "ratifiée" in text
    assert "Foyer Secret-Amont" not in text and "Foyer Secret-Aval" not in text
    assert "/water/me/basin" in client.get("/c/bv-milieu/water/me").get_data(as_text=True)
    english = client.get("/c/bv-milieu/water/me/basin?lang=en").get_data(as_text=True)
    assert "How it was computed" in english and "Ratification by the assemblies" in english

    # the season turns: the ratified rule is applied again (daily task), once
    from convergence_water import basin

    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        new = basin.recompute_all(WINTER)
        db.session.commit()
        assert [(r.trigger, r.season, r.status) for r in new] == [("season", "winter", "applied")]
        new_id = new[0].id
    with app.app_context(), unscoped():
        assert basin.recompute_all(WINTER) == []
    assert _basin_run(app, case, run_id)[0] == "superseded"
    parts = _parts(app, case)
    for key in case.towns:
        assert [p[0] for p in parts[key]] == ["superseded", "applied"], key
        assert parts[key][1][1] == new_id
    # winter water is plenty: every need is served
    # winter: vital (6 × 50 L) and irrigation (500 L) all served
    assert parts["milieu"][1][2][case.users["milieu"]["secret"]][2] == 300 + 500


def test_journal_records_kind_and_params(app, case):
    from sqlalchemy import select

    from federation.journal.models import JournalEntry

    run_id, proposal_id = _propose(app, case)
    ratify_everywhere(app, case, proposal_id)
    with app.app_context():
        rows = db.session.execute(
            select(JournalEntry.kind, JournalEntry.payload).where(
                JournalEntry.kind.like("water.basin%")
            )
        ).all()
    kinds = [k for k, _p in rows]
    assert kinds.count("water.basin_link") == 2
    assert "water.basin_proposed" in kinds and "water.basin_applied" in kinds
    applied = next(p for k, p in rows if k == "water.basin_applied")
    applied = json.loads(applied) if isinstance(applied, str) else applied
    assert applied["basin_run"] == run_id and applied["users"] == 3


def test_one_assembly_rejects_nothing_applies(app, case):
    from convergence_water.basin_models import BasinRun  # noqa: F401

    from federation.governance import proposals, votes
    from federation.governance.bodies import assembly
    from federation.identity.models import User
    from federation.intercommunal.models import Ratification
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune

    run_id, proposal_id = _propose(app, case)
    ratify_everywhere(app, case, proposal_id, towns=["amont"])
    town = case.towns["aval"]
    with app.app_context(), commune_scope(town.id):
        local_id = (
            db.session.query(Ratification.commune_proposal_id)
            .filter_by(proposal_id=proposal_id, commune_id=town.id)
            .scalar()
        )
        local = proposals.get_proposal(local_id)
        facilitator = db.session.get(User, case.circle["aval"].user.id)
        vote = votes.create_vote(
            assembly(db.session.get(Commune, town.id)),
            "Ratifier ?",
            "majority",
            proposal=local,
            settings={"threshold": "1/2"},
        )
        votes.open_vote(vote, facilitator)
        for ref in [case.circle["aval"], *case.members["aval"]]:
            votes.cast(vote, db.session.get(User, ref.user.id), {"choice": "no"})
        votes.close_vote(vote, facilitator)
        db.session.commit()
    assert _basin_run(app, case, run_id)[0] == "rejected"
    parts = _parts(app, case)
    assert {k: [p[0] for p in v] for k, v in parts.items()} == {
        key: ["rejected"] for key in case.towns
    }


def _commune_alone_refused(case, in_commune) -> None:
    from convergence_water import services

    from federation.errors import Conflict

    with in_commune(case.towns["milieu"]):
        resource = services.get_resource(case.local["milieu"])
        assert services.recompute(resource, trigger="need", force=True) is None
        with pytest.raises(Conflict) as refused:
            services.compute_run(resource)
        assert refused.value.as_dict().keys() == {"resource_id"}


def test_the_commune_alone_no_longer_allocates_a_shared_resource(app, case, in_commune):
    _commune_alone_refused(case, in_commune)


def test_planted_twin_the_commune_allocates_alone(app, case, in_commune, monkeypatch):
    from convergence_water import basin

    monkeypatch.setattr(basin, "is_basin_managed", lambda resource: False)
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        _commune_alone_refused(case, in_commune)


def _plain_member_refused(app, case) -> None:
    from convergence_water import basin

    from federation.errors import Forbidden
    from federation.identity.models import User

    with app.app_context():
        plain = db.session.get(User, case.members["aval"][1].user.id)
        with pytest.raises(Forbidden):
            basin.propose(case.federation.id, case.spring_id, plain, today=SUMMER)
        db.session.rollback()


def test_planted_twin_anyone_proposes(app, case, monkeypatch):
    from convergence_water import basin

    monkeypatch.setattr(basin, "in_basin_circle", lambda user, federation: True)
    with pytest.raises(pytest.fail.Exception):
        _plain_member_refused(app, case)


def test_only_the_basin_circle_proposes(app, client, factory, case):

    _plain_member_refused(app, case)
    factory.login(client, case.members["aval"][1])
    page = client.get("/f/bv-bassin/water/")
    token = page.get_data(as_text=True)
    assert page.status_code == 200 and "Proposer aux assemblées" not in token
    assert (
        client.post("/f/bv-bassin/water/", data={"resource_id": case.spring_id}).status_code == 403
    )
    assert "/f/bv-bassin/water/" in client.get("/f/bv-bassin/").get_data(as_text=True)
    factory.login(client, case.circle["aval"])
    page = client.get("/f/bv-bassin/water/")
    assert "Proposer aux assemblées" in page.get_data(as_text=True)
    bad = client.post("/f/bv-bassin/water/", data={"resource_id": "999999"})
    assert bad.status_code == 404 or bad.status_code == 422
    bad = client.post(
        "/f/bv-bassin/water/", data={"resource_id": case.spring_id, "vital_litres": "5"}
    )
    assert bad.status_code == 422 and "vital_litres-error" in bad.get_data(as_text=True)
    ok = client.post("/f/bv-bassin/water/", data={"resource_id": case.spring_id})
    assert ok.status_code == 302


def test_scheduled_task_recomputes_on_season_turn(app, case):
    from federation.ops.scheduler import task_named

    task = task_named(app, "water.basin_recompute")
    assert task.command == ("water", "basin-recompute") and not task.per_commune
    _run_id, proposal_id = _propose(app, case)
    ratify_everywhere(app, case, proposal_id)
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(args=["water", "basin-recompute", "--today", "2026-12-22"])
        assert result.exit_code == 0, result.output
        assert "1 basin allocations recomputed" in result.output
    with app.app_context():
        again = runner.invoke(args=["water", "basin-recompute", "--today", "2026-12-22"])
        assert "0 basin allocations recomputed" in again.output
    with app.app_context():
        bad = runner.invoke(args=["water", "basin-recompute", "--today", "22/12/2026"])
        assert bad.exit_code != 0 and "--today" in bad.output


def test_the_intercommunal_proposal_title_is_data(app, case):
    from flask_babel import force_locale

    from federation.intercommunal.models import FederationProposal

    _run_id, proposal_id = _propose(app, case)
    with app.test_request_context():
        proposal = db.session.get(FederationProposal, proposal_id)
        assert proposal.title == "Partage de l'eau de Source partagée dans le bassin"
        if hasattr(proposal, "title_kind"):  # generated titles (issue 16)
            assert proposal.title_kind == "water.proposal.basin_allocation"
            assert proposal.title_params["communes"] == 3
            with force_locale("en"):
                text = proposal.text
                assert "BV Milieu" in text and "m³/d" in text and "per person" in text


def test_api_propose_then_each_person_reads_their_own(app, client, factory, case):
    fid = case.federation.id
    api = f"/api/v1/communes/bv-aval/water/basins/{fid}/allocations"
    plain = case.members["aval"][1]
    assert client.post(api, json={"resource_id": case.spring_id}).status_code == 401
    refused = client.post(
        api, json={"resource_id": case.spring_id}, headers=factory.token(plain.user)
    )
    assert refused.status_code == 403
    circle = factory.token(case.circle["aval"].user)
    bad = client.post(api, json={"resource_id": case.spring_id, "vital_litres": 5}, headers=circle)
    assert bad.status_code == 422 and "vital_litres" in bad.get_data(as_text=True)
    missing = client.post(api, json={"resource_id": 999999}, headers=circle)
    assert missing.status_code == 404 and "resource_id" in missing.get_data(as_text=True)
    made = client.post(api, json={"resource_id": case.spring_id}, headers=circle)
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.json
    assert body["status"] == "ratifying" and len(body["communes"]) == 3
    assert {c["people"] for c in body["communes"]} == {None, 6}  # under 5: hidden
    ratify_everywhere(app, case, body["federation_proposal_id"])
    mine = client.get(
        "/api/v1/communes/bv-aval/water/me/basin",
        headers=factory.token(case.members["aval"][0].user),
    )
    assert mine.status_code == 200
    assert [(m["status"], m["people"], m["vital_l"]) for m in mine.json] == [("applied", 2, 100)]
    assert mine.json[0]["basin_run"]["communes"][0]["ratification"] == "ratified"
    listing = client.get(api, headers=circle).json
    assert [r["status"] for r in listing] == ["applied"]


def test_linking_a_connection_checks_who_and_what(app, client, factory, case, in_commune):
    from convergence_water import services

    with in_commune(case.towns["aval"]):
        spare = services.create_resource({"code": "INTER2", "name": "Seconde", "kind": "network"})
        spare_id = spare.id
    url = "/c/bv-aval/water/basin-links"
    form = {
        "local_resource_id": spare_id,
        "federation_id": case.federation.id,
        "shared_resource_id": case.spring_id,
    }
    factory.login(client, case.members["aval"][1])  # not in the water circle
    assert client.post(url, data=form).status_code == 403
    factory.login(client, case.circle["aval"])
    bad = client.post(url, data={**form, "shared_resource_id": 999999})
    assert bad.status_code == 404 or (
        bad.status_code == 422 and "shared_resource_id" in bad.get_data(as_text=True)
    )
    again = client.post(url, data={**form, "local_resource_id": case.local["aval"]})
    assert again.status_code == 409 or again.status_code == 422
    ok = client.post(url, data=form)
    assert ok.status_code == 302
    with in_commune(case.towns["amont"]):
        from convergence_water import basin

        from federation.errors import ValidationFailed

        with pytest.raises(ValidationFailed) as own:  # a commune does not link to itself
            basin.link(case.spring_id, case.federation.id, case.spring_id)
        assert own.value.as_dict().keys() == {"shared_resource_id"}


def test_recomputed_when_a_level_expires(app, case, in_commune):
    from datetime import timedelta

    from convergence_water import basin, services

    from federation.tenancy.context import unscoped

    with in_commune(case.towns["milieu"]):  # Milieu's part of the basin is on alert
        services.declare_level(
            {
                "level": "alerte",
                "basin": case.federation.id,
                "starts_on": (SUMMER - timedelta(days=10)).isoformat(),
                "ends_on": (SUMMER + timedelta(days=5)).isoformat(),
            },
            source="manual",
            today=SUMMER,
        )
    run_id, proposal_id = _propose(app, case)
    assert _basin_run(app, case, run_id)[:3] == ("ratifying", "proposal", "summer")
    ratify_everywhere(app, case, proposal_id)
    with app.app_context(), unscoped():
        assert basin.recompute_all(SUMMER + timedelta(days=3)) == []  # still in force
        new = basin.recompute_all(SUMMER + timedelta(days=10))  # expired, same season
        assert [(r.trigger, r.level, r.season) for r in new] == [("level", "normal", "summer")]
        db.session.commit()


def test_basin_pages_queries_do_not_grow_with_runs(app, client, factory, case, count_queries):
    from convergence_water import basin

    from federation.tenancy.context import unscoped

    _run_id, proposal_id = _propose(app, case)
    ratify_everywhere(app, case, proposal_id)
    factory.login(client, case.members["milieu"][0])
    urls = ("/f/bv-bassin/water/", "/c/bv-milieu/water/me/basin")

    def counts() -> list[int]:
        found = []
        for url in urls:
            client.get(url)  # warm (session, locale)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            found.append(len(counter.reads_and_writes))
        return found

    before = counts()
    with app.app_context(), unscoped():
        basin.recompute_all(WINTER)  # a second basin run, a second part per commune
        db.session.commit()
    assert counts() == before
