"""PostgreSQL: the database itself hides a commune's jobs from another commune (R6), under
the ORM scoping that tests/core/test_jobs.py checks. Skipped on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from federation.db import db
from federation.jobs import enqueue
from federation.tenancy import rls
from federation.tenancy.context import commune_scope
from federation.tenancy.scoping import raw_tenant_sql


@pytest.fixture
def database(app):
    database = app.extensions["convergence_test_db"]
    if database.is_sqlite:
        pytest.skip("row-level security is PostgreSQL's; on SQLite the ORM scoping stands alone")
    if not database.app_role:
        pytest.skip("CONVERGENCE_TEST_APP_ROLE=off: the application connects as the owner")
    return database


def _jobs_seen_by(app, commune_id: int) -> set[str]:
    """Every job id the database lets commune ``commune_id`` read, past the ORM."""
    with (
        app.app_context(),
        commune_scope(commune_id),
        raw_tenant_sql("test: what the database lets through"),
    ):
        return set(db.session.execute(text("SELECT id FROM background_jobs")).scalars())


def _job_of(app, commune_id: int) -> str:
    with app.app_context(), commune_scope(commune_id):
        job_id = enqueue(
            "tests.core.test_jobs:add",
            kind="test.add",
            commune_id=commune_id,
            params={"a": 1, "b": 1},
        )
        db.session.commit()
    return job_id


def _op(conn):
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    return Operations(MigrationContext.configure(conn))


def test_row_security_hides_a_communes_jobs_from_another(app, database, factory):
    a, b = factory.commune(), factory.commune()
    job_a, job_b = _job_of(app, a.id), _job_of(app, b.id)
    assert _jobs_seen_by(app, a.id) == {job_a}
    assert _jobs_seen_by(app, b.id) == {job_b}
    with database.owner.connect() as conn:
        assert rls.unsafe_tables(conn, ["background_jobs"]) == []


def test_planted_twin_without_row_security_the_raw_read_leaks(app, database, factory):
    """With the table's policies switched off, the same raw read shows A's job to B: the
    check above would fail."""
    a, b = factory.commune(), factory.commune()
    job_a = _job_of(app, a.id)
    with database.owner.begin() as conn, raw_tenant_sql("test: plant the leak"):
        rls.disable_row_security(_op(conn), "background_jobs")
    try:
        assert job_a in _jobs_seen_by(app, b.id)
    finally:
        with database.owner.begin() as conn, raw_tenant_sql("test: remove the leak"):
            rls.enable_row_security(_op(conn), "background_jobs")
    assert job_a not in _jobs_seen_by(app, b.id)
