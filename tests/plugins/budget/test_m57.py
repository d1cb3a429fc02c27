"""The budget in M57's own terms (issue 21 item 1): the nomenclature shipped as data with its
source, imported budgets checked against it with line-numbered errors, the CSV shapes of the
official exchange formats (SCDL budget columns, TOTEM's LigneBudget fields), revenue and
expenses apart with the balance per section, planned vs executed per chapter and function
(API, page, CLI), and the demo's budget."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from federation.db import db

#: balanced: operating 1000 = 1000, investment 500 = 500
BALANCED = """section;sens;chapitre;nature;fonction;libelle;prevu;realise
fonctionnement;dépense;011;;020;Entretien des bâtiments;600;100
fonctionnement;dépense;012;6451;021;Cotisations URSSAF;300;50
fonctionnement;dépense;023;;01;Virement à la section d'investissement;100;
fonctionnement;recette;731;73154;01;Droits de place;400;
fonctionnement;recette;74;;01;Dotation globale de fonctionnement;600;
investissement;dépense;21;;512;Éclairage public;500;
investissement;recette;021;;01;Virement de la section de fonctionnement;100;
investissement;recette;13;1321;512;Subvention de l'État;400;
"""

#: each line breaks one rule of M57 (issue 21's own examples first)
BAD = """section;sens;chapitre;nature;fonction;libelle;prevu
fonctionnement;dépense;ZZ9;;0;Chapitre inventé;10
fonctionnement;dépense;011;;99;Fonction inventée;10
fonctionnement;dépense;21;;0;Investissement en fonctionnement;10
fonctionnement;dépense;73;;0;Impôts comme dépense;10
fonctionnement;dépense;011;73211;0;Compte de recette sur un chapitre de dépense;10
fonctionnement;dépense;65;6451;0;Compte du chapitre 012 sur le 65;10
investissement;dépense;21;7999;8;Compte hors du chapitre 21;10
"""


def _import(client, factory, town, text, **extra):
    return client.post(
        f"{town.base}/import-csv",
        json={"year": 2026, "csv": text, **extra},
        headers=factory.token(town.agent.user),
    )


def test_the_nomenclature_is_shipped_as_data_with_its_source():
    from convergence_budget import nomenclature as m57

    assert len(m57.chapters()) == 54 and len(m57.functions()) == 232
    assert m57.SOURCE["norm"] == "M57" and m57.SOURCE["exercise"] == 2018
    assert "fad889845a199ff9badae80d6aee8eb047fe3a93" in m57.SOURCE["copy"]
    assert m57.chapters()["011"].label == "Charges à caractère général"
    assert m57.chapters()["21"].section == "investment"
    assert m57.chapters()["73"].directions == {"revenue"}
    assert m57.chapters()["65"].directions == {"expense"}
    assert m57.functions()["212"].label == "Ecoles primaires"
    assert m57.function_group("212") == "2"
    assert m57.natures()["73211"].revenue_chapter == "73"
    assert m57.natures()["73211"].expense_chapter == ""
    assert m57.natures()["6451"].expense_chapter == "012"
    assert m57.natures()["6042"].expense_chapter == "011"
    assert (m57.HERE / "SOURCE.md").is_file()


def test_a_bad_budget_is_refused_line_by_line_with_the_reason(client, factory, town):
    response = _import(client, factory, town, BAD)
    assert response.status_code == 422, response.json
    messages = response.json["errors"]["json"]["csv"]

    def at(line: int, *words: str) -> bool:
        return any(m.startswith(f"Ligne {line} :") and all(w in m for w in words) for m in messages)

    assert at(2, "chapitre", "ZZ9", "inconnu")
    assert at(3, "fonction", "99", "inconnue")
    assert at(4, "section", "21", "investissement")
    assert at(5, "73", "Impôts et taxes", "recettes")
    assert at(6, "73211", "pas en dépense réelle")
    assert at(7, "6451", "012")
    assert at(8, "7999", "n'appartient pas au chapitre 21")
    assert client.get(f"{town.base}/lines").json == []  # nothing written


def test_planted_a_budget_without_the_m57_check_goes_through(client, factory, town, monkeypatch):
    """The twin: with the nomenclature's check planted away, the same file is accepted —
    the check is what refuses it."""
    from convergence_budget import nomenclature as m57

    monkeypatch.setattr(m57, "check", lambda *a, **k: m57.Check([], []))
    response = _import(client, factory, town, BAD)
    assert response.status_code == 200, response.json
    assert response.json["lines"] == 7


def test_the_line_api_names_the_field_at_fault(client, factory, town):
    agent = factory.token(town.agent.user)
    base = {"year": 2026, "section": "operation", "label": "x", "planned": "10.00"}
    cases = [
        ({"chapter": "ZZ9"}, "chapter"),
        ({"chapter": "011", "function": "99"}, "function"),
        ({"chapter": "73", "direction": "expense"}, "direction"),
        ({"chapter": "21"}, "section"),
        ({"chapter": "011", "nature": "73211"}, "nature"),
    ]
    for extra, field in cases:
        response = client.post(f"{town.base}/lines", json={**base, **extra}, headers=agent)
        assert response.status_code == 422, (extra, response.json)
        assert field in response.json["errors"]["json"], (extra, response.json)
    revenue = client.post(
        f"{town.base}/lines",
        json={**base, "chapter": "73", "nature": "73211", "label": "AC"},
        headers=agent,
    )
    assert revenue.status_code == 201, revenue.json
    assert revenue.json["direction"] == "revenue"  # the chapter's only direction


def test_a_balanced_budget_shows_revenue_expenses_and_balance(client, factory, town, app):
    done = _import(client, factory, town, BALANCED)
    assert done.status_code == 200, done.json
    assert done.json["planned_expenses"] == "1500.00"
    assert done.json["planned_revenue"] == "1500.00"
    assert done.json["executed_without_decision"] == "150.00"  # listed, not booked
    report = client.get(f"{town.base}/execution?year=2026").json
    sections = {s["section"]: s for s in report["sections"]}
    assert sections["operation"]["revenue"] == "1000.00"
    assert sections["operation"]["expenses"] == "1000.00"
    assert sections["operation"]["balance"] == "0.00"
    assert sections["investment"]["balance"] == "0.00"
    assert report["nomenclature"]["exercise"] == 2018
    expense_chapters = {c["code"]: c for c in report["chapters"]["expense"]}
    assert expense_chapters["011"]["label"] == "Charges à caractère général"
    revenue_chapters = {c["code"] for c in report["chapters"]["revenue"]}
    assert revenue_chapters == {"731", "74", "021", "13"}
    groups = {f["code"]: f for f in report["function_groups"]}
    assert groups["0"]["planned"] == "1000.00" and groups["5"]["planned"] == "500.00"
    page = client.get(f"{town.web}/execution?year=2026")
    assert page.status_code == 200
    assert "Charges à caractère général" in page.text and "équilibrée" in page.text
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=["budget", "execution", "--commune", town.commune.slug, "--year", "2026"]
    )
    assert out.exit_code == 0, out.output
    assert "balance" in out.output and "011" in out.output


#: the SCDL "budget" columns as yatotem2scdl 0.1.5 writes them from a TOTEM document
SCDL_HEADER = [
    "BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL",
    "BGT_NATURE", "BGT_NATURE_LABEL", "BGT_FONCTION", "BGT_FONCTION_LABEL", "BGT_OPERATION",
    "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD", "BGT_MTREAL", "BGT_MTBUDGPREC", "BGT_MTRARPREC",
    "BGT_MTPROPNOUV", "BGT_MTPREV", "BGT_CREDOUV", "BGT_MTRAR3112", "BGT_ARTSPE",
]  # fmt: skip
SCDL_ROWS = [
    ("012", "Charges de personnel", "6451", "Cotisations à l'U.R.S.S.A.F.", "021", "Personnel",
     "fonctionnement", "dépense", "38000"),
    ("731", "Fiscalité locale", "73154", "Droits de place", "01", "Opérations non ventilables",
     "fonctionnement", "recette", "38000"),
    ("13", "Subventions", "1321", "Etat et établissements nationaux", "212", "Ecoles primaires",
     "investissement", "recette", "60000"),
]  # fmt: skip
SCDL = "\n".join(
    [";".join(SCDL_HEADER)]
    + [
        ";".join(
            [
                *("budget primitif", "2026", "21190000000000", "Plateau"),
                *(ch, chl, nat, natl, fn, fnl, "", sec, "réel", rd),
                *("", "", "", "", prev, "", "", "non spécialisé"),
            ]
        )
        for ch, chl, nat, natl, fn, fnl, sec, rd, prev in SCDL_ROWS
    ]
)

TOTEM = """ContNat;Nature;Fonction;CodRD;OpBudg;MtPrev;MtReal
012;6451;021;D;0;38000;19000
731;73154;01;R;0;38000;
"""


def test_the_scdl_budget_columns_are_read(client, factory, town):
    done = _import(client, factory, town, SCDL)
    assert done.status_code == 200, done.json
    lines = {row["nature"]: row for row in client.get(f"{town.base}/lines").json}
    assert lines["6451"]["direction"] == "expense" and lines["6451"]["chapter"] == "012"
    assert lines["6451"]["label"] == "Cotisations à l'U.R.S.S.A.F."
    assert lines["73154"]["direction"] == "revenue" and lines["73154"]["section"] == "operation"
    assert lines["1321"]["section"] == "investment" and lines["1321"]["function"] == "212"
    wrong_year = SCDL.replace(";2026;", ";2025;", 1)
    refused = client.post(
        f"{town.base}/import-csv",
        json={"year": 2027, "csv": wrong_year},
        headers=factory.token(town.agent.user),
    )
    assert refused.status_code == 422
    assert any(
        m.startswith("Ligne 2 :") and "2025" in m for m in refused.json["errors"]["json"]["csv"]
    )


def test_the_totem_fields_are_read_and_the_executed_amount_is_not_booked(
    client, factory, town, app
):
    done = _import(client, factory, town, TOTEM)
    assert done.status_code == 200, done.json
    assert done.json["executed_without_decision"] == "19000.00"
    lines = {row["nature"]: row for row in client.get(f"{town.base}/lines").json}
    assert lines["6451"]["executed"] == "0.00"
    assert lines["73154"]["direction"] == "revenue"
    assert client.get(f"{town.base}/entries").json == []


def test_the_demo_budget_validates_with_revenue_and_expenses(app, factory):
    """The demo's budget: every line fits M57, each section is balanced, and every
    spending points to what allowed it."""
    from convergence_budget import demo, execution, services
    from convergence_budget import nomenclature as m57
    from convergence_budget.models import BudgetEntry, BudgetLine

    commune = factory.commune("demo-budget", "Demo-Budget")
    factory.enable(commune, "budget")
    agent = factory.member(commune, "agent")
    with app.app_context():
        from federation.identity.models import User
        from federation.tenancy.context import commune_scope
        from federation.tenancy.models import Commune

        with commune_scope(commune.id):
            user = db.session.get(User, agent.user.id)
            demo.load(db.session.get(Commune, commune.id), {"agent": user})
            db.session.commit()
            lines = list(db.session.scalars(select(BudgetLine)))
            year = services.current_year()
            report = execution.report(year)
            entries = list(db.session.scalars(select(BudgetEntry)))
    assert {line.direction for line in lines} == {"expense", "revenue"}
    for line in lines:
        found = m57.check(line.section, line.direction, line.chapter, line.function, line.nature)
        assert found.errors == [], (line.label, found.errors)
    for section in report.sections:
        assert section.revenue > 0 and section.balance == Decimal("0.00"), section
    assert entries and all(not e.without_decision for e in entries)


@pytest.mark.parametrize("chapter", ["011", "012"])
def test_the_default_directions_follow_the_chapter(chapter):
    from convergence_budget import nomenclature as m57

    assert m57.default_direction(chapter) == "expense"
    assert m57.default_direction("013") == "revenue"
    assert m57.default_direction("16") is None  # borrowing or repaying: the file must say


def test_the_planned_vs_executed_page_does_not_grow_with_the_lines(
    client, factory, town, count_queries
):
    """The execution page and API: the same number of queries for 8 lines as for 28."""
    assert _import(client, factory, town, BALANCED).status_code == 200
    with count_queries() as few:
        assert client.get(f"{town.web}/execution?year=2026").status_code == 200
    with count_queries() as few_api:
        assert client.get(f"{town.base}/execution?year=2026").status_code == 200
    more = "\n".join(f"fonctionnement;dépense;011;6042;020;Prestation {n};10;" for n in range(20))
    header = BALANCED.splitlines()[0]
    assert _import(client, factory, town, f"{header}\n{more}\n").status_code == 200
    with count_queries() as many:
        assert client.get(f"{town.web}/execution?year=2026").status_code == 200
    with count_queries() as many_api:
        assert client.get(f"{town.base}/execution?year=2026").status_code == 200
    assert many.count == few.count and many_api.count == few_api.count


def test_a_year_out_of_range_is_a_400_naming_it(client, town):
    for url in (f"{town.web}/execution", f"{town.base}/execution"):
        for year in ("99999999999999999999", "abc", "-1"):
            response = client.get(f"{url}?year={year}")
            assert response.status_code == 400, (url, year, response.status_code)
    assert "year" in client.get(f"{town.base}/execution?year=abc").text


def test_allowance_chapters_carry_their_revenue_as_the_plan_says(app):
    """016 (APA) and 017 (RSA) are expense chapters and, for 747811, 7533, 7531…, revenue
    chapters too (planDeCompte.xml M57 2018): a revenue line on them is accepted, a nature
    the plan puts elsewhere is still refused."""
    from convergence_budget import nomenclature as m57

    with app.test_request_context():
        assert not m57.check("operation", "revenue", "016", "", "747811").errors
        assert not m57.check("operation", "revenue", "017", "", "7531").errors
        assert not m57.check("operation", "expense", "017", "", "").errors
        assert [f for f, _ in m57.check("operation", "revenue", "016", "", "7531").errors] == [
            "nature"
        ]
