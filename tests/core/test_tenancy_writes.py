"""Issue 11 item 2: writes and reads below the ORM unit of work stay in the scope (R2–R5).

Each attack below is run as commune A against commune B (A holds 10 notes, B 30). An
attack returns True when it leaked (read B's rows, wrote or changed a row of B, moved A's
rows, or wrote in a read-only scope); a refusal is a :class:`TenantScopeError`.

``test_every_attack_is_stopped`` runs them against the guards;
``test_every_attack_leaks_when_its_guard_is_planted_off`` switches the guards off one by
one and proves each attack then reports the leak (the guard test can fail).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from federation.db import db
from federation.tenancy.context import commune_scope, federation_scope, unscoped
from federation.tenancy.scoping import CrossCommuneWrite, TenantScopeError
from tests.support.notes_plugin import Note

Attack = Callable[[Any, Any, Any], bool]
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.LegacyAPIWarning")


@pytest.fixture
def two_communes(app, factory, in_db):
    a, b = factory.commune("alpha"), factory.commune("beta")
    with in_db():
        db.session.add_all([Note(commune_id=a.id, title=f"A{i}") for i in range(10)])
        db.session.add_all([Note(commune_id=b.id, title=f"B{i}") for i in range(30)])
    return a, b


def _state(app) -> dict[str, Any]:
    """What the database holds, read through the ORM in the explicit unscoped context."""
    with app.app_context(), unscoped():
        rows = db.session.execute(select(Note.commune_id, Note.title, Note.body)).all()
        db.session.rollback()
    return {
        "count": {cid: sum(1 for r in rows if r[0] == cid) for cid in {r[0] for r in rows}},
        "evil": sum(1 for r in rows if "evil" in (r[1], r[2])),
    }


def _first_id(app, commune_id: int) -> int:
    with app.app_context(), unscoped():
        return db.session.scalar(select(func.min(Note.id)).where(Note.commune_id == commune_id))


def _wrote(app, a, b) -> bool:
    """A row was created in B, A's rows moved, or a row was changed by the attack."""
    state = _state(app)
    return state["count"].get(b.id) != 30 or state["count"].get(a.id) != 10 or state["evil"] > 0


def _run(app, scope: Callable[[], Any], action: Callable[[], Any]) -> None:
    with app.app_context():
        with scope():
            action()
        db.session.commit()


def _in_a(a):
    return lambda: commune_scope(a.id)


def _no_scope():
    from contextlib import nullcontext

    return nullcontext()


# --- INSERT -------------------------------------------------------------------------------


