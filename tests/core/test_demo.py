"""The whole demo, as ``make demo`` loads it: ``convergence demo load`` on a freshly migrated
database with every installed plugin (budget and water included, no test-only plugin),
then ``journal verify`` and the main pages in French and English, anonymous and signed in.

The demo goes through the same services as everybody (elected delegates, decisions by
closed votes, exact pooled shares…): when a rule changes and the demo does not follow, this
fails instead of ``make demo`` on a fresh machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from federation.db import db

DEMO = Path(__file__).parents[2] / "instances" / "demo" / "demo.toml"
PASSWORD = "demo-convergence"
COMMUNES = [
    "faux-la-montagne",
    "gentioux-pigerolles",
    "peyrelevade",
    "tarnac",
    "royere-de-vassiviere",
    "nedde",
]
#: demo accounts that sign in for the pages (an inhabitant, the facilitator, the delegate)
ACCOUNTS = [
    "habitante@demo.convergence.local",
    "facilitatrice@demo.convergence.local",
    "delegue@demo.convergence.local",
]


def _invoke(app: Flask, *args: str):
    from flask.cli import ScriptInfo

    from federation.cli import main

    return app.test_cli_runner().invoke(
        main, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=True
    )


@pytest.fixture(scope="module")
def demo(session_app: Flask, make_app) -> Iterator[dict[str, Any]]:
    """The demo loaded once for this module, on a fresh copy of the migrated database, by an
    app with the installed plugins only (as ``convergence`` builds it)."""
    session_app.extensions["convergence_test_db"].reset(session_app)
    app = make_app(extra_plugins=[])
    loaded = _invoke(app, "demo", "load", "--file", str(DEMO))
    facts: dict[str, Any] = {"app": app, "load": loaded}
    if loaded.exit_code == 0:
        facts.update(_facts(app))
    yield facts
    # the next test module starts from a fresh database (its ``app`` fixture resets it)


def _facts(app: Flask) -> dict[str, Any]:
    """Ids of the demo objects whose pages are checked."""
    from federation.governance.models import Mandate, Proposal, Vote
    from federation.intercommunal.models import PooledProject
    from federation.tenancy.context import unscoped
    from federation.tenancy.models import Commune

    with app.app_context(), unscoped():
        faux = db.session.scalar(select(Commune).where(Commune.slug == "faux-la-montagne"))
        closed = db.session.scalar(
            select(Vote.id)
            .where(Vote.commune_id == faux.id, Vote.status == "closed")
            .order_by(Vote.id)
        )
        proposal = db.session.scalar(
            select(Proposal.id).where(Proposal.commune_id == faux.id).order_by(Proposal.id)
        )
        delegates = db.session.scalars(
            select(Mandate).where(Mandate.role == "delegate", Mandate.federation_id.is_not(None))
        ).all()
        elections = [
            (m.election_vote_id, db.session.get(Vote, m.election_vote_id).status)
            if m.election_vote_id
            else (None, None)
            for m in delegates
        ]
        projects = db.session.scalars(select(PooledProject.id)).all()
        project_status = db.session.scalars(select(PooledProject.status)).all()
        facts = {"project_status": project_status, **_plugin_facts()}
    return {
        **facts,
        "closed_vote": closed,
        "proposal": proposal,
        "elections": elections,
        "projects": projects,
    }


def _plugin_facts() -> dict[str, Any]:
    """Allocations in force and the decisions behind them (when the water plugin is here)."""
    try:
        from convergence_water.models import AllocationRun
    except ImportError:  # pragma: no cover - the plugin is installed by ``make install``
        return {"applied_runs": None}
    rows = db.session.execute(
        select(AllocationRun.status, AllocationRun.decision_id).where(
            AllocationRun.status == "applied"
        )
    ).all()
    return {"applied_runs": rows}


def test_demo_load_succeeds(demo):
    result = demo["load"]
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "Loaded 6 communes, 2 federations" in result.output
    assert "budget" in result.output and "water" in result.output


def test_demo_journal_verifies(demo):
    assert demo["load"].exit_code == 0, demo["load"].output
    result = _invoke(demo["app"], "journal", "verify")
    assert result.exit_code == 0, result.output
    assert "BROKEN" not in result.output and "chain(s) verified" in result.output


def test_demo_follows_the_governance_rules(demo):
    """Delegates hold a mandate citing the closed vote of their assembly that elected them;
    the demo's pooled project exists (its shares were accepted as exact fractions)."""
    assert demo["load"].exit_code == 0, demo["load"].output
    assert demo["elections"], "the demo has no elected federation delegate"
    for vote_id, status in demo["elections"]:
        assert vote_id is not None and status == "closed"
    assert demo["closed_vote"] is not None
    assert demo["projects"]
    # the pooled project was ratified by the assemblies' votes (answers by their decisions)
    assert demo["project_status"] == ["approved"]


def test_demo_water_allocations_are_decided_by_the_circle(demo):
    """No allocation is in force without the adopted decision of a water circle's vote."""
    assert demo["load"].exit_code == 0, demo["load"].output
    if demo["applied_runs"] is None:
        pytest.skip("the water plugin is not installed")
    assert demo["applied_runs"], "no allocation in force in the demo"
    assert all(decision for _status, decision in demo["applied_runs"])


def _urls(demo: dict[str, Any]) -> list[str]:
    faux = "/c/faux-la-montagne"
    return [
        "/",
        *[f"/c/{slug}/" for slug in COMMUNES],
        "/f/plateau-millevaches/",
        "/f/vienne-amont/",
        "/f/plateau-millevaches/council",
        "/f/plateau-millevaches/projects",
        *[f"/f/plateau-millevaches/projects/{pid}" for pid in demo["projects"]],
        f"{faux}/votes/{demo['closed_vote']}",
        f"{faux}/proposals/{demo['proposal']}",
        f"{faux}/proposals",
        f"{faux}/decisions",
        "/c/peyrelevade/mandates",
        f"{faux}/budget/",
        f"{faux}/water/",
        "/c/peyrelevade/water/",
    ]


def _check_pages(client, urls: list[str], lang: str) -> list[tuple[str, int]]:
    failures = []
    for url in urls:
        response = client.get(f"{url}?lang={lang}")
        if response.status_code != 200 or f'lang="{lang}"' not in response.text:
            failures.append((url, response.status_code))
    return failures


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_demo_pages_answer_anonymously(demo, lang):
    assert demo["load"].exit_code == 0, demo["load"].output
    client = demo["app"].test_client()
    assert _check_pages(client, _urls(demo), lang) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("email", ACCOUNTS)
def test_demo_pages_answer_signed_in(demo, lang, email):
    assert demo["load"].exit_code == 0, demo["load"].output
    client = demo["app"].test_client()
    signed = client.post("/login", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302, (email, signed.status_code)
    assert client.get("/account/").status_code == 200
    assert _check_pages(client, _urls(demo), lang) == []
