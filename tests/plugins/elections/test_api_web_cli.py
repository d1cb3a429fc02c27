"""Pages, API, widget, indicator, CLI (seats, verify-draw from the journal and from the
published file, a tampered file refused), and the drawn jury on its page."""

from __future__ import annotations

import json

from convergence_elections import draws, services
from sqlalchemy import select

from federation.db import db

from .conftest import build_list, user


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def _draw(in_commune, town, seats=4):
    with in_commune(town.commune):
        actor = user(town.facilitator)
        row = draws.create_draw(
            {"title": "Jury citoyen", "seats": seats, "attributes": ["sex", "area"]}, actor
        )
        for n, ref in enumerate(town.members):
            draws.volunteer(
                row, {"sex": "FM"[n % 2], "area": "Bourg" if n < 8 else "Le Mas"}, user(ref)
            )
        draws.commit(row, {}, actor)
        draws.run(row, actor)
        return row.id


def test_pages_answer_only_where_the_plugin_is_on(client, factory, town):
    off = factory.commune("ailleurs")
    assert client.get(f"{town.base}/").status_code == 200
    assert client.get(f"{town.base}/programme").status_code == 200
    assert client.get(f"/c/{off.slug}/elections/").status_code == 404
    assert client.get(f"/api/v1/communes/{off.slug}/elections/lists").status_code == 404


def test_forms_create_a_list_and_a_candidacy(client, factory, town, in_commune):
    factory.login(client, town.facilitator)
    response = client.post(f"{town.base}/lists", data={"title": "Nedde en commun"})
    assert response.status_code == 302
    with in_commune(town.commune):
        (row,) = services.lists()
        assert (row.seats, row.length) == (11, 11)
        list_id = row.id
    factory.login(client, town.members[0])
    response = client.post(
        f"{town.base}/lists/{list_id}/stand",
        data={"sex": "F", "statement": "Pour une commune en commun", "declared_adult": "on"},
    )
    assert response.status_code == 302
    page = client.get(f"{town.base}/lists/{list_id}").text
    assert "Pour une commune en commun" in page
    # a visitor cannot stand, nor create a list
    anonymous = factory.app.test_client()
    assert anonymous.post(f"{town.base}/lists", data={"title": "X"}).status_code in (302, 401)


def test_the_api_shows_the_order_and_its_explanation(client, factory, town, in_commune):
    list_id = build_list(in_commune, town)
    data = client.get(f"{town.api}/lists/{list_id}").json
    assert data["seats"] == 11 and (data["minimum"], data["maximum"]) == (9, 13)
    assert len(data["order"]) == 11
    assert any("passe devant" in line for line in data["explanation"])
    assert "loi n° 2025-444 du 21 mai 2025" in data["references"]
    people = client.get(f"{town.api}/lists/{list_id}/candidacies").json
    assert set(people[0]) == {
        "id",
        "name",
        "sex",
        "statement",
        "themes",
        "declared_adult",
        "declared_on_roll",
    }
    english = client.get(f"{town.api}/lists/{list_id}", headers={"Accept-Language": "en"}).json
    assert any("moves ahead of" in line for line in english["explanation"])


def test_the_api_stands_and_names_the_bad_field(client, factory, town, in_commune):
    with in_commune(town.commune):
        list_id = services.create_list({"title": "L"}, user(town.facilitator)).id
    url = f"{town.api}/lists/{list_id}/candidacies"
    headers = factory.token(town.members[0].user)
    bad = client.post(
        url, json={"sex": "X", "statement": "s", "declared_adult": True}, headers=headers
    )
    assert bad.status_code == 422 and "sex" in bad.json["errors"]["json"]
    refused = client.post(
        url, json={"sex": "F", "statement": "s", "declared_adult": False}, headers=headers
    )
    assert refused.status_code == 422 and "declared_adult" in refused.json["errors"]["json"]
    ok = client.post(
        url, json={"sex": "F", "statement": "s", "declared_adult": True}, headers=headers
    )
    assert ok.status_code == 201, ok.json
    assert (
        client.post(url, json={"sex": "F", "statement": "s", "declared_adult": True}).status_code
        == 401
    )