def insert_values_foreign(app, a, b) -> bool:
    stmt = insert(Note).values(commune_id=b.id, title="evil")
    _run(app, _in_a(a), lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def insert_params_foreign(app, a, b) -> bool:
    rows = [{"commune_id": b.id, "title": "evil"}, {"commune_id": b.id, "title": "evil"}]
    _run(app, _in_a(a), lambda: db.session.execute(insert(Note), rows))
    return _wrote(app, a, b)


def insert_without_scope(app, a, b) -> bool:
    stmt = insert(Note).values(commune_id=b.id, title="evil")
    _run(app, _no_scope, lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def insert_in_federation_scope(app, a, b) -> bool:
    stmt = insert(Note).values(commune_id=a.id, title="evil")
    _run(app, lambda: federation_scope([a.id, b.id]), lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def bulk_save_objects_foreign(app, a, b) -> bool:
    objects = [Note(commune_id=b.id, title="evil")]
    _run(app, _in_a(a), lambda: db.session.bulk_save_objects(objects))
    return _wrote(app, a, b)


def bulk_save_objects_without_scope(app, a, b) -> bool:
    objects = [Note(commune_id=b.id, title="evil")]
    _run(app, _no_scope, lambda: db.session.bulk_save_objects(objects))
    return _wrote(app, a, b)


def bulk_insert_mappings_foreign(app, a, b) -> bool:
    rows = [{"commune_id": b.id, "title": "evil"}]
    _run(app, _in_a(a), lambda: db.session.bulk_insert_mappings(Note, rows))
    return _wrote(app, a, b)


def bulk_update_mappings_foreign(app, a, b) -> bool:
    rows = [{"id": _first_id(app, b.id), "title": "evil"}]
    _run(app, _in_a(a), lambda: db.session.bulk_update_mappings(Note, rows))
    return _wrote(app, a, b)


# --- UPDATE / DELETE ----------------------------------------------------------------------


def update_moves_rows_to_b(app, a, b) -> bool:
    stmt = update(Note).values(commune_id=b.id)
    _run(app, _in_a(a), lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def update_by_primary_key_foreign(app, a, b) -> bool:
    rows = [{"id": _first_id(app, b.id), "title": "evil"}]
    _run(app, _in_a(a), lambda: db.session.execute(update(Note), rows))
    return _wrote(app, a, b)


def upsert_onto_a_foreign_row(app, a, b) -> bool:
    """``ON CONFLICT DO UPDATE`` with A's commune_id, conflicting on B's primary key."""
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = (
        dialect_insert(Note)
        .values(id=_first_id(app, b.id), commune_id=a.id, title="x")
        .on_conflict_do_update(index_elements=["id"], set_={"title": "evil"})
    )
    _run(app, _in_a(a), lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def update_in_federation_scope(app, a, b) -> bool:
    stmt = update(Note).values(title="evil")
    _run(app, lambda: federation_scope([a.id, b.id]), lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def delete_in_federation_scope(app, a, b) -> bool:
    _run(app, lambda: federation_scope([a.id, b.id]), lambda: db.session.execute(delete(Note)))
    return _wrote(app, a, b)


# --- Core statements and raw SQL ----------------------------------------------------------


def _read_in_a(app, a, b, read: Callable[[], list[Any]]) -> bool:
    with app.app_context(), commune_scope(a.id):
        rows = read()
        db.session.rollback()
    return any(row[0] == b.id for row in rows)


def core_select_table(app, a, b) -> bool:
    stmt = select(Note.__table__.c.commune_id)
    return _read_in_a(app, a, b, lambda: db.session.execute(stmt).all())


def core_select_on_connection(app, a, b) -> bool:
    stmt = select(Note.__table__.c.commune_id)
    return _read_in_a(app, a, b, lambda: db.session.connection().execute(stmt).all())


def orm_select_on_connection(app, a, b) -> bool:
    stmt = select(Note.commune_id)
    return _read_in_a(app, a, b, lambda: db.session.connection().execute(stmt).all())


def text_select(app, a, b) -> bool:
    stmt = text("SELECT commune_id FROM notes_notes")
    return _read_in_a(app, a, b, lambda: db.session.execute(stmt).all())


def orm_select_with_table_alias(app, a, b) -> bool:
    """A Core alias of the tenant table joined into an ORM query (criteria miss it)."""
    other = Note.__table__.alias("other")
    stmt = select(other.c.commune_id, Note.id).join(other, other.c.id > 0)
    return _read_in_a(app, a, b, lambda: db.session.execute(stmt).all())


def orm_from_statement_text(app, a, b) -> bool:
    stmt = select(Note).from_statement(text("SELECT * FROM notes_notes"))
    return _read_in_a(app, a, b, lambda: [(n.commune_id,) for n in db.session.scalars(stmt).all()])


def driver_sql_select(app, a, b) -> bool:
    sql = "SELECT commune_id FROM notes_notes"
    return _read_in_a(app, a, b, lambda: db.session.connection().exec_driver_sql(sql).all())


def engine_select(app, a, b) -> bool:
    def read() -> list[Any]:
        with db.engine.connect() as conn:
            return conn.execute(select(Note.__table__.c.commune_id)).all()

    return _read_in_a(app, a, b, read)


def core_insert_table(app, a, b) -> bool:
    stmt = Note.__table__.insert().values(commune_id=b.id, title="evil", body="")
    _run(app, _in_a(a), lambda: db.session.execute(stmt))
    return _wrote(app, a, b)


def core_update_on_engine(app, a, b) -> bool:
    def action() -> None:
        with db.engine.begin() as conn:
            conn.execute(update(Note.__table__).values(title="evil"))

    _run(app, _in_a(a), action)
    return _wrote(app, a, b)


# --- legacy getters -----------------------------------------------------------------------


def _get_in_a(app, a, b, getter: Callable[[int], Any]) -> bool:
    with app.app_context():
        with commune_scope(b.id):
            b_note = db.session.scalars(select(Note)).first()  # now in the identity map
        with commune_scope(a.id):
            found = getter(b_note.id)
        return found is not None


def query_get(app, a, b) -> bool:
    return _get_in_a(app, a, b, lambda i: db.session.query(Note).get(i))


def model_query_get(app, a, b) -> bool:
    return _get_in_a(app, a, b, lambda i: Note.query.get(i))


def model_query_get_without_scope(app, a, b) -> bool:
    with app.app_context():
        with commune_scope(b.id):
            b_note = db.session.scalars(select(Note)).first()
        db.session().set_scope(None)
        return Note.query.get(b_note.id) is not None


ATTACKS: dict[str, Attack] = {
    f.__name__: f
    for f in (
        insert_values_foreign,
        insert_params_foreign,
        insert_without_scope,
        insert_in_federation_scope,
        bulk_save_objects_foreign,
        bulk_save_objects_without_scope,
        bulk_insert_mappings_foreign,
        bulk_update_mappings_foreign,
        update_moves_rows_to_b,
        update_by_primary_key_foreign,
        upsert_onto_a_foreign_row,
        update_in_federation_scope,
        delete_in_federation_scope,
        core_select_table,
        core_select_on_connection,
        orm_select_on_connection,
        text_select,
        orm_select_with_table_alias,
        orm_from_statement_text,
        driver_sql_select,
        engine_select,
        core_insert_table,
        core_update_on_engine,
        query_get,
        model_query_get,
        model_query_get_without_scope,
    )
}


def _attempt(attack: Attack, app, a, b) -> bool:
    try:
        return attack(app, a, b)
    except TenantScopeError:
        with app.app_context():
            db.session.rollback()
        return _wrote(app, a, b)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_every_attack_is_stopped(app, two_communes, name):
    a, b = two_communes
    assert not _attempt(ATTACKS[name], app, a, b), f"{name} leaked across communes"


def _plant_guards_off(monkeypatch) -> None:
    """Switch every guard of item 2 off (the planted bypass)."""
    from flask_sqlalchemy.query import Query

    from federation.tenancy import scoping

    monkeypatch.setattr(scoping, "_check_dml", lambda *_a, **_k: None)
    monkeypatch.setattr(scoping, "_check_core_statement", lambda *_a, **_k: None)
    monkeypatch.setattr(scoping, "_check_core_sql", lambda *_a, **_k: None)
    monkeypatch.setattr(scoping, "_check_raw_aliases", lambda *_a, **_k: None)
    monkeypatch.setattr(scoping.TenantSession, "_bulk_save_mappings", Session._bulk_save_mappings)
    monkeypatch.setattr(scoping.TenantQuery, "get", Query.get)


def skip_under_row_security(app) -> None:
    """On PostgreSQL the suite connects as a role under row-level security (item 4), a
    second barrier that stops the planted leaks in the database: the planted bypass of the
    application guard then runs with ``CONVERGENCE_TEST_APP_ROLE=off`` (and on SQLite)."""
    database = app.extensions.get("convergence_test_db")
    if getattr(database, "app_role", None):
        pytest.skip("row-level security active: plant with CONVERGENCE_TEST_APP_ROLE=off")


IDENTITY_MAP_ATTACKS = {"query_get", "model_query_get", "model_query_get_without_scope"}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_every_attack_leaks_when_its_guard_is_planted_off(app, two_communes, monkeypatch, name):
    a, b = two_communes
    if name not in IDENTITY_MAP_ATTACKS:  # the database cannot see the identity map
        skip_under_row_security(app)
    _plant_guards_off(monkeypatch)
    assert _attempt(ATTACKS[name], app, a, b), f"{name} did not leak with the guards off"


# --- what still works ---------------------------------------------------------------------


def test_orm_inserts_are_stamped_with_the_scope(app, two_communes):
    a, _b = two_communes
    with app.app_context(), commune_scope(a.id):
        db.session.execute(insert(Note).values(title="one"))
        db.session.execute(insert(Note), [{"title": "two"}, {"title": "three"}])
        db.session.execute(insert(Note), [{"title": "four", "commune_id": a.id}])
        db.session.bulk_insert_mappings(Note, [{"title": "five"}])
        db.session.bulk_save_objects([Note(title="six")])
        db.session.commit()
    with app.app_context(), unscoped():
        new = db.session.execute(
            select(Note.title, Note.commune_id).where(
                Note.title.in_(["one", "two", "three", "four", "five", "six"])
            )
        ).all()
        assert len(new) == 6 and {cid for _t, cid in new} == {a.id}


def test_updates_in_the_scope_still_work(app, two_communes):
    a, b = two_communes
    a_id = _first_id(app, a.id)
    with app.app_context(), commune_scope(a.id):
        assert db.session.execute(update(Note).values(body="x")).rowcount == 10
        db.session.execute(update(Note), [{"id": a_id, "title": "renamed"}])
        db.session.bulk_update_mappings(Note, [{"id": a_id, "body": "y"}])
        same = update(Note).where(Note.id == a_id).values(commune_id=a.id)
        db.session.execute(same)  # keeping the same commune is not a move
        db.session.commit()
    with app.app_context(), unscoped():
        note = db.session.get(Note, a_id)
        assert (note.title, note.body, note.commune_id) == ("renamed", "y", a.id)


def test_the_unscoped_context_may_write_any_commune(app, two_communes):
    a, b = two_communes
    with app.app_context(), unscoped():
        db.session.execute(insert(Note).values(commune_id=b.id, title="platform"))
        db.session.commit()
    assert _state(app)["count"][b.id] == 31


def test_sql_expressions_for_commune_id_are_refused(app, two_communes):
    a, b = two_communes
    with app.app_context(), commune_scope(a.id):
        sneaky = insert(Note).values(commune_id=func.abs(b.id), title="evil")
        with pytest.raises(CrossCommuneWrite):
            db.session.execute(sneaky)
        db.session.rollback()
        moved = update(Note).values(commune_id=Note.commune_id + (b.id - a.id))
        with pytest.raises(CrossCommuneWrite):
            db.session.execute(moved)
        db.session.rollback()
    assert not _wrote(app, a, b)


def test_legacy_getters_return_the_scopes_rows(app, two_communes):
    a, _b = two_communes
    a_id = _first_id(app, a.id)
    with app.app_context(), commune_scope(a.id):
        assert Note.query.get(a_id).commune_id == a.id
        assert db.session.query(Note).get(a_id).commune_id == a.id


def test_model_query_get_or_404_is_a_404_for_another_commune(app, two_communes):
    from werkzeug.exceptions import NotFound

    a, b = two_communes
    b_id = _first_id(app, b.id)
    with app.app_context(), commune_scope(b.id):
        Note.query.get(b_id)
        with commune_scope(a.id), pytest.raises(NotFound):
            Note.query.get_or_404(b_id)
