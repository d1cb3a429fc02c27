"""Issue 11 item 4 (R6): PostgreSQL row-level security, the barrier under the ORM scoping.

The suite's application connects as ``<database>_app`` (federation/testing/database.py):
not superuser, not BYPASSRLS, owner of nothing. Raw SQL (through the reviewed escape hatch)
shows what the database itself lets through. Each guard has a planted counterpart.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from federation.db import db
from federation.governance.models import Body
from federation.tenancy import ddl, rls
from federation.tenancy.context import federation_scope
from federation.tenancy.scoping import commune, is_tenant_class, raw_tenant_sql, scoped


@pytest.fixture
def database(app):
    database = app.extensions["convergence_test_db"]
    if database.is_sqlite:
        pytest.skip("row-level security is PostgreSQL's; on SQLite the ORM scoping stands alone")
    if not database.app_role:
        pytest.skip("CONVERGENCE_TEST_APP_ROLE=off: the application connects as the owner")
    return database


@pytest.fixture
def communes(database, factory, in_db):
    """Three communes, each with a circle; {commune id: body id}."""
    refs = [factory.commune() for _ in range(3)]
    bodies = {}
    with in_db():
        for ref in refs:
            body = Body(commune_id=ref.id, kind="circle", slug="cercle-rls", name="Cercle")
            db.session.add(body)
            db.session.flush()
            bodies[ref.id] = body.id
    return [r.id for r in refs]


def _tenant_tables() -> list[str]:
    return sorted(
        {m.local_table.name for m in db.Model.registry.mappers if is_tenant_class(m.class_)}
    )


def _raw(sql: str, **params):
    with raw_tenant_sql("test: what the database lets through"):
        return db.session.execute(text(sql), params)


def _communes_seen() -> set[int]:
    return set(_raw("SELECT DISTINCT commune_id FROM gov_bodies").scalars())


def test_the_application_role_is_not_owner_superuser_or_bypassrls(app, database):
    with app.app_context(), db.engine.connect() as conn:
        user, superuser, bypass = conn.execute(
            text(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            )
        ).one()
    assert (user, superuser, bypass) == (database.app_role, False, False)
    with database.owner.connect() as conn:
        assert rls.role_problems(conn, database.app_role, _tenant_tables()) == []


def test_the_role_check_reports_an_owner_and_superuser(app, database):
    """Planted: the owner (here also a superuser) would bypass every policy."""
    with database.owner.connect() as conn:
        owner = conn.execute(text("SELECT current_user")).scalar()
        problems = rls.role_problems(conn, owner, _tenant_tables())
    assert f"{owner} is a superuser" in problems
    assert f"{owner} owns gov_bodies" in problems


def test_every_tenant_table_has_enabled_and_forced_row_security(app, database):
    tables = _tenant_tables()
    assert {"gov_bodies", "budget_lines", "water_users"} <= set(tables)  # core and plugins
    with database.owner.connect() as conn:
        assert rls.unsafe_tables(conn, tables) == []
        # the migration helper's idea of a tenant table is the models' idea
        assert ddl.database_tenant_tables(conn) == tables


def test_the_force_check_reports_a_table_without_force(app, database):
    """Planted: NO FORCE on one table (its owner would bypass the policies) is reported."""
    with database.owner.connect() as conn:
        with raw_tenant_sql("test: planted NO FORCE"):
            conn.execute(text('ALTER TABLE "gov_bodies" NO FORCE ROW LEVEL SECURITY'))
        assert rls.unsafe_tables(conn, _tenant_tables()) == ["gov_bodies"]
        conn.rollback()


def test_raw_sql_with_no_commune_bound_sees_no_row(app, database, communes):
    with app.app_context(), raw_tenant_sql("test: nothing bound"), db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM gov_bodies")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM gov_proposals")).scalar() == 0
    # planted: a role that bypasses row-level security (the owner) sees them all
    with database.owner.connect() as conn, raw_tenant_sql("test: as the owner"):
        assert conn.execute(text("SELECT count(*) FROM gov_bodies")).scalar() >= 3


def test_in_a_commune_transaction_other_communes_are_invisible(app, database, communes, in_commune):
    a, b, _c = communes
    with in_commune(a):
        assert _communes_seen() == {a}
        assert _raw("SELECT count(*) FROM gov_bodies WHERE commune_id = :b", b=b).scalar() == 0
        updated = _raw("UPDATE gov_bodies SET name = 'pris' WHERE commune_id = :b", b=b)
        assert updated.rowcount == 0


def test_a_scope_changed_inside_the_transaction_is_bound_again(app, database, communes, in_commune):
    a, b, _c = communes
    with in_commune(a):
        assert _communes_seen() == {a}
        with scoped(db.session(), commune(b)):
            assert _communes_seen() == {b}
        assert _communes_seen() == {a}


def test_a_federation_scope_sees_its_members_and_writes_nothing(
    app, database, communes, in_commune
):
    a, b, c = communes
    with app.app_context(), federation_scope([a, c]):
        assert _communes_seen() == {a, c}
        with pytest.raises(DBAPIError, match="row-level security"):
            _raw(
                "INSERT INTO gov_bodies (commune_id, kind, slug, name, purpose, theme, "
                "open_membership, max_consecutive_terms, archived, created_at) "
                "VALUES (:a, 'circle', 'federe', 'F', '', '', true, 2, false, now())",
                a=a,
            )
        db.session.rollback()
    assert b not in {a, c}


def test_a_row_for_another_commune_is_refused_by_the_policy(app, database, communes, in_commune):
    a, b, _c = communes
    with in_commune(a):
        with pytest.raises(DBAPIError, match="row-level security"):
            _raw(
                "INSERT INTO gov_bodies (commune_id, kind, slug, name, purpose, theme, "
                "open_membership, max_consecutive_terms, archived, created_at) "
                "VALUES (:b, 'circle', 'intrus', 'I', '', '', true, 2, false, now())",
                b=b,
            )
        db.session.rollback()


def _copy_row(raw, row) -> None:
    with raw.cursor() as cursor:
        columns = (
            "commune_id, kind, slug, name, purpose, theme, open_membership, "
            "max_consecutive_terms, archived, created_at"
        )
        with cursor.copy(f"COPY gov_bodies ({columns}) FROM STDIN") as copy:
            copy.write_row(row)


def test_copy_into_a_tenant_table_goes_through_row_security(app, database, communes, in_commune):
    """COPY FROM is refused for a role under row-level security: bulk imports fall back to
    INSERT, which the policies check (the row of another commune above)."""
    a, b, _c = communes
    with in_commune(a), raw_tenant_sql("test: COPY"):
        raw = db.session.connection().connection.driver_connection
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="row-level security"):
            _copy_row(raw, (b, "circle", "copie", "C", "", "", True, 2, False, datetime.now(UTC)))
        db.session.rollback()
    with database.owner.connect() as conn, raw_tenant_sql("test: as the owner"):
        slugs = conn.execute(text("SELECT slug FROM gov_bodies WHERE slug = 'copie'")).all()
    assert slugs == []


def test_the_setting_does_not_survive_on_a_pooled_connection(app, database, communes, in_commune):
    a, *_ = communes
    with in_commune(a):
        pid, bound = _raw("SELECT pg_backend_pid(), current_setting('app.commune_ids', true)").one()
        assert bound == str(a)
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        again, after = conn.execute(
            text("SELECT pg_backend_pid(), current_setting('app.commune_ids', true)")
        ).one()
    assert again == pid  # the same pooled connection
    assert after in ("", None)


def test_the_pooled_connection_check_sees_a_session_level_setting(app, database):
    """Planted: a session-level SET (what set_config(..., false) does) would survive."""
    with app.app_context(), db.engine.connect() as conn:
        pid = conn.execute(
            text("SELECT pg_backend_pid(), set_config('app.commune_ids', '7', false)")
        ).one()[0]
        conn.commit()
    with app.app_context(), db.engine.connect() as conn:
        again, after = conn.execute(
            text("SELECT pg_backend_pid(), current_setting('app.commune_ids', true)")
        ).one()
        conn.execute(text("RESET app.commune_ids"))
        conn.commit()
    assert again == pid
    assert after == "7"


def test_the_migration_url_names_the_same_database_as_the_application(tmp_path, monkeypatch):
    """MIGRATION_DATABASE_URL is the owner of the application's database, nothing else."""
    from federation.config import ConfigError, load_settings

    monkeypatch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path))
    app = "postgresql://convergence_app@db.local/convergence"
    values, _ = load_settings(
        "x",
        {"database_url": app, "migration_database_url": "postgresql://owner@db.local/convergence"},
    )
    assert values["MIGRATION_DATABASE_URL"].startswith("postgresql://owner@")
    with pytest.raises(ConfigError, match="MIGRATION_DATABASE_URL must name the same database"):
        load_settings(
            "x",
            {"database_url": app, "migration_database_url": "postgresql://owner@db.local/other"},
        )
