"""Issue 11 item 3: the database refuses a reference to another commune's row.

Every reference between tenant tables has a composite foreign key (commune_id, x_id) →
(target.commune_id, target.id) beside the single-column one; SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from federation.db import db
from federation.governance.models import Body, Concern, Proposal
from federation.tenancy import ddl, rls
from federation.tenancy.scoping import UNSCOPED, is_tenant_class, raw_tenant_sql


def _body(commune_id: int, slug: str = "cercle-des-cles") -> int:
    body = Body(commune_id=commune_id, kind="circle", slug=slug, name=f"Cercle {slug}")
    db.session.add(body)
    db.session.flush()
    return body.id


@pytest.fixture
def two(factory, in_db):
    a, b = factory.commune(), factory.commune()
    with in_db():
        bodies = {a.id: _body(a.id), b.id: _body(b.id)}
    return a, b, bodies


def _tenant_references(tables) -> list[tuple[str, str, str]]:
    """(table, column, target) for every single-column reference between tenant tables."""
    tenant = {t.name for t in tables}
    found = []
    for table in tables:
        for fk in table.foreign_keys:
            target = fk.column.table.name
            single = len(fk.constraint.elements) == 1 and fk.parent.name != "commune_id"
            if single and target in tenant and fk.column.name == "id":
                found.append((table.name, fk.parent.name, target))
    return sorted(found)


def missing_composite_keys(connection, references) -> list[str]:
    """References of the database without their composite (commune_id, x_id) key."""
    inspector = inspect(connection)
    missing = []
    for table, column, target in references:
        composite = {
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in inspector.get_foreign_keys(table)
        }
        if (("commune_id", column), target, ("commune_id", "id")) not in composite:
            missing.append(f"{table}.{column}")
    return missing


def _tenant_tables():
    return [m.local_table for m in db.Model.registry.mappers if is_tenant_class(m.class_)]


def test_every_reference_between_tenant_tables_is_composite_in_the_database(app):
    references = _tenant_references(_tenant_tables())
    assert len(references) > 40  # core and plugins
    assert ("gov_proposals", "body_id", "gov_bodies") in references
    with app.app_context(), db.engine.connect() as connection:
        assert missing_composite_keys(connection, references) == []


def test_the_composite_key_check_reports_a_missing_key(app):
    """Planted: a reference whose composite key is absent is reported."""
    references = [("gov_proposals", "body_id", "gov_bodies"), ("gov_proposals", "id", "gov_bodies")]
    with app.app_context(), db.engine.connect() as connection:
        assert missing_composite_keys(connection, references) == ["gov_proposals.id"]


def test_the_orm_cannot_point_a_proposal_of_a_to_a_body_of_b(app, two, in_db):
    a, b, bodies = two
    with in_db():
        db.session.add(Proposal(commune_id=a.id, body_id=bodies[b.id], title="Ailleurs"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    with in_db():  # the same commune is fine
        db.session.add(Proposal(commune_id=a.id, body_id=bodies[a.id], title="Ici"))
        db.session.flush()
        assert db.session.scalar(select(Proposal.title)) == "Ici"


def test_raw_sql_cannot_point_a_proposal_of_a_to_a_body_of_b(app, two):
    a, b, bodies = two
    row = {"commune_id": a.id, "body_id": bodies[b.id], "title": "x", "text": "", "status": "draft"}
    with (
        app.app_context(),
        raw_tenant_sql("test: raw insert across communes"),
        db.engine.connect() as connection,
    ):
        rls.bind(connection, UNSCOPED)  # PostgreSQL: past row-level security, to the keys
        with pytest.raises(IntegrityError):
            connection.execute(insert(Proposal.__table__).values(extra={}, **row))


def test_a_nullable_reference_to_another_commune_is_refused_at_commit(app, two, in_db):
    """SET NULL references: the composite key is deferred, checked at COMMIT."""
    a, b, _bodies = two
    with in_db():
        theirs = Concern(commune_id=b.id, title="Chez B")
        db.session.add(theirs)
        db.session.flush()
        db.session.add(Concern(commune_id=a.id, title="Chez A", merged_into_id=theirs.id))
        db.session.flush()
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_deleting_a_target_still_sets_null_or_cascades(app, two, in_db):
    a, _b, bodies = two
    with in_db():
        target = Concern(commune_id=a.id, title="Cible")
        db.session.add(target)
        db.session.flush()
        merged = Concern(commune_id=a.id, title="Fusionnée", merged_into_id=target.id)
        db.session.add_all([merged, Proposal(commune_id=a.id, body_id=bodies[a.id], title="P")])
        db.session.flush()
        merged_id = merged.id
    with in_db():
        db.session.execute(delete(Concern).where(Concern.title == "Cible"))
        db.session.execute(delete(Body).where(Body.id == bodies[a.id]))
    with in_db():
        db.session.expire_all()
        assert db.session.get(Concern, merged_id).merged_into_id is None
        assert db.session.scalar(select(Proposal.id)) is None


def test_relationships_between_tenant_models_still_join_on_the_reference_alone(app, two, in_db):
    a, _b, bodies = two
    with in_db():
        proposal = Proposal(commune_id=a.id, body_id=bodies[a.id], title="Avec son corps")
        db.session.add(proposal)
        db.session.flush()
        db.session.expire_all()
        loaded = db.session.scalar(select(Proposal))
        assert loaded.body.id == bodies[a.id]
    join = Proposal.body.property.primaryjoin
    assert {c.name for c in join.left.base_columns | join.right.base_columns} == {"id", "body_id"}


def test_the_migration_lists_existing_cross_commune_rows_before_adding_keys(app, two):
    """Existing inconsistent rows are reported by name, not as an obscure DDL error."""
    a, b, bodies = two
    database = app.extensions["convergence_test_db"]
    with app.app_context():
        engine = db.engine if database.is_sqlite else database.owner  # DDL: the owner's
    with app.app_context(), engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with raw_tenant_sql("test: undo and redo the tenant keys"):
            ddl.unsecure_tenant_tables(connection, tables=["gov_proposals"])
            connection.execute(
                insert(Proposal.__table__).values(
                    commune_id=a.id, body_id=bodies[b.id], title="x", text="", status="d", extra={}
                )
            )
            with pytest.raises(ddl.CrossCommuneReferences, match=r"gov_proposals\.body_id"):
                ddl.secure_tenant_tables(connection, tables=["gov_proposals"])
            connection.execute(delete(Proposal.__table__))
            ddl.secure_tenant_tables(connection, tables=["gov_proposals"])
            refs = [("gov_proposals", "body_id", "gov_bodies")]
            assert missing_composite_keys(connection, refs) == []
        connection.rollback()  # PostgreSQL: DDL is transactional; SQLite: reset per test
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
