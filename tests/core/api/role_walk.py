"""Walking every API route as every role (issue 20 item 2, R9): the status each answers.

``walk(app)`` seeds a commune (every plugin on) in a federation with a neighbour commune,
people in eight roles, and sends each operation of the OpenAPI document once per role:
path values are the seeded commune and federation and an id that names no row (so no
request destroys what a later one needs), bodies are empty JSON objects. What comes back
— 401 anonymous, 403 refused, 404, 405, 422 (allowed: the empty body is refused), 200/201
— is compared with ``federation.api.role_matrix.ROLE_MATRIX``.

``python -m tests.core.api.role_walk`` prints the walk as the table's source (to update it
after a reviewed change) and ``--markdown`` as the page of the guide.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Flask

ROLES = (
    "anonymous",
    "member",
    "facilitator",
    "admin",
    "other_admin",
    "coordinator",
    "delegate",
    "platform_admin",
)
NO_ROW = 999_999
METHODS = ("get", "post", "put", "patch", "delete")


def seed(app: Flask) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    from federation.testing.factories import Factory
    from tests.core.api.fuzzing import enable_every_plugin

    factory = Factory(app)
    commune = factory.commune("matrice", "Matrice")
    other = factory.commune("matrice-voisine", "Voisine")
    enable_every_plugin(app, factory, commune)
    federation = factory.federation("matrice-fede", communes=[commune, other], kind="basin")
    coordinator = factory.member(other).user
    delegate = factory.member(commune).user
    factory.federation_role(federation, coordinator, "coordinator")
    factory.federation_role(federation, delegate, "delegate")
    headers = {
        "anonymous": {},
        "member": factory.token(factory.member(commune).user),
        "facilitator": factory.token(factory.member(commune, "facilitator").user),
        "admin": factory.token(factory.member(commune, "admin").user),
        "other_admin": factory.token(factory.member(other, "admin").user),
        "coordinator": factory.token(coordinator),
        "delegate": factory.token(delegate),
        "platform_admin": factory.token(factory.platform_admin()),
    }
    return headers, {"commune": commune.slug, "federation": federation.slug}


def operations(app: Flask) -> list[tuple[str, str]]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    )


def _url(path: str, pins: dict[str, str]) -> str:
    import re

    def value(match: re.Match[str]) -> str:
        return pins.get(match.group(1), str(NO_ROW))

    return re.sub(r"{([^}]+)}", value, path)


#: the plugins whose routes the table declares (besides the core's); a plugin absent from
#: it is walked only once declared (see tests/core/api/test_role_matrix.py)
DECLARED_PLUGINS = ("budget", "food", "housing", "water")


def plugin_of(app: Flask, path: str) -> str | None:
    prefix = "/api/v1/communes/{commune}/"
    if not path.startswith(prefix):
        return None
    first = path[len(prefix) :].split("/", 1)[0]
    return first if first in app.extensions["convergence"].pm.switchable else None


def in_scope(app: Flask, path: str) -> bool:
    plugin = plugin_of(app, path)
    return plugin is None or plugin in DECLARED_PLUGINS


def walk(app: Flask) -> dict[str, str]:
    """``"METHOD /path": "s1 s2 … s8"`` (statuses in the order of ROLES), for the core's
    routes and the declared plugins'."""
    headers, pins = seed(app)
    client = app.test_client()
    found: dict[str, str] = {}
    for method, path in operations(app):
        if not in_scope(app, path):
            continue
        url = _url(path, pins)
        statuses = []
        for role in ROLES:
            kwargs: dict[str, Any] = {"headers": headers[role]}
            if method != "GET":
                kwargs["json"] = {}
            statuses.append(str(client.open(url, method=method, **kwargs).status_code))
        found[f"{method} {path}"] = " ".join(statuses)
    return found


def as_source(table: dict[str, str]) -> str:
    lines = [f'    "{key}": "{value}",' for key, value in sorted(table.items())]
    return "ROLE_MATRIX: dict[str, str] = {\n" + "\n".join(lines) + "\n}\n"


def as_markdown(table: dict[str, str]) -> str:
    head = "| operation | " + " | ".join(ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [
        f"| `{key}` | " + " | ".join(value.split()) + " |" for key, value in sorted(table.items())
    ]
    return "\n".join([head, rule, *rows]) + "\n"


def main() -> None:  # pragma: no cover (a maintenance tool)
    from tests.core.api.fuzzing import scratch_app

    app = scratch_app("matrix")
    table = walk(app)
    sys.stdout.write(as_markdown(table) if "--markdown" in sys.argv else as_source(table))


if __name__ == "__main__":
    main()
