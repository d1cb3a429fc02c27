"""Walking every route of the app as every role (issue 20 item 2, R9): the status each answers.

``walk(app)`` seeds a commune (every plugin on) in a federation with a neighbour commune,
people in eight roles, and requests every route of the URL map — the pages and the API,
the core's and every plugin's — once per role and method: path values are the seeded
commune and federation, and for each ``{name_id}`` an id of a row of the seeded commune
from the table its name designates (``tests.core.id_sample.IdSample``: the core's and every
plugin's demo data, ``federation_demo_data``, is loaded in it) or, when no table matches,
an id that names no row (``NO_ROW``); bodies are empty (an empty JSON
object for the API, an empty form for a page). Each cell sees the seeded state: the app
runs on its own SQLite file, put back from a copy after every request that is not a
GET (an empty permission form that succeeds would otherwise take every role's rights
away for the routes after it, a sign-out would end the session). The API is called
with each role's bearer token, pages with each role signed in (a session). What comes
back — 302 to the sign-in page, 401 anonymous, 403 refused, 404, 405, 422 (allowed: the
empty body is refused), 200/201 — is compared with the table
``federation.api.role_matrix.collect(app)`` (the core's rows and each plugin's, through
the hook ``federation_role_matrix``).

``python -m tests.core.api.role_walk [core|PLUGIN]`` prints the walk as a table's source
(to update it after a reviewed change of access) and ``--markdown`` as the guide's page.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from flask import Flask

from federation.api.role_matrix import ROLES
from tests.core.api.fuzzing import Snapshot
from tests.core.id_sample import IdSample

NO_ROW = 999_999
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
_PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def seed(app: Flask) -> tuple[dict[str, Any], dict[str, str], IdSample]:
    """People in the eight roles: ``{role: (bearer headers, user id or None)}``, the
    pinned path values (the seeded commune and federation) and the ids of the rows the
    core's and the plugins' demo data made in the commune."""
    from federation.testing.factories import Factory
    from tests.core.api.fuzzing import enable_every_plugin

    factory = Factory(app)
    commune = factory.commune("matrice", "Matrice")
    other = factory.commune("matrice-voisine", "Voisine")
    enable_every_plugin(app, factory, commune)
    # the demo data with people of its own, before the walked people join: what it grants
    # the commune's members (a circle's seat, a mandate) must not change what the walked
    # roles may do
    cast = {role: factory.member(commune, role).user.id for role in ("facilitator", "admin")}
    cast |= {role: factory.member(commune).user.id for role in ("member", "agent")}
    _demo_data(app, commune.id, cast)
    federation = factory.federation("matrice-fede", communes=[commune, other], kind="basin")
    coordinator = factory.member(other).user
    delegate = factory.member(commune).user
    factory.federation_role(federation, coordinator, "coordinator")
    factory.federation_role(federation, delegate, "delegate")
    users = {
        "member": factory.member(commune).user,
        "facilitator": factory.member(commune, "facilitator").user,
        "admin": factory.member(commune, "admin").user,
        "other_admin": factory.member(other, "admin").user,
        "coordinator": coordinator,
        "delegate": delegate,
        "platform_admin": factory.platform_admin(),
    }
    people: dict[str, Any] = {"anonymous": ({}, None)}
    for role, user in users.items():
        people[role] = (factory.token(user), user.id)
    pins = {"commune": commune.slug, "federation": federation.slug}
    return people, pins, _row_ids(app, commune.id)


def _demo_data(app: Flask, commune_id: int, user_ids: dict[str, int]) -> None:
    """The core's and every plugin's demo data in the seeded commune (``convergence demo
    load``'s hook calls), so that the routes' ids name real rows."""
    from federation.db import db
    from federation.demo import _demo_data as load
    from federation.identity.models import User
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune
    from federation.testing.factories import in_db

    with in_db(app), commune_scope(commune_id):
        users = {role: db.session.get(User, user_id) for role, user_id in user_ids.items()}
        load(db.session.get(Commune, commune_id), users)
        db.session.commit()


def _row_ids(app: Flask, commune_id: int) -> IdSample:
    """The ids of the seeded commune's rows, by table (tenant tables, memberships, roles,
    journal), read past the scoping."""
    from sqlalchemy import inspect, select

    from federation.db import db
    from federation.identity.models import Membership, MembershipRole
    from federation.journal.models import JournalEntry
    from federation.tenancy.scoping import is_tenant_class, raw_tenant_sql

    by_table: dict[str, list[int]] = {}
    with app.app_context():
        existing = set(inspect(db.engine).get_table_names())
        also = (Membership, MembershipRole, JournalEntry)
        classes = [
            m.class_
            for m in db.Model.registry.mappers
            if m.local_table.name in existing and (is_tenant_class(m.class_) or m.class_ in also)
        ]
        with raw_tenant_sql("the role walk: the seeded commune's ids"), db.engine.connect() as conn:
            for cls in classes:
                table = cls.__table__
                key = next(iter(table.primary_key.columns))
                if "commune_id" not in table.c:
                    continue
                query = select(key).where(table.c.commune_id == commune_id)
                ids = [v for v in conn.execute(query).scalars() if isinstance(v, int)]
                if ids:
                    by_table[table.name] = ids
    return IdSample.of(by_table)


def key_of(method: str, rule: str) -> str:
    """``"GET /c/{commune}/water/resources/{resource_id}"`` for a URL map rule (the API's
    keys are then the OpenAPI document's paths)."""
    return method + " " + _PLACEHOLDER.sub(r"{\1}", rule)


def routes(app: Flask) -> list[tuple[str, str, Any]]:
    """``(key, method, rule)`` for every route of the URL map, sorted."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found.append((key_of(method, rule.rule), method, rule))
    return sorted(found, key=lambda item: item[0])


def _url(path: str, pins: dict[str, str], ids: IdSample | None = None) -> str:
    """The path with the pinned values, an id of a row of the seeded commune from the table
    each ``{name_id}`` designates (its lowest sampled), :data:`NO_ROW` for any other."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in pins:
            return pins[name]
        found = ids.matching(name) if ids is not None else []
        return str(found[0]) if found else str(NO_ROW)

    return re.sub(r"{([^}]+)}", value, path)


def _session_ids(app: Flask, people: dict[str, Any]) -> dict[int, str]:
    """Each signed-in person's session id."""
    from sqlalchemy import select

    from federation.db import db
    from federation.identity.models import User
    from federation.testing.factories import in_db

    ids = [user_id for _headers, user_id in people.values() if user_id is not None]
    with in_db(app):
        rows = db.session.execute(select(User.id, User.session_version).where(User.id.in_(ids)))
        return {user_id: f"{user_id}:{version}" for user_id, version in rows}


def request_as(
    app: Flask, people: dict[str, Any], role: str, method: str, url: str, sessions: dict[int, str]
) -> int:
    headers, user_id = people[role]
    client = app.test_client()
    if url.startswith("/api/"):
        kwargs: dict[str, Any] = {"headers": dict(headers)}
        if method != "GET":
            kwargs["json"] = {}
    else:
        kwargs = {"data": {}} if method != "GET" else {}
        if user_id is not None:
            with client.session_transaction() as session:
                session["_user_id"] = sessions[user_id]
                session["_fresh"] = True
    return client.open(url, method=method, **kwargs).status_code


def walk(app: Flask, only: set[str] | None = None) -> dict[str, str]:
    """``{"METHOD /path": "s1 s2 … s8"}`` (statuses in the order of ROLES) for every route
    of the app (``only``: these keys)."""
    people, pins, ids = seed(app)
    sessions = _session_ids(app, people)
    snapshot = Snapshot(app)
    found: dict[str, str] = {}
    # who may do what, not the CSRF check (tested on its own): a page's form posted
    # without its token would be a 400 for every role
    csrf = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for key, method, _rule in routes(app):
            if only is not None and key not in only:
                continue
            url = _url(key.split(" ", 1)[1], pins, ids)
            statuses = []
            for role in ROLES:
                statuses.append(str(request_as(app, people, role, method, url, sessions)))
                if method != "GET":
                    snapshot.restore()
            found[key] = " ".join(statuses)
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf
    return found


def owner_of(app: Flask, endpoint: str) -> str:
    """The plugin whose blueprint serves ``endpoint`` (``"core"`` for the core's)."""
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    for name in app.extensions["convergence"].pm.switchable:
        if blueprint == name or blueprint.startswith(f"{name}_"):
            return name
    return "core"


def owners(app: Flask) -> dict[str, str]:
    """``{key: owner}`` for every route of the app."""
    return {key: owner_of(app, rule.endpoint) for key, _method, rule in routes(app)}


def as_source(table: dict[str, str], name: str = "ROLE_MATRIX") -> str:
    lines = [f'    "{key}": "{value}",' for key, value in sorted(table.items())]
    return f"{name}: dict[str, str] = {{\n" + "\n".join(lines) + "\n}\n"


def as_markdown(table: dict[str, str], route_owners: dict[str, str]) -> str:
    """The guide's tables: one section per owner (the core, then each plugin)."""
    names = sorted(set(route_owners.values()) - {"core"})
    parts = []
    for owner in ["core", *names]:
        rows = {k: v for k, v in table.items() if route_owners.get(k) == owner}
        title = "The core" if owner == "core" else f"Plugin `{owner}`"
        parts.append(f"## {title}\n\n{len(rows)} routes.\n")
        head = "| route | " + " | ".join(ROLES) + " |"
        rule = "|---|" + "---|" * len(ROLES)
        lines = [f"| `{k}` | " + " | ".join(v.split()) + " |" for k, v in sorted(rows.items())]
        parts.append("\n".join([head, rule, *lines]) + "\n")
    return "\n".join(parts)


def main() -> None:  # pragma: no cover (a maintenance tool)
    from federation.api.role_matrix import collect
    from tests.core.api.fuzzing import scratch_app

    app = scratch_app("matrix")
    route_owners = owners(app)
    if "--markdown" in sys.argv:
        sys.stdout.write(as_markdown(collect(app), route_owners))
        return
    table = walk(app)
    wanted = [a for a in sys.argv[1:] if not a.startswith("-")]
    for owner in wanted or sorted(set(route_owners.values())):
        rows = {k: v for k, v in table.items() if route_owners[k] == owner}
        sys.stdout.write(f"# {owner}\n" + as_source(rows))


if __name__ == "__main__":
    main()
