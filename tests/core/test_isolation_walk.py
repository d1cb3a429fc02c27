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
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from federation.db import db
from federation.identity.models import Membership, MembershipRole, User
from federation.journal.models import JournalEntry
from federation.journal.services import record
from federation.plugins.services import commune_hooks, enable_plugin, manager
from federation.tenancy.context import commune_scope, unscoped
from federation.tenancy.models import Commune
from federation.tenancy.scoping import is_tenant_class, raw_tenant_sql
from tests.core.id_sample import IdSample

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
    """Every row commune A owns (tenant tables, memberships, roles), as plain values.

    Read as the tables' owner on a connection of its own: the test looks at the database
    itself, past the application's scoping and (on PostgreSQL) its row-level security."""
    rows: dict[tuple[str, int], tuple] = {}
    with as_owner() as conn:
        for cls in _tenant_classes():
            table = cls.__table__
            key = next(iter(table.primary_key.columns)).name
            for row in conn.execute(select(table).where(table.c.commune_id == commune_id)):
                rows[(table.name, getattr(row, key))] = tuple(row)
        for cls in (Membership, MembershipRole, JournalEntry):
            table = cls.__table__
            query = select(table).where(table.c.commune_id == commune_id)
            if exclude_user is not None and cls is Membership:
                query = query.where(table.c.user_id != exclude_user)
            for row in conn.execute(query):
                rows[(table.name, row.id)] = tuple(row)
    return rows


def owner_engine() -> Any:
    """An engine connected as the owner of the tables (the test database's)."""
    from federation.testing.database import APPS

    for built in list(APPS):
        if "convergence_test_db" in built.extensions:
            return built.extensions["convergence_test_db"].owner
    raise RuntimeError("no test database")


@contextmanager
def as_owner(*, begin: bool = False) -> Iterator[Any]:
    """A connection as the tables' owner, for the test's own look at every row (past the
    application's scoping and, on PostgreSQL, row-level security): the reviewed escape
    hatch for raw SQL on tenant tables."""
    engine = owner_engine()
    reason = "tests: reading every commune's rows as the owner"
    with raw_tenant_sql(reason), engine.begin() if begin else engine.connect() as conn:
        yield conn


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


def _a_ids(app, a_id: int) -> IdSample:
    by_table: dict[str, list[int]] = {}
    with app.app_context():
        for table, key in _rows_of(a_id):
            if isinstance(key, int):
                by_table.setdefault(table, []).append(key)
    return IdSample.of(by_table)


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


# --- the walk ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


def id_arguments(rule: Rule) -> list[str]:
    """The URL arguments that take a row id, recognised by what their converter accepts
    (digits, not words), not by its class name: a converter subclass (the bounded
    integers) or a new numeric converter is still an id."""
    found = []
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if converter is None:
            continue
        if re.fullmatch(converter.regex, "12345") and not re.fullmatch(converter.regex, "notes"):
            found.append(name)
    return found


def _rule_key(rule: Rule) -> tuple[str, str, str]:
    return (rule.endpoint, rule.rule, ",".join(sorted(rule.methods or ())))


def _urls(rule: Rule, slug_key: str, slug: str, ids: IdSample) -> list[str]:
    """Every URL of the rule: each id argument takes each of A's sampled ids for it (see
    :class:`IdSample`), each other argument each value of :data:`STRING_ARGUMENT_VALUES`."""
    args = [arg for arg in rule.arguments if arg != slug_key]
    int_args = set(id_arguments(rule))
    choices = [ids.for_argument(arg) if arg in int_args else STRING_ARGUMENT_VALUES for arg in args]
    urls = []
    for combo in itertools.product(*choices) if choices else [()]:
        values = {**dict(zip(args, combo, strict=True)), slug_key: slug}
        urls.append(_PLACEHOLDER.sub(lambda m, v=values: str(v[m.group(1)]), rule.rule))
    return urls


@dataclass
class Walk:
    """What a walk requested: the rules it really reached, with A's ids in every id
    argument (a URL that the router sends to another rule, or to none, does not count)."""

    expected: set[tuple[str, str, str]] = field(default_factory=set)
    covered: set[tuple[str, str, str]] = field(default_factory=set)
    id_routes: set[tuple[str, str, str]] = field(default_factory=set)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)

    def check_coverage(self) -> None:
        missing = sorted(self.expected - self.covered)
        assert not missing, f"the walk did not reach {len(missing)} route(s): {missing[:5]}"
        assert len(self.covered) == len(self.expected)


