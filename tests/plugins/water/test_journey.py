"""Journey 4 of the design, end to end with the core's votes: the water circle declares
« alerte » on a resource, puts the allocation to its vote, and every user sees an explained
allocation; the federation page shows the basin balance."""

from __future__ import annotations

from convergence_water.models import AllocationRun, DroughtLevel
from sqlalchemy import select

from federation.db import db
from federation.governance.models import Proposal, Vote
from federation.journal.services import commune_chain, verify


def _vote_of(in_commune, town, proposal_id: int) -> int:
    with in_commune(town.commune):
        return db.session.scalar(select(Vote.id).where(Vote.proposal_id == proposal_id))


def _vote_and_close(client, factory, town, vote_id: int, voters) -> dict:
    api = f"/api/v1/communes/{town.commune.slug}"
    for voter in voters:
        cast = client.post(
            f"{api}/votes/{vote_id}/ballots",
            json={"ballot": {"choice": "yes"}},
            headers=factory.token(voter.user),
        )
        assert cast.status_code == 201, cast.json
    closed = client.post(
        f"{api}/votes/{vote_id}/close", headers=factory.token(town.facilitator.user)
    )
    assert closed.status_code == 200, closed.json
    return closed.json


def test_alerte_then_allocation_through_the_circles_votes(
    app, client, factory, in_commune, water_town
):
    town = water_town
    voters = [town.facilitator, town.circle_member]
    factory.login(client, town.facilitator)

    # 1. A person of the water circle declares « alerte » on the spring: a proposal of the
    #    circle, its vote opened at once (she facilitates).
    response = client.post(
        f"{town.base}/levels",
        data={
            "action": "propose",
            "level": "alerte",
            "resource_id": str(town.spring_id),
            "basin": "",
            "body_id": str(town.circle_id),
            "text": "La source a perdu la moitié de son débit.",
            "open_vote": "on",
        },
    )
    assert response.status_code == 302, response.text
    proposal_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with in_commune(town.commune):
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.extra["water"] == {"level": "alerte", "resource_id": town.spring_id}
        assert proposal.body_id == town.circle_id and proposal.status == "voting"
    result = _vote_and_close(client, factory, town, _vote_of(in_commune, town, proposal_id), voters)
    assert result["adopted"] is True

    # the decision sets the level (source: decision) and a fresh allocation is proposed
    with in_commune(town.commune):
        level = db.session.scalar(select(DroughtLevel))
        assert level.level == "alerte" and level.source == "decision" and level.decision_id
        run = db.session.scalar(
            select(AllocationRun).where(AllocationRun.resource_id == town.spring_id)
        )
        assert run.status == "proposed" and run.level == "alerte"
        run_id = run.id
    page = client.get(f"{town.base}/levels").text
    assert "niveau alerte" in page and "décision du cercle de l" in page

    # 2. The allocation is put to the circle's vote from its page, then adopted.
    response = client.post(
        f"{town.base}/allocations/{run_id}",
        data={"action": "propose", "body_id": str(town.circle_id), "open_vote": "on"},
    )
    assert response.status_code == 302, response.text
    proposal_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with in_commune(town.commune):
        assert db.session.get(AllocationRun, run_id).status == "in_vote"
    _vote_and_close(client, factory, town, _vote_of(in_commune, town, proposal_id), voters)
    with in_commune(town.commune):
        run = db.session.get(AllocationRun, run_id)
        assert run.status == "applied" and run.decision_id is not None

    # 3. Every user of the resource sees an explained allocation.
    household = town.members[0]  # linked to « Famille Martin »
    factory.login(client, household)
    mine = client.get(f"{town.base}/me").text
    assert (
        "Besoins vitaux" in mine and "4 personnes × 50\xa0litres = 200\xa0litres par jour" in mine
    )
    assert "Réduction de 50\xa0% au niveau « alerte »" in mine  # leisure rule
    api = client.get(f"{town.api}/me", headers=factory.token(household.user)).json
    assert api[0]["total_l"] > 0 and api[0]["explanation"][0]["category"] == "vital"
    note = client.get("/notifications").text
    assert "Nouvelle allocation d&#39;eau" in note
    # a school (public service) is listed openly with its explanation on the run page
    public = client.get(f"{town.base}/allocations/{run_id}").text
    assert "École du bourg" in public and "Famille Dupuy-Secret" not in public

    with app.app_context():
        [report] = verify(commune_chain(town.commune.id))
        assert report.broken is None


