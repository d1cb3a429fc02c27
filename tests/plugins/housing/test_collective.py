"""Collective acquisition: pledges exact under concurrency (the project's row lock, with a
planted twin without it), the assembly's decision to buy, refunds when a campaign fails."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from convergence_housing import collective, decisions
from convergence_housing.models import Project
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict
from federation.governance import votes
from federation.governance.models import Proposal
from federation.journal.models import JournalEntry
from federation.tenancy.context import commune_scope

from .conftest import user


def _project(town, in_commune, price="1000", works="0") -> int:
    with in_commune(town.commune):
        return collective.create_project(
            {"name": "Ancienne école", "price": price, "works": works}, user(town.facilitator)
        ).id


def test_pledges_purchase_decided_by_the_assembly(town, in_commune):
    project_id = _project(town, in_commune)
    with in_commune(town.commune):
        row = db.session.get(Project, project_id)
        collective.pledge(row, user(town.members[0]), "gift", "400,50")
        with pytest.raises(Conflict):
            decisions.propose_purchase(row, user(town.facilitator))
        collective.pledge(row, user(town.members[1]), "share", "599.50", "Coop du Mas")
        assert row.pledged == Decimal("1000.00") and collective.recount(row) == (
            Decimal("1000.00"),
            2,
        )
        proposal = decisions.propose_purchase(row, user(town.facilitator), open_vote=True)
        proposal_id = proposal.id
    with in_commune(town.commune):
        vote = votes.votes(proposal=db.session.get(Proposal, proposal_id))[0]
        for ref in (town.facilitator, town.circle_member, *town.members):
            votes.cast(vote, user(ref), {"choice": "yes"})
        votes.close_vote(vote, user(town.facilitator))
    with in_commune(town.commune):
        row = db.session.get(Project, project_id)
        assert row.status == "decided" and row.decision_id
        kinds = [e.kind for e in db.session.scalars(select(JournalEntry))]
        assert kinds.count("housing.pledge") == 2 and "housing.purchase" in kinds


def test_failed_campaign_refunds_every_pledge(town, in_commune):
    project_id = _project(town, in_commune, price="5000")
    with in_commune(town.commune):
        row = db.session.get(Project, project_id)
        collective.pledge(row, user(town.members[0]), "loan", "100")
        collective.pledge(row, user(town.members[1]), "gift", "50")
        assert collective.fail_campaign(row, user(town.facilitator)) == Decimal("150.00")
        assert row.pledged == 0 and collective.recount(row) == (Decimal("0.00"), 0)
        with pytest.raises(Conflict):
            collective.pledge(row, user(town.members[2]), "gift", "10")
        entry = db.session.scalars(
            select(JournalEntry).where(JournalEntry.kind == "housing.refund")
        ).one()
        assert entry.params["refunded"] == "150.00" and "150" in entry.text


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.005", "1e3"])
def test_bad_amounts_named(town, in_commune, amount):
    project_id = _project(town, in_commune)
    with in_commune(town.commune):
        with pytest.raises(Exception) as info:
            collective.pledge(
                db.session.get(Project, project_id), user(town.members[0]), "gift", amount
            )
        assert getattr(info.value, "field", None) == "amount"


def _race(app, town, project_id: int, people: list, locked: bool, monkeypatch) -> None:
    """Each thread pledges 10 € in its own session; all read before any commits."""
    if not locked:  # the planted twin: no row lock
        monkeypatch.setattr(collective, "lock_row", lambda *a, **k: None)
        monkeypatch.setattr(db.session, "refresh", lambda *a, **k: None, raising=False)
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def work(ref) -> None:
        try:
            with app.app_context(), commune_scope(town.commune.id):
                row = db.session.get(Project, project_id)
                _ = row.pledged  # read before the others commit
                barrier.wait(timeout=20)
                collective.pledge(row, user(ref), "gift", "10")
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ref,)) for ref in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def _pg(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_pledges_exact_under_concurrency(app, factory, town, in_commune, monkeypatch):
    if not _pg(app):
        pytest.skip(
            "a real race needs PostgreSQL (SQLite serialises writers): "
            "set CONVERGENCE_TEST_DATABASE_URL"
        )
    people = [factory.member(town.commune) for _ in range(8)]
    project_id = _project(town, in_commune, price="100000")
    _race(app, town, project_id, people, True, monkeypatch)
    with in_commune(town.commune):
        row = db.session.get(Project, project_id)
        assert (row.pledged, row.pledges_count) == collective.recount(row) == (Decimal("80.00"), 8)


def test_planted_twin_without_lock_loses_pledges(app, factory, town, in_commune, monkeypatch):
    if not _pg(app):
        pytest.skip("a real race needs PostgreSQL (SQLite serialises writers)")
    people = [factory.member(town.commune) for _ in range(8)]
    project_id = _project(town, in_commune, price="100000")
    _race(app, town, project_id, people, False, monkeypatch)
    with in_commune(town.commune):
        row = db.session.get(Project, project_id)
        assert collective.recount(row) == (Decimal("80.00"), 8)
        assert row.pledged < Decimal("80.00")  # lost updates: the guard is what prevents them
