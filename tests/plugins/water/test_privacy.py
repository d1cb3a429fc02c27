"""Households' personal data are seen by the water circle (and the person concerned) only:
not by other members, not by visitors, not by another commune, not through a federation."""

from __future__ import annotations

import pytest

SECRETS = ("Famille Martin-Secret", "Famille Dupuy-Secret", "3 rue des Sources")


def _pages(town) -> list[str]:
    return [
        f"{town.base}/",
        f"{town.base}/users",
        f"{town.base}/users/{town.users['school']}",
        f"{town.base}/allocations",
        f"{town.api}/users",
        f"{town.api}/users/{town.users['school']}",
    ]


@pytest.fixture
def allocated(water_town, in_commune):
    from convergence_water import services

    with in_commune(water_town.commune):
        services.declare_level(
            {"level": "crise", "resource_id": water_town.spring_id}, source="manual"
        )
        for run in services.runs():
            services.apply_run(run)
    return water_town


def test_other_members_and_visitors_see_no_household(client, factory, allocated, in_commune):
    from convergence_water import services

    town = allocated
    with in_commune(town.commune):
        run_id = services.runs()[0].id
    for who in (None, town.members[1], town.outsider):
        if who is not None:
            factory.login(client, who)
        headers = factory.token(who.user) if who is not None else {}
        for url in [
            *_pages(town),
            f"{town.base}/allocations/{run_id}",
            f"{town.api}/allocations/{run_id}",
        ]:
            response = client.get(url, headers=headers if "/api/" in url else {})
            assert response.status_code in (200, 302), (url, response.status_code)
            body = response.get_data(as_text=True)
            assert not [s for s in SECRETS if s in body], (who, url)
        household = client.get(f"{town.base}/users/{town.users['dupuy']}")
        assert household.status_code in (302, 403)
        api = client.get(f"{town.api}/users/{town.users['dupuy']}", headers=headers)
        assert api.status_code == 404
        client.post("/logout")
        client.delete_cookie("convergence")


def test_the_water_circle_and_the_person_concerned_see_them(client, factory, allocated):
    town = allocated
    factory.login(client, town.circle_member)  # a plain member of the circle
    listing = client.get(f"{town.base}/users").text
    assert "Famille Martin-Secret" in listing and "Famille Dupuy-Secret" in listing
    factory.login(client, town.agent)  # water.households by role
    api = client.get(f"{town.api}/users", headers=factory.token(town.agent.user)).json
    assert {u["name"] for u in api} >= {"Famille Martin-Secret", "Famille Dupuy-Secret"}
    factory.login(client, town.members[0])  # the Martin household's own account
    own = client.get(f"{town.base}/users/{town.users['martin']}")
    assert own.status_code == 200 and "3 rue des Sources" in own.text
    assert client.get(f"{town.base}/users/{town.users['dupuy']}").status_code == 403


def test_another_commune_gets_nothing_even_as_admin(client, factory, allocated):
    town = allocated
    factory.login(client, town.outsider)
    neighbour = town.outsider.commune.slug
    factory.enable(town.outsider.commune, "water")
    for user_id in town.users.values():
        assert client.get(f"/c/{neighbour}/water/users/{user_id}").status_code == 404
        response = client.post(
            f"/c/{town.commune.slug}/water/users/{user_id}",
            data={"action": "edit", "name": "hacked"},
        )
        assert response.status_code in (400, 403)
    headers = factory.token(town.outsider.user)
    assert client.get(f"/api/v1/communes/{neighbour}/water/users", headers=headers).json == []
    assert (
        client.patch(
            f"{town.api}/users/{town.users['farm']}", json={"name": "x"}, headers=headers
        ).status_code
        == 403
    )


def test_personal_data_export_and_erasure(app, factory, allocated, in_commune):
    from convergence_water import services

    from federation.identity.models import User
    from federation.identity.personal_data import erase_user, export_user
    from federation.tenancy.context import unscoped

    town = allocated
    with app.app_context(), unscoped():
        from federation.db import db

        person = db.session.get(User, town.members[0].user.id)
        data = export_user(person)["plugins"]["water"]["water_users"]
        assert data[0]["name"] == "Famille Martin-Secret"
        erase_user(person)
        db.session.commit()
    with in_commune(town.commune):
        row = services.get_water_user(town.users["martin"])
        assert row.account_id is None and row.name == "Foyer anonymisé" and row.address == ""
