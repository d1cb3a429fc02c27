"""Every spending points to the decision that allowed it (issue 21 item 2): one service books
it (page, API, CLI, events), in one transaction with its journal entry naming the link; the
voted line allows ordinary operating spending only where the commune's setting says so; an
import of executed amounts is a reconciliation that lists what has no decision and books
nothing; entries booked before the rule are kept and listed as "without decision". Each
guard has its planted twin."""

from __future__ import annotations

import json

from sqlalchemy import select

from federation.db import db
from federation.testing.factories import in_commune
from tests.plugins.actions.conftest import adopted_decision

CSV = """section;sens;chapitre;nature;fonction;libelle;prevu
fonctionnement;dépense;011;;020;Entretien des bâtiments;60000
fonctionnement;dépense;65;;024;Subventions aux associations;14000
investissement;dépense;21;;512;Éclairage public;30000
fonctionnement;recette;74;;01;Dotation globale de fonctionnement;74000
investissement;recette;13;1321;512;Subvention de l'État;30000
"""


def _setup(client, factory, town) -> dict[str, dict]:
    done = client.post(
        f"{town.base}/import-csv",
        json={"year": 2026, "csv": CSV},
        headers=factory.token(town.agent.user),
    )
    assert done.status_code == 200, done.json
    return {row["label"]: row for row in client.get(f"{town.base}/lines").json}


def _setup_line(client, town, label: str) -> dict:
    return next(r for r in client.get(f"{town.base}/lines").json if r["label"] == label)


def _decision(app, town, title="Acheter des lampadaires LED") -> int:
    with in_commune(app, town.commune):
        found = adopted_decision(title, town.members, town.facilitator)
        return found.id


def _spending_journal(app, commune_id) -> list[dict]:
    from federation.journal.models import JournalEntry
    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        return [
            json.loads(e.payload) if isinstance(e.payload, str) else e.payload
            for e in db.session.scalars(
                select(JournalEntry)
                .where(
                    JournalEntry.commune_id == commune_id, JournalEntry.kind == "budget.spending"
                )
                .order_by(JournalEntry.seq)
            )
        ]


def _book(client, factory, town, line, **body):
    return client.post(
        f"{town.base}/lines/{line['id']}/entries",
        json={"amount": "100.00", "label": "Dépense", **body},
        headers=factory.token(town.agent.user),
    )


def _cli_book(app, town, line):
    """``convergence budget book … --voted-line`` on ``line``."""
    slug, line_id = town.commune.slug, str(line["id"])
    return app.test_cli_runner().invoke(
        args=[
            *("budget", "book", "--commune", slug, "--line", line_id),
            *("--amount", "5", "--label", "Dépense", "--voted-line"),
        ]
    )


def test_a_spending_without_a_decision_is_refused_everywhere(client, factory, town, app):
    lines = _setup(client, factory, town)
    light = lines["Éclairage public"]
    cases = [
        {"authority": "line"},  # chapter 21: the voted line is not enough
        {"authority": "decision"},  # no decision named
        {"authority": "decision", "decision_id": 999999},  # no such decision
        {"decided_by": "Le maire"},  # the old free text: unknown field
        {},
    ]
    for body in cases:
        response = _book(client, factory, town, light, **body)
        assert response.status_code == 422, (body, response.json)
    page = client.post(
        f"{town.web}/lines/{light['id']}",
        data={"action": "book", "label": "LED", "amount": "10", "authority": "line"},
    )
    assert page.status_code in (302, 400, 403, 422)  # anonymous or refused: never booked
    factory.login(client, town.agent)
    html = client.get(f"{town.web}/lines/{light['id']}")
    token = html.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(
        f"{town.web}/lines/{light['id']}",
        data={
            "csrf_token": token,
            "action": "book",
            "label": "LED",
            "amount": "10",
            "authority": "line",
        },
    )
    assert refused.status_code == 422 and "décision" in refused.text
    building = _setup_line(client, town, "Entretien des bâtiments")
    booked = client.post(  # chapter 011: the voted line allows it, through the same service
        f"{town.web}/lines/{building['id']}",
        data={
            "csrf_token": token,
            "action": "book",
            "label": "Peinture",
            "amount": "10",
            "authority": "line",
        },
    )
    assert booked.status_code in (302, 303), booked.text
    page_entries = client.get(f"{town.base}/lines/{building['id']}/entries").json
    assert [(e["kind"], e["amount"]) for e in page_entries] == [("line", "10.00")]
    cli = _cli_book(app, town, light)
    assert cli.exit_code == 1 and "décision" in cli.output
    assert [e["label"] for e in client.get(f"{town.base}/entries").json] == ["Peinture"]
    assert [j["authority"]["kind"] for j in _spending_journal(app, town.commune.id)] == ["line"]


