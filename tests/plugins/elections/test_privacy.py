"""Personal data for the filing never leaves the list's coordinators: every GET route of the
plugin (web and API) is walked as a visitor, a member (a candidate too) and a member of
another commune; exports, the journal and proposals are searched. A planted twin (the
coordinator guard switched off) must be caught by the same walk."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from convergence_elections import draws, services
from sqlalchemy import select

from federation.db import db
from federation.governance.models import Proposal
from federation.journal.models import JournalEntry

from .conftest import SECRETS, build_list, found_programme, response_text, user


def seed(town, in_commune) -> dict[str, int]:
    found_programme(in_commune, town)
    list_id = build_list(in_commune, town)
    with in_commune(town.commune):
        actor = user(town.facilitator)
        services.propose_list(services.get_list(list_id), actor)
        draw = draws.create_draw({"title": "Jury", "seats": 2, "attributes": ["sex"]}, actor)
        for ref, sex in zip(town.members[:4], "FMFM", strict=True):
            draws.volunteer(draw, {"sex": sex}, user(ref))
        draws.commit(draw, {}, actor)
        draws.run(draw, actor)
        measure = services.add_measure(
            {"axis_id": services.axes()[0].id, "title": "M", "decision_ids": "1"}, actor
        )
        return {"list_id": list_id, "draw_id": draw.id, "measure_id": measure.id}


def plugin_urls(app, town, ids: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("elections.", "elections_api.")):
            continue
        if "GET" not in rule.methods:
            continue
        values: dict[str, Any] = {"commune": town.commune.slug}
        for arg in rule.arguments - {"commune"}:
            values[arg] = ids.get(arg, 1)
        urls.append(rule.build(values)[1])
    return sorted(urls)


def walk(client, urls, headers=None) -> list[tuple[str, str]]:
    leaks = []
    for url in urls:
        response = client.get(url, headers=headers or {})
        assert response.status_code < 500, (url, response.status_code)
        body = response_text(response)
        leaks += [(url, s) for s in SECRETS if s in body]
    return leaks


@pytest.fixture
def seeded(town, in_commune):
    return seed(town, in_commune)


def test_walk_every_route_as_visitor_member_candidate_and_outsider(app, factory, town, seeded):
    urls = plugin_urls(app, town, seeded)
    assert len(urls) >= 14
    assert any(u.endswith("/filing.csv") for u in urls)
    assert any(u.endswith("/filing.pdf") for u in urls)
    assert walk(app.test_client(), urls) == []
    neighbour = factory.member(town.commune)
    # a candidate sees their own form on the list page, nobody else's
    for ref in (neighbour, town.outsider):
        client = app.test_client()
        factory.login(client, ref)
        assert walk(client, urls) == [], ref
        assert walk(app.test_client(), urls, factory.token(ref.user)) == []
    client = app.test_client()
    factory.login(client, town.members[0])
    page = client.get(f"{town.base}/lists/{seeded['list_id']}").text
    assert "SECRETLASTNAME0" in page and "SECRETLASTNAME1" not in page
    assert client.get(f"{town.base}/lists/{seeded['list_id']}/filing.csv").status_code == 404


def test_the_coordinator_exports_in_the_list_order_with_every_field(
    app, factory, town, seeded, in_commune
):
    client = app.test_client()
    factory.login(client, town.facilitator)
    base = f"{town.base}/lists/{seeded['list_id']}"
    response = client.get(f"{base}/filing.csv")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    assert rows[0] == [
        "Ordre",
        "Nom",
        "Prénoms",
        "Sexe",
        "Date de naissance",
        "Lieu de naissance",
        "Nationalité",
        "Adresse",
    ]
    with in_commune(town.commune):
        row = services.get_list(seeded["list_id"])
        people = {c.id: c for c in services.candidacies(row)}
        expected = [people[i].sex for i in row.order]
    assert [r[3] for r in rows[1:]] == expected and len(rows) == 12
    assert rows[1][1] == "SECRETLASTNAME0" and rows[2][1] == "SECRETLASTNAME1"
    pdf = response_text(client.get(f"{base}/filing.pdf"))
    assert "SECRETLASTNAME0" in pdf and "Secretbirthplace" in pdf
    assert "SECRETLASTNAME0" in client.get(f"{base}/filing").text


def test_formula_cells_are_neutralised(app, factory, town, seeded, in_commune):
    from convergence_elections import filing
    from convergence_elections.models import Candidacy

    with in_commune(town.commune):
        c = db.session.scalars(
            select(Candidacy).where(Candidacy.user_id == town.members[0].user.id)
        ).one()
        filing.give(
            c,
            {
                "last_name": '=HYPERLINK("http://x")',
                "first_names": "+1",
                "birth_date": "1990-01-01",
                "birth_place": "@SUM(A1)",
                "nationality": "-2",
                "address": "ok",
            },
            user(town.members[0]),
        )
    client = app.test_client()
    factory.login(client, town.facilitator)
    text = client.get(f"{town.base}/lists/{seeded['list_id']}/filing.csv").get_data(as_text=True)
    for cell in ("'=HYPERLINK", "'+1", "'@SUM", "'-2"):
        assert cell in text
    assert "\n=" not in text and ";=" not in text


def test_planted_twin_guard_off_is_caught(app, factory, town, seeded, monkeypatch):
    monkeypatch.setattr(services, "is_coordinator", lambda row, user: user is not None)
    from convergence_elections import filing, views

    monkeypatch.setattr(filing, "is_coordinator", lambda row, user: user is not None)
    monkeypatch.setattr(views.services, "is_coordinator", lambda row, user: user is not None)
    client = app.test_client()
    stranger = factory.member(town.commune)
    factory.login(client, stranger)
    leaks = walk(client, plugin_urls(app, town, seeded))
    assert {s for _u, s in leaks} >= {"SECRETLASTNAME", "7 impasse Secretaddress"}
    assert any(u.endswith(".pdf") for u, _s in leaks)  # the PDF's text is searched too


def test_exports_journal_and_proposals_carry_no_personal_data(app, town, seeded, in_commune):
    from convergence_elections.transfer import export_commune

    with in_commune(town.commune):
        exported = repr(export_commune())
        journal = " ".join(
            f"{e.summary} {e.payload} {e.actor}" for e in db.session.scalars(select(JournalEntry))
        )
        proposals = " ".join(f"{p.title} {p.text}" for p in db.session.scalars(select(Proposal)))
    for secret in SECRETS:
        assert secret not in exported and secret not in journal and secret not in proposals


def test_personal_data_export_and_erasure(app, town, seeded, in_db):
    from convergence_elections.transfer import erase_personal_data, personal_data

    from federation.identity.models import User

    with in_db():
        person = db.session.get(User, town.members[0].user.id)
        data = personal_data(person)
        assert data["candidacies"][0]["filing"]["last_name"] == "SECRETLASTNAME0"
        assert data["draw_volunteers"][0]["attributes"] == {"sex": "F"}
        erase_personal_data(person)
    with in_db():
        person = db.session.get(User, town.members[0].user.id)
        assert personal_data(person) == {"candidacies": [], "draw_volunteers": []}
