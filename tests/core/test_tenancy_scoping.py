"""Tenant scoping at the ORM level (R2, R3, R5): queries, relationships, lazy loads,
``session.get``, bulk UPDATE/DELETE, inserts with a foreign ``commune_id``."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased, selectinload

from federation.db import db
from federation.tenancy import scoping
from federation.tenancy.context import commune_scope, federation_scope, unscoped
from federation.tenancy.scoping import CrossCommuneWrite, TenantScopeError
from tests.support.notes_plugin import Note


@pytest.fixture
def two_communes(app, factory, in_db):
    a, b = factory.commune("alpha"), factory.commune("beta")
    with in_db():
        db.session.add_all([Note(commune_id=a.id, title=f"A{i}") for i in range(10)])
        db.session.add_all([Note(commune_id=b.id, title=f"B{i}") for i in range(30)])
    return a, b


def test_select_and_count_see_only_the_current_commune(app, two_communes):
    a, b = two_communes
    with app.app_context(), commune_scope(a.id):
        titles = db.session.scalars(select(Note.title)).all()
        assert len(titles) == 10 and all(t.startswith("A") for t in titles)
        assert db.session.scalar(select(func.count()).select_from(Note)) == 10
        assert db.session.scalar(select(func.count(Note.id))) == 10
        other = aliased(Note)
        joined = db.session.execute(select(Note, other).join(other, other.id > Note.id)).all()
        assert joined and {n.commune_id for row in joined for n in row} == {a.id}
        with pytest.raises(TenantScopeError):  # a Core alias of the table: refused (R4)
            db.session.scalars(select(Note).join(Note.__table__.alias("n2"), Note.id > 0))


def test_fail_closed_without_a_scope(app, two_communes):
    with app.app_context():
        with pytest.raises(TenantScopeError):
            db.session.scalars(select(Note)).all()
        with pytest.raises(TenantScopeError):
            db.session.scalar(select(func.count()).select_from(Note))
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Note).values(title="x"))
        with pytest.raises(TenantScopeError):
            db.session.get(Note, 1)


def test_session_get_does_not_return_another_communes_row_from_the_identity_map(app, two_communes):
    a, b = two_communes
    with app.app_context():
        with commune_scope(b.id):
            b_note = db.session.scalars(select(Note)).first()
            assert db.session.get(Note, b_note.id) is b_note  # in the identity map now
        with commune_scope(a.id):
            assert db.session.get(Note, b_note.id) is None
            assert db.get_or_404 is not None


def test_bulk_update_and_delete_touch_only_the_current_commune(app, two_communes):
    a, b = two_communes
    with app.app_context():
        with commune_scope(a.id):
            result = db.session.execute(update(Note).values(body="changed"))
            assert result.rowcount == 10
            db.session.commit()
        with unscoped():
            changed = db.session.scalar(select(func.count()).where(Note.body == "changed"))
            assert changed == 10
        with commune_scope(a.id):
            assert db.session.execute(delete(Note)).rowcount == 10
            db.session.commit()
        with unscoped():
            assert db.session.scalar(select(func.count(Note.id))) == 30


def test_insert_is_stamped_and_foreign_insert_refused(app, two_communes):
    a, b = two_communes
    with app.app_context(), commune_scope(a.id):
        note = Note(title="stamped")
        db.session.add(note)
        db.session.flush()
        assert note.commune_id == a.id
        db.session.add(Note(title="evil", commune_id=b.id))
        with pytest.raises(CrossCommuneWrite):
            db.session.flush()
        db.session.rollback()


def test_moving_a_row_to_another_commune_is_refused(app, two_communes):
    a, b = two_communes
    with app.app_context(), commune_scope(a.id):
        note = db.session.scalars(select(Note)).first()
        note.commune_id = b.id
        with pytest.raises(CrossCommuneWrite):
            db.session.flush()
        db.session.rollback()


def test_relationship_and_lazy_loads_are_scoped(app, factory, in_db):
    """A relationship loaded in A's scope cannot bring B's rows, lazily or eagerly."""
    from federation.identity.models import CommuneRolePermission

    a, b = factory.commune("gamma"), factory.commune("delta")
    with in_db():
        db.session.add(
            CommuneRolePermission(
                commune_id=a.id, role="member", permission="notes.write", granted=False
            )
        )
        db.session.add(
            CommuneRolePermission(
                commune_id=b.id, role="member", permission="notes.write", granted=False
            )
        )
        db.session.add_all([Note(commune_id=a.id, title="a"), Note(commune_id=b.id, title="b")])
    with app.app_context(), commune_scope(a.id):
        notes = db.session.scalars(select(Note).options(selectinload("*"))).all()
        assert [n.title for n in notes] == ["a"]
        rows = db.session.scalars(select(CommuneRolePermission)).all()
        assert {r.commune_id for r in rows} == {a.id}


def test_federation_scope_reads_members_only_and_is_read_only(app, factory, in_db):
    a, b, c = factory.commune(), factory.commune(), factory.commune()
    with in_db():
        for ref in (a, b, c):
            db.session.add(Note(commune_id=ref.id, title=ref.slug))
    with app.app_context(), federation_scope([a.id, b.id]):
        assert set(db.session.scalars(select(Note.title))) == {a.slug, b.slug}
        db.session.add(Note(commune_id=a.id, title="write"))
        with pytest.raises(CrossCommuneWrite):
            db.session.flush()
        db.session.rollback()


def test_scope_helpers_restore_previous_scope(app):
    with app.app_context():
        session = db.session()
        session.set_scope(scoping.commune(1))
        with unscoped():
            assert session.scope.unscoped
        assert session.scope == scoping.commune(1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    min_id=st.integers(min_value=0, max_value=50),
    title_prefix=st.sampled_from(["", "A", "B", "A1", "B2"]),
    order_desc=st.booleans(),
    limit=st.integers(min_value=1, max_value=60),
    use_subquery=st.booleans(),
)
def test_random_queries_never_return_another_communes_rows(
    app, two_communes, min_id, title_prefix, order_desc, limit, use_subquery
):
    a, _b = two_communes
    with app.app_context(), commune_scope(a.id):
        query = select(Note).where(Note.id >= min_id, Note.title.startswith(title_prefix))
        if use_subquery:
            inner = select(func.min(Note.id)).where(Note.id >= min_id).scalar_subquery()
            query = select(Note).where(Note.id.in_(select(Note.id).where(Note.id >= inner)))
        query = query.order_by(Note.id.desc() if order_desc else Note.id).limit(limit)
        assert all(n.commune_id == a.id for n in db.session.scalars(query))
        count = db.session.scalar(select(func.count()).select_from(query.subquery()))
        assert count <= 10