def test_planted_a_booking_path_that_skips_the_authority_is_caught(
    client, factory, town, app, monkeypatch
):
    """The twin: with the authority check planted away, the same request books a spending
    that points to nothing — the check is what refuses it."""
    from convergence_budget import services

    lines = _setup(client, factory, town)
    monkeypatch.setattr(services, "_authority", lambda *a, **k: {})
    response = _book(client, factory, town, lines["Éclairage public"], authority="line")
    assert response.status_code == 201  # booked without any decision: the bug planted
    assert response.json["decision_id"] is None


def test_a_spending_books_with_its_decision_and_the_journal_names_it(client, factory, town, app):
    lines = _setup(client, factory, town)
    decision_id = _decision(app, town)
    light = lines["Éclairage public"]
    done = _book(client, factory, town, light, authority="decision", decision_id=decision_id)
    assert done.status_code == 201, done.json
    assert done.json["kind"] == "decision" and done.json["decision_id"] == decision_id
    assert done.json["proposal_id"] and not done.json["without_decision"]
    again = _book(client, factory, town, light, authority="decision", decision_id=decision_id)
    assert again.status_code == 409  # one decision, one booking
    (journal,) = _spending_journal(app, town.commune.id)
    assert journal["authority"]["kind"] == "decision"
    assert journal["authority"]["decision"] == decision_id
    assert journal["authority"]["title"] == "Acheter des lampadaires LED"
    page = client.get(f"/c/{town.commune.slug}/journal")
    assert "permise par" in page.text and "Acheter des lampadaires LED" in page.text
    entry = client.get(f"{town.web}/entries/{done.json['id']}")
    assert "Acheter des lampadaires LED" in entry.text


def test_the_voted_line_allows_ordinary_spending_as_the_commune_says(client, factory, town, app):
    lines = _setup(client, factory, town)
    building, grants = lines["Entretien des bâtiments"], lines["Subventions aux associations"]
    ok = _book(client, factory, town, building, authority="line")
    assert ok.status_code == 201 and ok.json["kind"] == "line"
    assert _book(client, factory, town, grants, authority="line").status_code == 422
    revenue = lines["Dotation globale de fonctionnement"]
    decision_id = _decision(app, town, "Recette")
    on_revenue = _book(
        client, factory, town, revenue, authority="decision", decision_id=decision_id
    )
    assert on_revenue.status_code == 422  # a spending goes on an expense line only
    factory.enable(town.commune, "budget", settings={"voted_line_chapters": "65"})
    assert _book(client, factory, town, grants, authority="line").status_code == 201
    assert _book(client, factory, town, building, authority="line").status_code == 422
    journal = _spending_journal(app, town.commune.id)
    assert [j["authority"]["kind"] for j in journal] == ["line", "line"]
    cli = _cli_book(app, town, grants)
    assert cli.exit_code == 0 and "(line)" in cli.output, cli.output


def test_a_decision_of_another_commune_allows_nothing_here(client, factory, town, app):
    from tests.plugins.budget.conftest import Town

    lines = _setup(client, factory, town)
    other = factory.commune("ailleurs-budget", "Ailleurs")
    factory.enable(other, "budget")
    elsewhere = Town(
        commune=other,
        agent=None,
        elected=None,
        facilitator=factory.member(other, "facilitator"),
        admin=None,
        members=[factory.member(other) for _ in range(3)],
        base="",
        web="",
    )
    foreign = _decision(app, elsewhere, "Décision d'ailleurs")
    response = _book(
        client, factory, town, lines["Éclairage public"], authority="decision", decision_id=foreign
    )
    assert response.status_code == 422 and "decision" in response.json["errors"]["json"]


RECONCILE = """chapitre;nature;fonction;sens;realise
011;;020;dépense;700
21;;512;dépense;500
74;;01;recette;74000
23;;212;dépense;90
"""


