"""R9: every route of the app (pages and API, the core's and the six plugins') × eight roles
answers what the tables declare (federation.api.role_matrix and each plugin's
role_matrix.py, gathered through the hook federation_role_matrix); a route missing from
them fails, a row declared by code that does not own the route fails, and the guide
prints the tables as the code declares them."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.api.role_matrix import ROLE_MATRIX, ROLES, collect, rows_by_owner
from tests.core.api import role_walk
from tests.core.api.fuzzing import scratch_app

GUIDE = Path(__file__).resolve().parents[3] / "docs/pages/reference/role-matrix.md"


def differences(found: dict[str, str], declared: dict[str, str]) -> list[str]:
    problems = [f"{key}: not in the table ({found[key]})" for key in found if key not in declared]
    problems += [f"{key}: in the table, not in the app" for key in declared if key not in found]
    for key in sorted(set(found) & set(declared)):
        if found[key] != declared[key]:
            got, want = found[key].split(), declared[key].split()
            roles = [f"{r} {w}→{g}" for r, g, w in zip(ROLES, got, want, strict=True) if g != w]
            problems.append(f"{key}: " + ", ".join(roles))
    return problems


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    """An app of its own on a fresh SQLite file (the walk puts the file back after each
    write); the instance path it sets is put back afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        yield scratch_app("matrix")


@pytest.fixture(scope="module")
def walked(matrix_app):
    return role_walk.walk(matrix_app)


def test_every_route_answers_every_role_as_declared(matrix_app, walked):
    routes = {key for key, _method, _rule in role_walk.routes(matrix_app)}
    assert set(walked) == routes and len(routes) > 500
    assert not [key for key, statuses in walked.items() if " 5" in f" {statuses}"]
    assert differences(walked, collect(matrix_app)) == []


def test_hook_federation_role_matrix(matrix_app):
    """Each of the six plugins declares its rows, and only rows of its own routes."""
    owners = role_walk.owners(matrix_app)
    declared = rows_by_owner(matrix_app)
    assert {"actions", "budget", "elections", "food", "housing", "water"} <= set(declared)
    for name, rows in declared.items():
        strays = [key for key in rows if owners.get(key, name) != name]
        assert strays == [], f"{name} declares routes it does not own: {strays[:5]}"


def test_planted_changes_are_found():
    """Twins: a route left out of the table, and a role that gained access."""
    declared = dict(ROLE_MATRIX)
    key = "GET /api/v1/me/tokens"
    assert declared[key].split()[0] == "401"
    found = dict(declared)
    found["POST /api/v1/planted"] = "401 403 403 201 403 403 403 201"
    found[key] = "200" + declared[key][3:]
    assert differences(found, declared) == [
        "POST /api/v1/planted: not in the table (401 403 403 201 403 403 403 201)",
        f"{key}: anonymous 401→200",
    ]


def test_planted_route_fails_the_walk(tmp_path, monkeypatch):
    """Twin, end to end: an app with one page more than the tables declare."""
    monkeypatch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path))
    app = scratch_app("planted")
    app.add_url_rule("/c/<commune>/planted", "planted", lambda **_values: "planted")
    found = role_walk.walk(app, only={"GET /c/{commune}/planted", "GET /login"})
    table = {k: v for k, v in collect(app).items() if k in found}
    assert differences(found, table) == [
        "GET /c/{commune}/planted: not in the table (200 200 200 200 200 200 200 200)"
    ]


def test_a_route_declared_twice_is_refused(matrix_app, monkeypatch):
    from convergence_water import role_matrix as water

    monkeypatch.setitem(water.ROLE_MATRIX, "GET /", "200 200 200 200 200 200 200 200")
    with pytest.raises(ValueError, match="declared by core and water"):
        collect(matrix_app)


def test_the_guide_prints_the_table(matrix_app):
    text = GUIDE.read_text(encoding="utf-8")
    assert role_walk.as_markdown(collect(matrix_app), role_walk.owners(matrix_app)) in text
