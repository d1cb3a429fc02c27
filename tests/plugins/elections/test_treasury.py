"""The movement's treasury before "in office": contributions and expenses of the movement
(never public money), each with the decision that made it and its journal entry; offered
through ``federation_stage_offers`` before "in office", the municipal budget after. Guards
tried with bad input, each with its planted twin."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from convergence_elections import treasury
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, Forbidden, ValidationFailed
from federation.governance import stages
from federation.governance.models import Decision
from federation.journal.models import JournalEntry
from federation.tenancy.models import Commune

from .conftest import found_programme, user


@pytest.fixture
def decided(town, in_commune):
    """The programme founded: two adopted decisions to decide expenses with."""
    found_programme(in_commune, town)
    with in_commune(town.commune):
        return db.session.scalars(select(Decision.id).order_by(Decision.id)).first()


def test_entries_carry_their_decision_and_their_journal_entry(town, in_commune, decided):
    with in_commune(town.commune):
        actor = user(town.facilitator)
        treasury.record_entry(
            {"kind": "contribution", "amount": "240", "label": "Cotisations"}, actor
        )
        spent = treasury.record_entry(
            {
                "kind": "expense",
                "amount": "85,50",
                "label": "Tracts",
                "counterpart": "Imprimerie",
                "decision_id": decided,
            },
            actor,
        )
        db.session.commit()
        assert treasury.totals() == {
            "contribution": Decimal("240.00"),
            "expense": Decimal("85.50"),
            "balance": Decimal("154.50"),
        }
        entry = db.session.scalar(
            select(JournalEntry)
            .where(JournalEntry.kind == "elections.treasury")
            .order_by(JournalEntry.id.desc())
        )
        assert entry.seq == spent.journal_seq
        payload = json.loads(entry.payload) if isinstance(entry.payload, str) else entry.payload
        assert payload["decision"] == decided and payload["amount"] == "85.50"
        assert "Tracts" in entry.text and f"n° {decided}" in entry.text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "gift", "amount": "1", "label": "X"}, "kind"),
        ({"kind": "contribution", "amount": "-5", "label": "X"}, "amount"),
        ({"kind": "contribution", "amount": "1.234", "label": "X"}, "amount"),
        ({"kind": "contribution", "amount": "1", "label": ""}, "label"),
        ({"kind": "contribution", "amount": "1", "label": "X", "on_date": "2999-01-01"}, "on_date"),
        ({"kind": "contribution", "amount": "1", "label": "X", "on_date": "demain"}, "on_date"),
        ({"kind": "expense", "amount": "1", "label": "X"}, "decision_id"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(town, in_commune, decided, data, field):
    with in_commune(town.commune):
        with pytest.raises(ValidationFailed) as refused:
            treasury.record_entry(data, user(town.facilitator))
        assert refused.value.field == field


def test_planted_twin_an_expense_without_its_decision_would_be_written(
    town, in_commune, decided, monkeypatch
):
    """Twin: with the guard planted away, an undecided expense is written."""
    monkeypatch.setattr(treasury, "require_decision", lambda decision_id: None)
    with in_commune(town.commune):
        actor = user(town.facilitator)
        treasury.record_entry({"kind": "contribution", "amount": "50", "label": "Dons"}, actor)
        row = treasury.record_entry({"kind": "expense", "amount": "10", "label": "X"}, actor)
        assert row.decision_id is None
        db.session.rollback()


def test_an_expense_beyond_the_balance_is_refused(town, in_commune, decided):
    with in_commune(town.commune):
        actor = user(town.facilitator)
        treasury.record_entry({"kind": "contribution", "amount": "50", "label": "Dons"}, actor)
        expense = {"kind": "expense", "amount": "80", "label": "Salle", "decision_id": decided}
        with pytest.raises(Conflict) as refused:
            treasury.record_entry(expense, actor)
        assert refused.value.field == "amount"


def test_planted_twin_an_expense_beyond_the_balance_would_be_written(
    town, in_commune, decided, monkeypatch
):
    monkeypatch.setattr(treasury, "require_funds", lambda amount: None)
    with in_commune(town.commune):
        actor = user(town.facilitator)
        treasury.record_entry({"kind": "contribution", "amount": "50", "label": "Dons"}, actor)
        expense = {"kind": "expense", "amount": "80", "label": "Salle", "decision_id": decided}
        treasury.record_entry(expense, actor)
        assert treasury.totals()["balance"] < 0
        db.session.rollback()


def test_only_facilitation_records(town, in_commune, decided):
    with in_commune(town.commune):
        for ref in (town.members[5], town.outsider):
            with pytest.raises(Forbidden):
                treasury.record_entry(
                    {"kind": "contribution", "amount": "1", "label": "X"}, user(ref)
                )


def test_page_and_api_record_and_show(client, factory, town, in_commune, decided):
    factory.login(client, town.facilitator)
    done = client.post(
        f"{town.base}/treasury",
        data={"kind": "contribution", "amount": "120,00", "label": "Cotisations"},
    )
    assert done.status_code == 302
    refused = client.post(
        f"{town.base}/treasury", data={"kind": "expense", "amount": "10", "label": "Sans"}
    )
    assert refused.status_code == 302  # flashed, nothing written
    page = client.get(f"{town.base}/treasury").text
    assert "Cotisations" in page and "120,00" in page and "Sans" not in page
    headers = factory.token(town.facilitator.user)
    made = client.post(
        f"{town.api}/treasury",
        json={"kind": "expense", "amount": "20.00", "label": "Salle", "decision_id": decided},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    bad = client.post(
        f"{town.api}/treasury",
        json={"kind": "expense", "amount": "1", "label": "X"},
        headers=headers,
    )
    assert bad.status_code == 422 and "decision_id" in bad.json["errors"]["json"]
    assert client.post(f"{town.api}/treasury", json={"kind": "expense"}).status_code == 422
    shown = client.get(f"{town.api}/treasury").json
    assert shown["balance"] == "100.00" and len(shown["entries"]) == 2
    factory.login(client, town.members[5])
    assert 'name="amount"' not in client.get(f"{town.base}/treasury").text


def test_offered_before_in_office_and_the_budget_after(factory, town, in_commune):
    factory.enable(town.commune, "budget")
    with in_commune(town.commune):
        commune = db.session.get(Commune, town.commune.id)
        before = [o.endpoint for o in stages.offers(commune, "campaign")]
        after = [o.endpoint for o in stages.offers(commune, "in_office")]
    assert "elections.treasury_page" in before and "budget.index" not in before
    assert "budget.index" in after and "elections.treasury_page" not in after