def test_the_federation_page_shows_the_basin_balance(
    app, client, factory, in_commune, water_town, count_queries
):
    from convergence_water import services

    town = water_town
    other = factory.commune("aval", "Aval-sur-Vienne")
    factory.enable(other, "water")
    basin = factory.federation(
        "bassin-test", communes=[town.commune, other], kind="basin", name="Bassin de la Source"
    )
    with in_commune(town.commune):
        for rid in (town.spring_id, town.borehole_id):
            services.update_resource(services.get_resource(rid), {"federation_id": basin.id})
        services.declare_level({"level": "alerte", "basin": basin.id}, source="import")
        for run in services.runs():
            services.apply_run(run)
    with in_commune(other):
        spring = services.create_resource(
            {
                "code": "S",
                "name": "Source d'Aval",
                "kind": "spring",
                "federation_id": basin.id,
                "yield_autumn_m3": "3",
                "yield_winter_m3": "3",
                "yield_summer_m3": "3",
                "yield_spring_m3": "3",
            }
        )
        services.create_water_user(
            {
                "kind": "business",
                "name": "Tannerie",
                "resource_id": spring.id,
                "needs": {"economic": 5000},
            }
        )

    page = client.get(f"/f/{basin.slug}/")
    assert page.status_code == 200
    text = page.text
    assert "Eau disponible aujourd" in text and "ressources partagées du bassin" in text
    assert "Allocations en vigueur" in text and "Besoins déclarés" in text
    # the commune's own balance page of the basin
    factory.login(client, town.members[1])
    balance = client.get(f"{town.base}/basin/{basin.id}").text
    assert "Aval-sur-Vienne" in balance and "Source d&#39;Aval" in balance
    assert "Famille Martin-Secret" not in balance
    data = client.get(
        f"{town.api}/basins/{basin.id}/balance", headers=factory.token(town.members[1].user)
    ).json
    rows = {r["name"]: r for r in data["communes"]}
    assert rows["Source-Ville"]["level"] == "alerte"
    assert rows["Aval-sur-Vienne"]["need_total"] == 5000
    assert rows["Source-Ville"]["people"] is None or rows["Source-Ville"]["people"] >= 5

    # indicators: a constant number of queries whatever the number of communes
    def queries() -> int:
        client.get(f"/f/{basin.slug}/")
        with count_queries() as counter:
            assert client.get(f"/f/{basin.slug}/").status_code == 200
        return counter.count

    small = queries()
    more = [factory.commune(f"amont-{n}") for n in range(6)]
    with app.app_context():
        pass
    for ref in more:
        factory.enable(ref, "water")
        with in_commune(ref):
            spring = services.create_resource(
                {"code": "S", "name": "Source", "kind": "spring", "federation_id": None}
            )
            services.create_water_user(
                {
                    "kind": "household",
                    "name": "Foyer",
                    "people": 3,
                    "resource_id": spring.id,
                    "meter_code": "X",
                    "needs": {"drinking": 300},
                }
            )
        from federation.tenancy.models import Commune, Federation
        from federation.tenancy.services import add_commune_to_federation

        with app.app_context():
            from federation.tenancy.context import unscoped

            with unscoped():
                add_commune_to_federation(
                    db.session.get(Federation, basin.id), db.session.get(Commune, ref.id)
                )
                db.session.commit()
    assert queries() == small