def test_an_executed_import_is_a_reconciliation_that_books_nothing(client, factory, town, app):
    lines = _setup(client, factory, town)
    decision_id = _decision(app, town)
    _book(
        client,
        factory,
        town,
        lines["Éclairage public"],
        authority="decision",
        decision_id=decision_id,
        amount="500.00",
    )
    _book(client, factory, town, lines["Entretien des bâtiments"], authority="line")
    agent = factory.token(town.agent.user)
    before = client.get(f"{town.base}/entries").json
    found = client.post(
        f"{town.base}/reconcile", json={"year": 2026, "csv": RECONCILE}, headers=agent
    )
    assert found.status_code == 200, found.json
    rows = {(r["chapter"], r["direction"]): r for r in found.json["rows"]}
    assert rows[("011", "expense")]["without_decision"] == "600.00"
    assert rows[("011", "expense")]["status"] == "without_decision"
    assert rows[("21", "expense")]["status"] == "ok"
    assert rows[("74", "revenue")]["status"] == "revenue"
    assert rows[("23", "expense")]["status"] == "no_line"
    assert found.json["without_decision"] == "690.00"
    assert client.get(f"{town.base}/entries").json == before  # nothing booked
    member = factory.token(town.members[0].user)
    denied = client.post(
        f"{town.base}/reconcile", json={"year": 2026, "csv": RECONCILE}, headers=member
    )
    assert denied.status_code == 403
    bad = client.post(
        f"{town.base}/reconcile",
        json={"year": 2026, "csv": "chapitre;realise\nZZ9;10\n011;abc\n"},
        headers=agent,
    )
    assert bad.status_code == 200
    assert any(m.startswith("Ligne 2 :") and "ZZ9" in m for m in bad.json["errors"])
    assert any(m.startswith("Ligne 3 :") for m in bad.json["errors"])
    runner = app.test_cli_runner()
    path = app.instance_path + "/reconcile-test.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(RECONCILE)
    cli = runner.invoke(
        args=["budget", "reconcile", "--commune", town.commune.slug, "--year", "2026", path]
    )
    assert cli.exit_code == 0, cli.output
    assert "without a decision 690.00" in cli.output
    factory.login(client, town.agent)
    page = client.get(f"{town.web}/reconcile")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    preview = client.post(
        f"{town.web}/reconcile", data={"csrf_token": token, "year": "2026", "csv": RECONCILE}
    )
    assert preview.status_code == 200 and "réalisé sans décision" in preview.text
    assert client.get(f"{town.base}/entries").json == before


def test_entries_from_before_the_rule_are_kept_and_listed(client, factory, town, app):
    """The migration keeps the old "manual" entries: listed as without decision (page,
    API, CLI, reconciliation)."""
    from convergence_budget.models import BudgetEntry

    lines = _setup(client, factory, town)
    with in_commune(app, town.commune):
        db.session.add(
            BudgetEntry(
                line_id=lines["Éclairage public"]["id"],
                amount="250.00",
                label="Ancienne dépense",
                kind="manual",
                decided_by="Le maire",
            )
        )
    listed = client.get(f"{town.base}/entries/without-decision").json
    assert [e["label"] for e in listed] == ["Ancienne dépense"]
    assert listed[0]["without_decision"] is True
    report = client.get(f"{town.base}/execution?year=2026").json
    assert report["executed_without_decision"] == "250.00"
    page = client.get(f"{town.web}/execution?year=2026")
    assert "Ancienne dépense" in page.text and "Dépenses sans décision" in page.text
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=["budget", "execution", "--commune", town.commune.slug, "--year", "2026"]
    )
    assert "without decision: 1 entries, 250.00" in out.output, out.output


def test_the_adopted_proposal_path_still_books_once_with_its_link(client, factory, town, app):
    """The governance event (a proposal carrying spending, adopted) goes through the same
    service: the entry points to the decision and the journal says so."""
    from tests.plugins.budget.test_open_budget import _adopt

    _setup(client, factory, town)
    client.post(
        f"{town.base}/lines",
        json={
            "year": 2026,
            "section": "investment",
            "chapter": "21",
            "function": "512",
            "label": "Éclairage public économe",
            "planned": "30000.00",
        },
        headers=factory.token(town.agent.user),
    )
    proposal_id = _adopt(client, factory, town, "1000.00")
    (journal,) = _spending_journal(app, town.commune.id)
    assert journal["kind"] == "decision" and journal["proposal"] == proposal_id
    assert journal["authority"]["kind"] == "decision" and journal["authority"]["decision"]


#: the DGFiP "balances comptables des communes" shape: one row per account, no chapter
BALANCE = """EXER;FONCTION;COMPTE;BEDEB;BECRE;OBNETDEB;OBNETCRE;ONBDEB;ONBCRE;OOBDEB;OOBCRE;SD;SC
2026;020;615221;0;0;900;0;0;0;0;0;900;0
2026;01;7411;0;0;0;74000;0;0;0;0;0;74000
2026;020;6815;0;0;50;0;0;0;50;0;50;0
"""


def test_the_dgfip_balance_is_reconciled_through_the_accounts_chapters(client, factory, town, app):
    lines = _setup(client, factory, town)
    _book(client, factory, town, lines["Entretien des bâtiments"], authority="line")
    found = client.post(
        f"{town.base}/reconcile",
        json={"year": 2026, "csv": BALANCE},
        headers=factory.token(town.agent.user),
    )
    assert found.status_code == 200, found.json
    rows = {(r["chapter"], r["nature"]): r for r in found.json["rows"]}
    building = rows[("011", "615221")]  # 615221 → chapter 011 (DR), from the plan
    assert building["reported"] == "900.00" and building["with_decision"] == "100.00"
    assert building["without_decision"] == "800.00"
    assert ("68", "6815") not in rows  # its 50 are order operations (OOBDEB): no money
    assert any(m.startswith("Ligne 3 :") and "7411" in m for m in found.json["errors"])
    assert found.json["without_decision"] == "800.00"
