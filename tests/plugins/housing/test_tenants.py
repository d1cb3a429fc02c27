"""Tenants' collectives: a grievance is routed to the housing circle, which turns it into a
formal letter to the landlord; the collective is seen by its founder and the circle only."""

from __future__ import annotations

import pytest
from convergence_housing import tenants

from federation.errors import Forbidden, NotFound

from .conftest import user


def test_grievance_routed_and_turned_into_a_letter(app, factory, town, in_commune):
    with in_commune(town.commune):
        founder = user(town.members[0])
        row = tenants.create_collective(
            {"name": "Locataires du Mas", "landlord": "SCI Bailleur-Secret"}, founder
        )
        item = tenants.raise_grievance(
            row, {"kind": "repairs", "description": "Toiture qui fuit"}, founder
        )
        assert item.status == "routed"
        with pytest.raises(Forbidden):
            tenants.write_letter(row, item, founder)
        with pytest.raises(NotFound):
            tenants.get_collective(row.id, user(town.members[1]))
        letter = tenants.write_letter(row, item, user(town.circle_member))
        assert "SCI Bailleur-Secret" in letter and "Toiture qui fuit" in letter
        assert item.status == "letter"
        collective_id = row.id
    client = app.test_client()
    factory.login(client, town.members[1])
    assert client.get(f"{town.base}/collectives/{collective_id}").status_code == 404
    assert "Bailleur-Secret" not in client.get(f"{town.base}/collectives").get_data(as_text=True)
    factory.login(client, town.circle_member)
    page = client.get(f"{town.base}/collectives/{collective_id}")
    assert page.status_code == 200 and "Bailleur-Secret" in page.get_data(as_text=True)
