"""The same services through the API and the pages: state changes, refusals as 4xx naming
the field (never a 500, nothing half-written), no state change on GET."""

from __future__ import annotations

import io

from convergence_housing.models import Dwelling, Pledge
from sqlalchemy import func, select

from federation.db import db

LOVAC = "invariant;adresse;type\nZ1;1 rue;MAISON\nZ2;2 rue;APPARTEMENT\n"


def test_api_follow_up_along_the_vocabulary(app, factory, town):
    client = app.test_client()
    headers = factory.token(town.circle_member.user)
    made = client.post(f"{town.api}/dwellings", json={"address": "3 rue"}, headers=headers)
    assert made.status_code == 201, made.get_json()
    dwelling_id = made.get_json()["id"]
    url = f"{town.api}/dwellings/{dwelling_id}/status"
    wrong = client.post(url, json={"status": "done", "substatus": "back_in_use"}, headers=headers)
    assert wrong.status_code == 409 and "status" in wrong.get_json()["errors"]["json"]
    missing = client.post(url, json={"status": "blocked"}, headers=headers)
    assert missing.status_code == 422 and "substatus" in missing.get_json()["errors"]["json"]
    ok = client.post(url, json={"status": "blocked", "substatus": "ruin"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["status"] == "blocked"
    unknown = client.post(url, json={"status": "blocked", "commune_id": 2}, headers=headers)
    assert unknown.status_code == 422
    detail = client.get(f"{town.api}/dwellings/{dwelling_id}", headers=headers).get_json()
    assert [
        (e["field"], e["old"], e["new"]) for e in detail["events"] if e["field"] == "status"
    ] == [
        ("status", "", "not_followed"),
        ("status", "not_followed", "blocked"),
    ]


def test_api_member_cannot_steer(app, factory, town):
    client = app.test_client()
    headers = factory.token(town.members[0].user)
    assert (
        client.post(f"{town.api}/dwellings", json={"address": "x"}, headers=headers).status_code
        == 403
    )
    assert client.get(f"{town.api}/dwellings", headers=headers).status_code == 404
    assert client.post(f"{town.api}/dwellings", json={"address": "x"}).status_code == 401


def test_api_import_errors_and_reimport(app, factory, town, in_commune):
    client = app.test_client()
    headers = factory.token(town.facilitator.user)
    bad = client.post(f"{town.api}/import", json={"csv": LOVAC + "Z3;;MAISON\n"}, headers=headers)
    assert bad.status_code == 422 and "Ligne 4" in bad.get_json()["errors"]["json"]["csv"][0]
    for expected in ((2, 0), (0, 0)):
        done = client.post(f"{town.api}/import", json={"csv": LOVAC, "year": 2025}, headers=headers)
        assert (done.get_json()["created"], done.get_json()["updated"]) == expected
    with in_commune(town.commune):
        assert db.session.scalar(select(func.count(Dwelling.id))) == 2


def test_web_import_and_bad_pledge_named(app, factory, town, in_commune):
    client = app.test_client()
    factory.login(client, town.facilitator)
    page = client.post(
        f"{town.base}/import",
        data={"file": (io.BytesIO(LOVAC.encode()), "lovac.csv"), "year": "2025"},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "2 logements ajoutés" in page.get_data(as_text=True)
    bad = client.post(
        f"{town.base}/import",
        data={"file": (io.BytesIO(b"invariant;adresse\nQ;\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "Ligne 2" in bad.get_data(as_text=True)
    made = client.post(f"{town.base}/projects", data={"name": "École", "price": "1000"})
    assert made.status_code == 302
    project_url = made.headers["Location"]
    refused = client.post(project_url, data={"action": "pledge", "kind": "gift", "amount": "-3"})
    assert refused.status_code == 422 and 'id="f-amount-error"' in refused.get_data(as_text=True)
    with in_commune(town.commune):
        assert db.session.scalar(select(func.count(Pledge.id))) == 0


def test_anonymous_pages_and_get_changes_nothing(app, town, in_commune):
    client = app.test_client()
    for path in ("/", "/grid", "/allocations", "/projects", "/rents"):
        assert client.get(f"{town.base}{path}").status_code == 200, path
    assert client.get(f"{town.base}/dwellings").status_code in (302, 401)
    assert client.get(f"{town.api}/supply").status_code == 200


def test_plugin_off_answers_404(app, factory, town):
    factory.disable(town.commune, "housing")
    client = app.test_client()
    assert client.get(f"{town.base}/").status_code == 404
    assert client.get(f"{town.api}/supply").status_code == 404


def test_federation_indicators_constant_queries(app, factory, in_commune, count_queries):
    """Three statements whatever the number of communes, in steady state.

    The federation page calls the hook inside the request's federation scope, after the
    request's first query opened its transaction. On PostgreSQL a transaction opens with
    one ``set_config`` statement that binds the scope for row-level security
    (federation.tenancy.rls.bind): a per-transaction cost, not one of the indicators. So
    each subset is counted on a warm transaction already bound to its scope, as in a
    request; the cold call's only extra statement is that binding."""
    from convergence_housing.supply import supply_demand

    from federation.tenancy.context import federation_scope

    from .conftest import make_town

    towns = [make_town(factory, in_commune, f"bourg-{i}", f"Bourg {i}") for i in range(3)]
    for index, item in enumerate(towns):
        with in_commune(item.commune):
            from convergence_housing import services

            for n in range(index * 3 + 1):
                services.create_dwelling({"address": f"{n} rue"}, None)
    ids = [t.commune.id for t in towns]

    def measure(compute):
        counts, cold_extra, rows = [], [], {}
        for subset in (ids[:1], ids):
            with app.app_context(), federation_scope(subset):
                with count_queries() as cold:
                    compute(subset)
                with count_queries() as warm:
                    rows = compute(subset)
            counts.append(warm.count)
            cold_extra.extend(cold.statements[: cold.count - warm.count])
        return counts, cold_extra, rows

    counts, cold_extra, rows = measure(supply_demand)
    assert counts == [3, 3], counts
    assert all("set_config" in statement for statement in cold_extra), cold_extra
    assert sum(rows[ids[2]].statuses.values()) == 7
    # planted twin: a computation commune by commune grows with the federation, and fails
    per_commune, _extra, _rows = measure(lambda s: [supply_demand([c]) for c in s])
    assert per_commune[0] != per_commune[1]
