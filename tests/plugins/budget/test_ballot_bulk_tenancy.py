"""Issue 11 item 8: the bulk insert of imported PB ballots goes through the tenant guard.

A process of another commune handed to the bulk insert (a foreign ``commune_id`` in the
rows) stores nothing; the planted bypass proves the check is what stops it.
"""

from __future__ import annotations

import pytest
from convergence_budget import participatory as pb
from convergence_budget.models import PBBallot, PBProcess
from sqlalchemy import func, select

from federation.db import db
from federation.tenancy.context import unscoped
from federation.tenancy.scoping import CrossCommuneWrite, TenantScopeError
from tests.core.test_tenancy_writes import skip_under_row_security

CONTENTS = ['{"p":{"1":1}}', '{"p":{"2":1}}']


@pytest.fixture
def communes(factory, in_commune):
    ids = {}
    for slug in ("budget-a", "budget-b"):
        commune = factory.commune(slug)
        factory.enable(commune, "budget")
        with in_commune(commune):
            process = pb.create_process("Budget", 2026, "1000", actor="test")
            ids[slug] = (commune, process.id)
    return ids["budget-a"], ids["budget-b"]


def _ballots(app) -> dict[int, int]:
    with app.app_context(), unscoped():
        rows = db.session.execute(
            select(PBBallot.commune_id, func.count()).group_by(PBBallot.commune_id)
        ).all()
        db.session.rollback()
    return dict(rows)


def _other_process(commune_id: int, process_id: int) -> PBProcess:
    """B's process as the bulk insert would get it (loaded elsewhere, detached)."""
    with unscoped():
        process = db.session.get(PBProcess, process_id)
        db.session.expunge(process)
    assert process.commune_id == commune_id
    return process


def test_ballots_of_another_communes_process_are_refused(app, in_commune, communes):
    (a, _pa), (b, pb_id) = communes
    with in_commune(a):
        foreign = _other_process(b.id, pb_id)
        with pytest.raises(CrossCommuneWrite):
            pb.store_imported_ballots(foreign, CONTENTS)
        db.session.rollback()
    assert _ballots(app) == {}


def test_ballots_of_the_communes_own_process_are_stored(app, in_commune, communes):
    (a, pa_id), _b = communes
    with in_commune(a):
        assert pb.store_imported_ballots(db.session.get(PBProcess, pa_id), CONTENTS) == 2
    assert _ballots(app) == {a.id: 2}


def test_no_ballot_bulk_insert_without_a_scope(app, communes):
    (a, pa_id), _b = communes
    with app.app_context():
        with unscoped():
            process = db.session.get(PBProcess, pa_id)
            db.session.expunge(process)
        with pytest.raises(TenantScopeError):
            pb.store_imported_ballots(process, CONTENTS)
        db.session.rollback()
    assert _ballots(app) == {}


def test_the_foreign_ballots_are_stored_when_the_guard_is_planted_off(
    app, in_commune, communes, monkeypatch
):
    from federation.tenancy import scoping

    skip_under_row_security(app)
    (a, _pa), (b, pb_id) = communes
    monkeypatch.setattr(scoping, "_check_dml", lambda *_a, **_k: None)
    with in_commune(a):
        pb.store_imported_ballots(_other_process(b.id, pb_id), CONTENTS)
    assert _ballots(app) == {b.id: 2}
