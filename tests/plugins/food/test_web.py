"""The pages, the API and the CLI go through the same services: a distribution journey on
the web (contract prepared, voted, subscribed, distribution with its rota and pick-up lists),
bad input named by field, nothing written on GET."""

from __future__ import annotations

import re
from datetime import date, timedelta

from convergence_food.models import Contract, Distribution, Subscription
from sqlalchemy import select

from federation.db import db
from federation.governance.models import Vote


def _id(response) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_distribution_journey_on_the_web(app, client, factory, in_commune, food_town):
    town = food_town
    factory.login(client, town.facilitator)
    # a second contract, prepared and voted from the pages
    response = client.post(
        f"{town.base}/contracts",
        data={
            "producer_id": str(town.producer_id),
            "title": "Paniers d'automne",
            "season": "Automne",
            "max_skips": "1",
            "solidarity_quota": "0",
        },
    )
    assert response.status_code == 302, response.text
    contract_id = _id(response)
    page = client.get(f"{town.base}/contracts/{contract_id}")
    product_id = re.search(r'<option value="(\d+)"[^>]*>Tomates', page.text).group(1)
    day = date.today() + timedelta(days=10)
    for data in (
        {"action": "line", "product_id": product_id, "price": "3,90", "solidarity_price": "2,50"},
        {"action": "delivery", "delivery_on": day.isoformat()},
    ):
        response = client.post(f"{town.base}/contracts/{contract_id}", data=data)
        assert response.status_code == 302, response.text
    bad = client.post(
        f"{town.base}/contracts/{contract_id}",
        data={
            "action": "line",
            "product_id": product_id,
            "price": "douze",
            "solidarity_price": "1",
        },
    )
    assert bad.status_code == 422 and 'id="f-price"' in bad.text
    response = client.post(
        f"{town.base}/contracts/{contract_id}",
        data={"action": "propose", "body_id": str(town.circle_id), "open_vote": "on"},
    )
    assert response.status_code == 302 and "/proposals/" in response.headers["Location"]
    proposal_id = _id(response)
    with in_commune(town.commune):
        vote_id = db.session.scalar(select(Vote.id).where(Vote.proposal_id == proposal_id))
    api = f"/api/v1/communes/{town.commune.slug}"
    for voter in (town.facilitator, town.circle_member):
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
    with in_commune(town.commune):
        assert db.session.get(Contract, contract_id).status == "open"

    # the distribution of that day: the delivery joins it
    response = client.post(
        f"{town.base}/distributions",
        data={"day": day.isoformat(), "starts_at": "17:30", "ends_at": "19:00", "place": "Halle"},
    )
    assert response.status_code == 302, response.text
    distribution_id = _id(response)

    # a member subscribes on the web
    member = town.members[0]
    factory.login(client, member)
    page = client.get(f"{town.base}/contracts/{contract_id}")
    line_id = re.search(r'name="(qty_\d+)"', page.text).group(1)
    response = client.post(
        f"{town.base}/contracts/{contract_id}",
        data={"action": "subscribe", line_id: "2", "tier": "standard"},
    )
    assert response.status_code == 302, response.text
    with in_commune(town.commune):
        sub = db.session.scalar(select(Subscription).where(Subscription.contract_id == contract_id))
        assert str(sub.total) == "7.80"
    assert "7,80" in client.get(response.headers["Location"]).text

    # the circle opens the rota and reads the pick-up lists; the print page is theirs
    factory.login(client, town.facilitator)
    response = client.post(f"{town.base}/distributions/{distribution_id}", data={"action": "rota"})
    assert response.status_code == 302, response.text
    page = client.get(f"{town.base}/distributions/{distribution_id}").text
    assert "Tomates" in page and member.user.display_name in page
    assert "0/2" in page  # the rota's roles, nobody signed up yet
    printed = client.get(f"{town.base}/distributions/{distribution_id}/print")
    assert printed.status_code == 200 and member.user.display_name in printed.text
    with in_commune(town.commune):
        assert db.session.get(Distribution, distribution_id).rota is True
        from federation import roster

        shifts = roster.shifts_for("food.distribution", str(distribution_id))
        assert len(shifts) == 2

    # anyone sees the quantities per producer, nobody else the names
    factory.login(client, town.members[1])
    page = client.get(f"{town.base}/distributions/{distribution_id}").text
    assert "Tomates" in page and member.user.display_name not in page
    assert client.get(f"{town.base}/distributions/{distribution_id}/print").status_code == 403


def test_api_refusals_name_the_field(client, factory, food_town):
    town = food_town
    headers = factory.token(town.facilitator.user)
    bad = client.post(f"{town.api}/producers", json={"name": ""}, headers=headers)
    assert bad.status_code == 422 and "name" in bad.json["errors"]["json"]
    unknown = client.post(
        f"{town.api}/producers", json={"name": "X", "commune_id": 2}, headers=headers
    )
    assert unknown.status_code == 422
    member = factory.token(town.members[0].user)
    refused = client.post(
        f"{town.api}/contracts/{town.contract_id}/subscriptions",
        json={"quantities": {str(town.lines[0]): "-1"}},
        headers=member,
    )
    assert refused.status_code == 422, refused.json
    assert f"quantity_{town.lines[0]}" in refused.json["errors"]["json"]
    ok = client.post(
        f"{town.api}/contracts/{town.contract_id}/subscriptions",
        json={"quantities": {str(town.lines[0]): "1"}},
        headers=member,
    )
    assert ok.status_code == 201 and ok.json["total"] == "12.60"
    gift = client.post(f"{town.api}/pot/gifts", json={"amount": "1,5"}, headers=member)
    assert gift.status_code == 201 and gift.json["balance"] == "1.50"
    anonymous = client.post(f"{town.api}/pot/gifts", json={"amount": "1"})
    assert anonymous.status_code == 401


def test_cli_gift_and_pickup(app, food_town):
    town = food_town
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)

    def run(*args: str):
        return runner.invoke(main, list(args), obj=info)

    result = run("food", "gift", "25,00", "--commune", town.commune.slug)
    assert result.exit_code == 0 and "25.00" in result.output, result.output
    bad = run("food", "gift", "vingt", "--commune", town.commune.slug)
    assert bad.exit_code == 1 and "amount" in bad.output
    result = run("food", "producers", "--commune", town.commune.slug)
    assert "Jardins de la Source" in result.output