def test_the_draw_is_public_and_recomputable_from_the_journal_and_the_file(
    app, client, in_commune, town, tmp_path
):
    from federation.cli import main

    draw_id = _draw(in_commune, town)
    page = client.get(f"{town.base}/draws/{draw_id}").text
    assert "convergence elections verify-draw" in page
    published = client.get(f"{town.base}/draws/{draw_id}.json").json
    assert sum(len(v) for v in published["selected"].values()) == 4
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        ["elections", "verify-draw", town.commune.slug, str(draw_id)],
        obj=_script_info(app),
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK")
    good = tmp_path / "draw.json"
    good.write_text(json.dumps(published))
    result = runner.invoke(
        main, ["elections", "verify-draw", "--file", str(good)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    # planted twin: a selection that favours someone else is refused
    stratum = next(k for k, v in published["selected"].items() if v)
    others = [
        r
        for r, s in published["pool"].items()
        if s == stratum and r not in published["selected"][stratum]
    ]
    published["selected"][stratum][0] = others[0]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(published))
    result = runner.invoke(
        main, ["elections", "verify-draw", "--file", str(bad)], obj=_script_info(app)
    )
    assert result.exit_code == 1 and "selection differs" in result.output


def test_the_journal_holds_the_commitment_before_the_draw(in_commune, town):
    from federation.journal.models import JournalEntry

    draw_id = _draw(in_commune, town)
    with in_commune(town.commune):
        rows = [
            (e.seq, e.kind, json.loads(e.payload))
            for e in db.session.scalars(select(JournalEntry).order_by(JournalEntry.seq))
            if e.kind.startswith("elections.draw")
        ]
    (s1, k1, committed), (s2, k2, done) = rows
    assert (k1, k2) == ("elections.draw_committed", "elections.draw_done") and s1 < s2
    assert "seed" not in committed and done["draw"] == committed["draw"] == draw_id
    import hashlib

    assert hashlib.sha256(done["seed"].encode()).hexdigest() == committed["commitment"]
    assert {k: len(v) for k, v in done["selected"].items()} == committed["quotas"]
    from federation.identity.models import Notification

    with in_commune(town.commune):
        notes = db.session.scalars(
            select(Notification).where(Notification.kind == "elections.selected")
        ).all()
    assert len(notes) == 4


def test_seats_command(app):
    from federation.cli import main

    result = app.test_cli_runner().invoke(
        main, ["elections", "seats", "450"], obj=_script_info(app)
    )
    assert result.exit_code == 0 and "11 seats" in result.output and "9 to 13" in result.output


def test_the_widget_and_the_indicator(client, factory, in_commune, town):
    build_list(in_commune, town)
    assert "Nedde en commun" in client.get(f"/c/{town.commune.slug}/").text
    federation = factory.federation("plateau", communes=[town.commune])
    rows = client.get(f"/api/v1/federations/{federation.slug}/indicators").json
    (row,) = [r for r in rows if r["key"] == "elections.candidacies"]
    assert row["total"] == 14


def test_models_and_migrations_agree(app):
    from federation.migrate import drift

    assert [d for d in drift(app) if "elections" in repr(d) or "stage" in repr(d)] == []


def test_the_list_page_queries_do_not_grow_with_the_candidacies(
    client, factory, in_commune, town, count_queries
):
    with in_commune(town.commune):
        list_id = services.create_list({"title": "L"}, user(town.facilitator)).id
    url = f"{town.base}/lists/{list_id}"

    def stand(refs):
        with in_commune(town.commune):
            row = services.get_list(list_id)
            for ref in refs:
                services.stand(
                    row, {"sex": "F", "statement": "s", "declared_adult": True}, user(ref)
                )

    stand(town.members[:2])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    stand(town.members[2:])
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count