def _reaches(adapter: Any, url: str, method: str, rule: Rule) -> bool:
    try:
        matched, _args = adapter.match(url.split("?", 1)[0], method=method, return_rule=True)
    except HTTPException:
        return False
    return matched is rule


def _rules(app: Flask, slug_key: str, methods: set[str], only: Callable | None) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if slug_key in rule.arguments and rule.methods & methods and (only is None or only(rule))
    ]


def walk_reads(
    app: Flask,
    client: Any,
    token: dict,
    *,
    slug_key: str,
    slug: str,
    ids: IdSample,
    secrets: set[str],
    only: Callable[[Rule], bool] | None = None,
) -> Walk:
    """GET every rule of the scope with A's ids: no body may contain one of A's secrets."""
    walk = Walk()
    adapter = app.url_map.bind("localhost")
    for rule in _rules(app, slug_key, {"GET"}, only):
        key = _rule_key(rule)
        walk.expected.add(key)
        if id_arguments(rule):
            walk.id_routes.add(key)
        api = rule.rule.startswith("/api/")
        for url in _urls(rule, slug_key, slug, ids):
            response = client.get(url, headers=token if api else {})
            walk.requests += 1
            walk.statuses[response.status_code // 100] += 1
            assert response.status_code < 500, (url, response.status_code)
            body = response.get_data(as_text=True)
            leaked = sorted(s for s in secrets if s in body)
            assert not leaked, f"{url} shows commune A's data: {leaked[:5]}"
            if _reaches(adapter, url, "GET", rule):
                walk.covered.add(key)
    return walk


def walk_writes(
    app: Flask,
    client: Any,
    token: dict,
    *,
    slug_key: str,
    slugs: list[str],
    forbidden_slug: str | None,
    ids: IdSample,
    only: Callable[[Rule], bool] | None = None,
) -> Walk:
    """Every write method of every rule of the scope, with A's ids and each slug; on
    ``forbidden_slug`` (A's own) the answer is a refusal, never a 500."""
    walk = Walk()
    adapter = app.url_map.bind("localhost")
    spec = client.get("/api/v1/openapi.json").json
    for rule in _rules(app, slug_key, WRITE_METHODS, only):
        key = _rule_key(rule)
        walk.expected.add(key)
        if id_arguments(rule):
            walk.id_routes.add(key)
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods & WRITE_METHODS):
            for slug in slugs:
                for url in _urls(rule, slug_key, slug, ids):
                    for body in _payloads(spec, rule.rule, method) if api else [FORM_DATA]:
                        if api:
                            response = client.open(url, method=method, json=body, headers=token)
                        else:
                            response = client.open(url, method=method, data=body)
                        walk.requests += 1
                        walk.statuses[response.status_code // 100] += 1
                        assert response.status_code < 500, (method, url, response.status_code)
                        if slug == forbidden_slug and rule.endpoint not in OPEN_TO_OUTSIDERS:
                            assert response.status_code in REFUSALS, (method, url)
                        if _reaches(adapter, url, method, rule):
                            walk.covered.add(key)
    return walk


REFUSALS = (400, 401, 403, 404, 405, 409, 422)


def _signed_in(app: Flask, who: Any) -> tuple[Any, dict]:
    from federation.testing.factories import Factory

    client = app.test_client()
    Factory.login(client, who)
    user = who.user if hasattr(who, "user") else who
    return client, Factory(app).token(user)


def _report(name: str, walk: Walk) -> None:
    print(
        f"{name}: {len(walk.covered)} of {len(walk.expected)} routes reached "
        f"({len(walk.id_routes)} with ids), {walk.requests} requests, "
        f"statuses {dict(sorted(walk.statuses.items()))}"
    )


# --- the tests --------------------------------------------------------------------------


def test_no_route_leaks_commune_a_to_a_member_of_b(app, world):
    a, b = world["a"], world["b"]
    secrets = _secrets(app, a.id, b.id)
    assert len(secrets) > 15  # the seed really put A-only strings everywhere
    ids = _a_ids(app, a.id)
    client, token = _signed_in(app, world["b_admin"])
    walk = walk_reads(app, client, token, slug_key="commune", slug=b.slug, ids=ids, secrets=secrets)
    _report("commune reads", walk)
    walk.check_coverage()
    assert len(walk.expected) > 90 and len(walk.id_routes) >= 39
    assert walk.statuses[2] > 0


def test_no_route_lets_a_member_of_b_change_commune_a(app, world):
    a, b = world["a"], world["b"]
    b_admin = world["b_admin"]
    client, token = _signed_in(app, b_admin)
    ids = _a_ids(app, a.id)
    with app.app_context():
        before = _rows_of(a.id, exclude_user=b_admin.user.id)
    walk = walk_writes(
        app,
        client,
        token,
        slug_key="commune",
        slugs=[b.slug, a.slug],
        forbidden_slug=a.slug,
        ids=ids,
    )
    _report("commune writes", walk)
    walk.check_coverage()
    with app.app_context():
        after = _rows_of(a.id, exclude_user=b_admin.user.id)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"commune A's rows changed: {changed[:10]}"


def test_federation_routes_show_nothing_of_a_commune_outside_the_federation(app, world):
    a, b, fed = world["a"], world["b"], world["federation"]
    secrets = _secrets(app, a.id, b.id)
    client, token = _signed_in(app, world["coordinator"])
    walk = walk_reads(
        app,
        client,
        token,
        slug_key="federation",
        slug=fed.slug,
        ids=_a_ids(app, a.id),
        secrets=secrets,
    )
    _report("federation reads", walk)
    walk.check_coverage()
    assert walk.statuses[2] > 0


def test_federation_routes_cannot_change_a_commune_outside_the_federation(app, world):
    """A coordinator of F (which B belongs to, not A) writes through every federation route
    with A's ids: A's rows stay as they were, and nothing answers 500."""
    a = world["a"]
    client, token = _signed_in(app, world["coordinator"])
    with app.app_context():
        before = _rows_of(a.id)
    walk = walk_writes(
        app,
        client,
        token,
        slug_key="federation",
        slugs=[world["federation"].slug],
        forbidden_slug=None,
        ids=_a_ids(app, a.id),
    )
    _report("federation writes", walk)
    walk.check_coverage()
    with app.app_context():
        after = _rows_of(a.id)
    assert before == after


GLOBAL_ENDPOINTS = {
    "static",
    "api-docs.openapi_json",
    "web.portal",
    "web.set_language",
    "web.notifications",
    # the person's own home: their communes only (tests/core/test_home.py, planted twin)
    "home.home",
    # the person's month in their communes only (tests/core/calendar, planted twin)
    "calendar.person_everywhere",
    "auth.login",
    "auth.logout",
    "auth.register",
    # account recovery (tests/core/auth): global pages, or the signed-in person's own
    "auth_recovery.forgot_password",
    "auth_recovery.reset_password",
    "auth_recovery.email_status",
    "auth_recovery.resend_verification",
    "auth_recovery.verify_email",
    "api_auth.password_reset_request",
    "api_auth.password_reset_confirm",
    "api_auth.email_verification_status",
    "api_auth.email_verification_request",
    "api_auth.email_verification_confirm",
    "api_tenancy.Communes",
    "api_tenancy.Federations",
    "api_identity.me",
    "api_identity.my_memberships",
    "api_identity.Tokens",
    "api_identity.revoke_token",
    "platform_admin.platform_index",
}


def test_walk_covers_every_route(app):
    """The walks above take every rule that names a commune or a federation (each checks
    that it reached all of them); what is left is a known global page or the signed-in
    person's own pages (tested in test_auth/test_account). So every route of the map is
    walked or listed, and the numbers add up."""
    rules = list(app.url_map.iter_rules())
    scoped = [r for r in rules if "commune" in r.arguments or "federation" in r.arguments]
    listed = [r for r in rules if r.endpoint in GLOBAL_ENDPOINTS]
    own = [r for r in rules if r.endpoint.startswith("account.")]
    unclassified = [r.rule for r in rules if r not in scoped + listed + own]
    assert not unclassified, f"classify {unclassified}"
    assert len(scoped) + len(listed) + len(own) == len(rules)
    commune_id_routes = [r for r in rules if "commune" in r.arguments and id_arguments(r)]
    assert len(commune_id_routes) >= 71, len(commune_id_routes)


# --- the guard fails on a planted leak ----------------------------------------------------


def _leaky_app(make_app: Callable[..., Flask]) -> Flask:
    """The same app with three planted faults: a page that shows any note by id (no
    commune check), a form that renames any note, and a page whose argument no walk
    value can fill."""
    from tests.support.notes_plugin import Note

    leaky = make_app()

    notes = Note.__table__

    def show_note(note_id: int) -> str:
        # reads past every barrier: a connection of its own, as the owner
        with as_owner() as conn:
            title = conn.execute(select(notes.c.title).where(notes.c.id == note_id)).scalar()
        return title or "none"

    def rename_note(note_id: int) -> str:
        with as_owner(begin=True) as conn:
            conn.execute(
                notes.update().where(notes.c.id == note_id).values(title="renamed by a leak")
            )
        return "ok"

    leaky.add_url_rule("/c/<commune>/planted/<int:note_id>", "planted_show", show_note)
    leaky.add_url_rule(
        "/c/<commune>/planted/<int:note_id>/rename",
        "planted_rename",
        rename_note,
        methods=["POST"],
    )
    leaky.add_url_rule("/c/<commune>/planted-uuid/<uuid:key>", "planted_uuid", lambda key: "")
    return leaky


def _planted(name: str) -> Callable[[Rule], bool]:
    return lambda rule: rule.endpoint == name


def test_read_walk_fails_on_a_planted_leak(app, world, make_app):
    a, b = world["a"], world["b"]
    leaky = _leaky_app(make_app)
    client, token = _signed_in(leaky, world["b_admin"])
    with pytest.raises(AssertionError, match="shows commune A's data"):
        walk_reads(
            leaky,
            client,
            token,
            slug_key="commune",
            slug=b.slug,
            ids=_a_ids(app, a.id),
            secrets=_secrets(app, a.id, b.id),
            only=_planted("planted_show"),
        )


def test_write_walk_fails_on_a_planted_leak(app, world, make_app):
    a, b = world["a"], world["b"]
    leaky = _leaky_app(make_app)
    client, token = _signed_in(leaky, world["b_admin"])
    with app.app_context():
        before = _rows_of(a.id, exclude_user=world["b_admin"].user.id)
    walk = walk_writes(
        leaky,
        client,
        token,
        slug_key="commune",
        slugs=[b.slug],
        forbidden_slug=a.slug,
        ids=_a_ids(app, a.id),
        only=_planted("planted_rename"),
    )
    walk.check_coverage()
    with app.app_context():
        after = _rows_of(a.id, exclude_user=world["b_admin"].user.id)
    assert before != after  # what the real test asserts against caught the planted write


def test_walk_fails_on_a_route_it_cannot_reach(app, world, make_app):
    """A new kind of argument (here a UUID) that the walk cannot fill: the coverage check
    names the route instead of passing silently."""
    a, b = world["a"], world["b"]
    leaky = _leaky_app(make_app)
    client, token = _signed_in(leaky, world["b_admin"])
    walk = walk_reads(
        leaky,
        client,
        token,
        slug_key="commune",
        slug=b.slug,
        ids=_a_ids(app, a.id),
        secrets=set(),
        only=_planted("planted_uuid"),
    )
    with pytest.raises(AssertionError, match="did not reach 1 route"):
        walk.check_coverage()


def test_id_routes_are_found_whatever_the_converter_class(app):
    """The bounded integer converter (a subclass) and plain werkzeug integers are ids;
    words are not."""
    from werkzeug.routing import Map
    from werkzeug.routing import Rule as PlainRule

    plain = Map([PlainRule("/c/<commune>/x/<int:item>/<slug>")]).bind("h")
    rule = next(iter(plain.map.iter_rules()))
    assert id_arguments(rule) == ["item"]
    bounded = [r for r in app.url_map.iter_rules() if id_arguments(r)]
    assert bounded and all(
        type(r._converters[id_arguments(r)[0]]).__name__ == "BoundedIntegerConverter"
        for r in bounded
    )


def test_id_arguments_take_the_ids_of_the_tables_they_name():
    sample = IdSample(
        {
            "housing_dwellings": (3, 5),
            "budget_pb_processes": (7,),
            "budget_entries": (9,),
            "journal_entries": (11,),
            "gov_votes": (13,),
            "gov_vote_participations": (15,),
        }
    )
    assert sample.for_argument("dwelling_id") == [3, 5]
    assert sample.for_argument("process_id") == [7]
    assert sample.for_argument("entry_id") == [9, 11]
    assert sample.for_argument("vote_id") == [13]  # not the participations
    # a name no table of A's matches takes every sampled id
    assert sample.for_argument("token_id") == [3, 5, 7, 9, 11, 13, 15]
