"""No state change on GET (R19): every GET route of the URL map — web and API, core and
every plugin — is requested as an anonymous visitor, as a member and as an administrator
of a commune full of data, and the database must be exactly as it was (row count and a
checksum of every table). A companion test plants a GET route that writes and proves the
walk catches it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect
from werkzeug.routing import Rule

from federation.db import db
from federation.identity.models import User
from federation.tenancy.models import Commune
from tests.core.test_isolation_walk import (
    _a_ids,
    _reaches,
    _rule_key,
    _seed,
    _urls,
    owner_engine,
)

ROLES = ("anonymous", "member", "admin")


def snapshot(app: Flask) -> dict[str, tuple[int, str]]:
    """table → (row count, digest of its sorted rows), read as the tables' owner (every row,
    past the ORM's scoping and row-level security). PostgreSQL computes every table's count
    and MD5 in one statement (the walk takes a snapshot after each of 210 routes: one round
    trip and no rows sent instead of a query per table); SQLite rows are hashed here."""
    with app.app_context():
        tables = sorted(t for t in inspect(db.engine).get_table_names() if t != "alembic_version")
        if db.engine.dialect.name == "postgresql":
            return _snapshot_in_postgresql(tables)
        connection = owner_engine().raw_connection()
        try:
            cursor = connection.cursor()
            state = {}
            for table in tables:
                cursor.execute(f'SELECT * FROM "{table}"')  # names from the schema
                rows = sorted(repr(tuple(row)) for row in cursor.fetchall())
                digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
                state[table] = (len(rows), digest)
            connection.rollback()
        finally:
            connection.close()
    return state


def _snapshot_in_postgresql(tables: list[str]) -> dict[str, tuple[int, str]]:
    from sqlalchemy import text

    from tests.core.test_isolation_walk import as_owner

    statement = " UNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(md5(string_agg(r::text, '|' ORDER BY r::text)), '') "
        f'FROM "{t}" AS r'
        for t in tables
    )
    with as_owner() as conn:
        return {name: (count, digest) for name, count, digest in conn.execute(text(statement))}


def _changes(before: dict, after: dict) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


@pytest.fixture
def town(app, factory, in_db):
    commune = factory.commune("get-safe", "Getsafe")
    fed = factory.federation("fed-get-safe", communes=[commune])
    people = {
        role: factory.member(
            commune, role, factory.user(f"{role}@getsafe.example", display_name=f"P {role}")
        )
        for role in ("member", "facilitator", "admin", "agent", "secretary")
    }
    with in_db():
        users = {role: db.session.get(User, m.user.id) for role, m in people.items()}
        _seed(db.session.get(Commune, commune.id), users, "g")
    return {"commune": commune, "federation": fed, "people": people}


def _clients(app: Flask, town: dict) -> dict[str, tuple[Any, dict]]:
    from federation.testing.factories import Factory

    clients = {"anonymous": (app.test_client(), {})}
    for role in ("member", "admin"):
        client = app.test_client()
        Factory.login(client, town["people"][role])
        clients[role] = (client, Factory(app).token(town["people"][role].user))
    return clients


def _values(rule: Rule, town: dict, ids: list[int]) -> list[str]:
    if "commune" in rule.arguments:
        return _urls(rule, "commune", town["commune"].slug, ids)
    if "federation" in rule.arguments:
        return _urls(rule, "federation", town["federation"].slug, ids)
    return _urls(rule, "__none__", "", ids)


def walk_gets(
    app: Flask,
    town: dict,
    clients: dict[str, tuple[Any, dict]],
    only: Callable[[Rule], bool] | None = None,
) -> dict[str, Any]:
    """GET every rule as every role; after each rule the database must be unchanged.
    Returns what was covered."""
    ids = _a_ids(app, town["commune"].id)
    adapter = app.url_map.bind("localhost")
    rules = [
        r for r in app.url_map.iter_rules() if "GET" in r.methods and (only is None or only(r))
    ]
    covered: dict[str, set] = {role: set() for role in clients}
    requests = 0
    before = snapshot(app)
    for rule in rules:
        api = rule.rule.startswith("/api/")
        for role, (client, token) in clients.items():
            for url in _values(rule, town, ids):
                response = client.get(url, headers=token if api else {})
                requests += 1
                assert response.status_code < 500, (role, url, response.status_code)
                if _reaches(adapter, url, "GET", rule):
                    covered[role].add(_rule_key(rule))
        after = snapshot(app)
        changed = _changes(before, after)
        assert not changed, f"GET {rule.rule} changed the database: {changed}"
    return {"rules": {_rule_key(r) for r in rules}, "covered": covered, "requests": requests}


def test_no_get_route_changes_the_database(app, town):
    clients = _clients(app, town)
    result = walk_gets(app, town, clients)
    for role in clients:
        missing = sorted(result["rules"] - result["covered"][role])
        assert not missing, f"{role}: the walk did not reach {missing[:5]}"
    print(
        f"GET walk: {len(result['rules'])} routes × {len(clients)} roles, "
        f"{result['requests']} requests, database unchanged"
    )
    assert len(result["rules"]) > 100


def test_get_walk_fails_on_a_planted_write(app, town, make_app):
    """A GET route that writes (the kind of bug this walk exists for) is reported."""
    from flask import g

    leaky = make_app()

    def touch() -> str:
        g.commune.description = "changed on GET"
        db.session.commit()
        return "ok"

    leaky.add_url_rule("/c/<commune>/planted-get", "planted_get", touch)
    with pytest.raises(AssertionError, match="GET /c/<commune>/planted-get changed the database"):
        walk_gets(leaky, town, _clients(leaky, town), only=lambda r: r.endpoint == "planted_get")


def test_bodies_and_mandates_pages_do_not_create_the_assembly(app, client, factory, in_commune):
    """A commune without its assembly (created before the hook ran for every path): the
    pages that used to create it on GET now only read."""
    from federation.governance.models import Body

    commune = factory.commune()
    member = factory.member(commune, "admin")
    with in_commune(commune):
        for body in db.session.query(Body).all():
            db.session.delete(body)
    factory.login(client, member)
    token = factory.token(member.user)
    before = snapshot(app)
    assert client.get(f"/c/{commune.slug}/bodies").status_code == 200
    assert client.get(f"/c/{commune.slug}/mandates").status_code == 200
    assert client.get(f"/api/v1/communes/{commune.slug}/bodies", headers=token).status_code == 200
    assert _changes(before, snapshot(app)) == []
