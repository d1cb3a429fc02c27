"""Tenant isolation over the whole URL map (web and API, core and every plugin, present and
future): a member — even an admin — of commune B gets nothing of commune A through any route
and cannot change A's data. A new route that leaks makes this test fail.

How: both communes get every plugin and its demo data plus core data; every string stored
only in A's rows is a secret. Every rule is requested as B's admin with A's ids in its
integer arguments; GET bodies must contain no secret, writes must leave A's rows unchanged
and never answer 500. Federation routes are walked for a federation A does not belong to.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from federation.db import db
from federation.identity.models import Membership, MembershipRole, User
from federation.journal.models import JournalEntry
from federation.journal.services import record
from federation.plugins.services import commune_hooks, enable_plugin, manager
from federation.tenancy.context import commune_scope, unscoped
from federation.tenancy.models import Commune
from federation.tenancy.scoping import is_tenant_class

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: routes where anyone signed in may write into a commune they do not belong to
OPEN_TO_OUTSIDERS = {"web.join_commune", "api_identity.Memberships"}
STRING_ARGUMENT_VALUES = [
    "notes",
    "needsnotes",
    "broken",
    "approve",
    "refuse",
    "grant",
    "revoke",
    "admin",
    "facilitator",
    "en",
    "fr",
]
MIN_SECRET = 6


def _tenant_classes() -> list[type]:
    """Tenant models whose table exists (a plugin imported by another test but not loaded
    in this app has no table here)."""
    from sqlalchemy import inspect

    existing = set(inspect(db.engine).get_table_names())
    return [
        m.class_
        for m in db.Model.registry.mappers
        if is_tenant_class(m.class_) and m.local_table.name in existing
    ]


def _rows_of(commune_id: int, exclude_user: int | None = None) -> dict[tuple[str, int], tuple]:
    """Every row commune A owns (tenant tables, memberships, roles), as plain values."""
    rows: dict[tuple[str, int], tuple] = {}
    with unscoped():
        for cls in _tenant_classes():
            table = cls.__table__
            key = next(iter(table.primary_key.columns)).name
            for row in db.session.execute(select(table).where(table.c.commune_id == commune_id)):
                rows[(table.name, getattr(row, key))] = tuple(row)
        for cls in (Membership, MembershipRole, JournalEntry):
            table = cls.__table__
            query = select(table).where(table.c.commune_id == commune_id)
            if exclude_user is not None and cls is Membership:
                query = query.where(table.c.user_id != exclude_user)
            for row in db.session.execute(query):
                rows[(table.name, row.id)] = tuple(row)
    return rows


def _seed(commune: Commune, users: dict[str, User], label: str) -> None:
    pm = manager()
    with commune_scope(commune.id):
        from federation.demo import _in_dependency_order

        for name in _in_dependency_order(sorted(pm.switchable)):
            enable_plugin(commune, name)
        commune_hooks(commune.id).federation_demo_data(commune=commune, users=users)
        record(
            "isolation.seed",
            f"Secret decision of {label}",
            {"label": label},
            commune_id=commune.id,
            actor=f"actor-{label}",
        )
        from tests.support.notes_plugin import Note

        db.session.add(Note(title=f"note-title-{label}", body=f"note-body-{label}"))
        db.session.flush()


@pytest.fixture
def world(app, factory, in_db):
    b = factory.commune("beta-commune", "Betaville")
    a = factory.commune("alpha-commune", "Alphaville-Secretcity")
    f_b = factory.federation("fed-of-b", communes=[b], name="Federation of B only")
    people = {}
    for ref, label in ((b, "b"), (a, "a")):
        for role in ("member", "facilitator", "admin", "agent", "secretary"):
            people[(label, role)] = factory.member(
                ref,
                role,
                factory.user(
                    f"{role}-{label}@isolation.example",
                    display_name=f"Person-{role}-{label}-secret",
                ),
            )
        factory.member(
            ref,
            status="pending",
            user=factory.user(
                f"pending-{label}@isolation.example", display_name=f"Pending-{label}-secret"
            ),
        )
    with in_db():
        for ref, label in ((b, "b"), (a, "a")):
            users = {
                role: db.session.get(User, m.user.id)
                for (lab, role), m in people.items()
                if lab == label
            }
            _seed(db.session.get(Commune, ref.id), users, label)
    coordinator = factory.user("coordinator@isolation.example")
    factory.federation_role(f_b, coordinator, "coordinator")
    return {
        "a": a,
        "b": b,
        "federation": f_b,
        "b_admin": people[("b", "admin")],
        "coordinator": coordinator,
    }


def _secrets(app, a_id: int, b_id: int) -> set[str]:
    with app.app_context():
        a_values = _string_values(_rows_of(a_id))
        b_values = _string_values(_rows_of(b_id))
        with unscoped():
            users = db.session.scalars(
                select(User)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.commune_id == a_id)
            ).all()
            a_values |= {u.email for u in users} | {u.display_name for u in users}
            a_values.add(db.session.get(Commune, a_id).name)
    return {v for v in a_values - b_values if len(v) >= MIN_SECRET and not v.isdigit()}


def _string_values(rows: dict) -> set[str]:
    return {v for row in rows.values() for v in row if isinstance(v, str)}


def _a_ids(app, a_id: int) -> list[int]:
    """A sample of A's row ids: the first, middle and last of every table (a route that
    leaks one row of a table leaks them all; trying every id would make the walk slow)."""
    by_table: dict[str, list[int]] = {}
    with app.app_context():
        for table, key in _rows_of(a_id):
            if isinstance(key, int):
                by_table.setdefault(table, []).append(key)
    sample: set[int] = set()
    for keys in by_table.values():
        keys.sort()
        sample.update({keys[0], keys[len(keys) // 2], keys[-1]})
    return sorted(sample)


def _urls(rule: Any, slug_key: str, slug: str, ids: list[int]) -> list[str]:
    args = [arg for arg in rule.arguments if arg != slug_key]
    choices = []
    int_args = [a for a in args if rule._converters[a].__class__.__name__ == "IntegerConverter"]
    for arg in args:
        if arg in int_args:
            # nested ids (/processes/<a>/projects/<b>): a smaller sample for each position
            choices.append(ids if len(int_args) == 1 else ids[-15:])
        else:
            choices.append(STRING_ARGUMENT_VALUES)
    urls = []
    for combo in itertools.product(*choices) if choices else [()]:
        values = dict(zip(args, combo, strict=True))
        values[slug_key] = slug
        url = rule.rule
        for key, value in values.items():
            url = url.replace(f"<int:{key}>", str(value)).replace(f"<{key}>", str(value))
        urls.append(url)
    return urls


def _payloads(spec: dict, rule: str, method: str) -> list[dict]:
    """Request bodies from the OpenAPI document: required fields only, then every field."""
    path = rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return [{}]
    schema = _resolve(spec, content["schema"])
    props = {k: v for k, v in schema.get("properties", {}).items() if not v.get("readOnly")}
    required = set(schema.get("required", []))
    full = {k: _example(spec, v) for k, v in props.items()}
    return [{k: v for k, v in full.items() if k in required}, full]


def _resolve(spec: dict, schema: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return spec["components"]["schemas"][name]
    return schema


def _example(spec: dict, schema: dict) -> Any:
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    return {
        "string": "hacked-by-b",
        "integer": 1,
        "number": 1,
        "boolean": True,
        "object": {},
        "array": [],
    }.get(schema.get("type"), "hacked-by-b")


FORM_DATA = {
    "title": "hacked-by-b",
    "body": "hacked",
    "role": "admin",
    "message": "hi",
    "name": "Hacked",
    "action": "save",
    "heading": "Hacked",
    "max_length": "50",
}


def _check_get(client, url: str, headers: dict, secrets: set[str], seen: list) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code < 500, (url, response.status_code)
    body = response.get_data(as_text=True)
    leaked = sorted(s for s in secrets if s in body)
    assert not leaked, f"{url} shows commune A's data: {leaked[:5]}"
    seen.append((url, response.status_code))


def test_no_route_leaks_commune_a_to_a_member_of_b(app, world):
    a, b = world["a"], world["b"]
    secrets = _secrets(app, a.id, b.id)
    assert len(secrets) > 15  # the seed really put A-only strings everywhere
    ids = _a_ids(app, a.id)
    web = app.test_client()
    from federation.testing.factories import Factory

    Factory.login(web, world["b_admin"])
    token = Factory(app).token(world["b_admin"].user)
    seen: list = []
    commune_rules = [r for r in app.url_map.iter_rules() if "commune" in r.arguments]
    assert len(commune_rules) > 20
    for rule in commune_rules:
        if "GET" not in rule.methods:
            continue
        api = rule.rule.startswith("/api/")
        for url in _urls(rule, "commune", b.slug, ids):
            _check_get(web, url, token if api else {}, secrets, seen)
    assert any(code == 200 for _url, code in seen)


def test_no_route_lets_a_member_of_b_change_commune_a(app, world):
    a, b = world["a"], world["b"]
    b_admin = world["b_admin"]
    from federation.testing.factories import Factory

    web = app.test_client()
    Factory.login(web, b_admin)
    token = Factory(app).token(b_admin.user)
    spec = web.get("/api/v1/openapi.json").json
    ids = _a_ids(app, a.id)
    with app.app_context():
        before = _rows_of(a.id, exclude_user=b_admin.user.id)
    for rule in app.url_map.iter_rules():
        if "commune" not in rule.arguments:
            continue
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods & WRITE_METHODS):
            for slug in (b.slug, a.slug):
                for url in _urls(rule, "commune", slug, ids):
                    bodies = _payloads(spec, rule.rule, method) if api else [FORM_DATA]
                    for body in bodies:
                        if api:
                            response = web.open(url, method=method, json=body, headers=token)
                        else:
                            response = web.open(url, method=method, data=body)
                        assert response.status_code < 500, (method, url, response.status_code)
                        if slug == a.slug and rule.endpoint not in OPEN_TO_OUTSIDERS:
                            assert response.status_code in (400, 401, 403, 404, 405, 409, 422), (
                                method,
                                url,
                            )
    with app.app_context():
        after = _rows_of(a.id, exclude_user=b_admin.user.id)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"commune A's rows changed: {changed[:10]}"


def test_federation_routes_show_nothing_of_a_commune_outside_the_federation(app, world):
    a, b, fed = world["a"], world["b"], world["federation"]
    secrets = _secrets(app, a.id, b.id)
    from federation.testing.factories import Factory

    client = app.test_client()
    Factory.login(client, world["coordinator"])
    token = Factory(app).token(world["coordinator"])
    seen: list = []
    ids = _a_ids(app, a.id)
    for rule in app.url_map.iter_rules():
        if "federation" not in rule.arguments or "GET" not in rule.methods:
            continue
        api = rule.rule.startswith("/api/")
        for url in _urls(rule, "federation", fed.slug, ids):
            _check_get(client, url, token if api else {}, secrets, seen)
    assert any(code == 200 for _url, code in seen)


def test_walk_covers_every_route(app):
    """Every rule is either commune-scoped, federation-scoped or a known global page."""
    global_endpoints = {
        "static",
        "api-docs.openapi_json",
        "web.portal",
        "web.set_language",
        "web.notifications",
        "auth.login",
        "auth.logout",
        "auth.register",
        "api_tenancy.Communes",
        "api_tenancy.Federations",
        "api_identity.me",
        "api_identity.my_memberships",
        "api_identity.Tokens",
        "api_identity.revoke_token",
        "platform_admin.platform_index",
    }
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("account."):
            continue  # the signed-in person's own data, tested in test_auth/test_account
        assert (
            "commune" in rule.arguments
            or "federation" in rule.arguments
            or rule.endpoint in global_endpoints
        ), f"classify {rule.endpoint} ({rule.rule})"


def test_federation_routes_cannot_change_a_commune_outside_the_federation(app, world):
    """A coordinator of F (which B belongs to, not A) writes through every federation route
    with A's ids: A's rows stay as they were, and nothing answers 500."""
    a = world["a"]
    from federation.testing.factories import Factory

    client = app.test_client()
    Factory.login(client, world["coordinator"])
    token = Factory(app).token(world["coordinator"])
    spec = client.get("/api/v1/openapi.json").json
    ids = _a_ids(app, a.id)
    with app.app_context():
        before = _rows_of(a.id)
    for rule in app.url_map.iter_rules():
        if "federation" not in rule.arguments:
            continue
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods & WRITE_METHODS):
            for url in _urls(rule, "federation", world["federation"].slug, ids):
                bodies = _payloads(spec, rule.rule, method) if api else [FORM_DATA]
                for body in bodies:
                    response = (
                        client.open(url, method=method, json=body, headers=token)
                        if api
                        else client.open(url, method=method, data=body)
                    )
                    assert response.status_code < 500, (method, url, response.status_code)
    with app.app_context():
        after = _rows_of(a.id)
    assert before == after
