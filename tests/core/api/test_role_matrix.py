"""R9: every API route × eight roles answers what federation.api.role_matrix declares; a
route missing from the table fails (the core's, and the declared plugins')."""

from __future__ import annotations

from federation.api.role_matrix import ROLE_MATRIX, ROLES
from tests.core.api import role_walk


def differences(found: dict[str, str], declared: dict[str, str]) -> list[str]:
    problems = [f"{key}: not in the table ({found[key]})" for key in found if key not in declared]
    problems += [f"{key}: in the table, not in the API" for key in declared if key not in found]
    for key in sorted(set(found) & set(declared)):
        if found[key] != declared[key]:
            got, want = found[key].split(), declared[key].split()
            roles = [f"{r} {w}→{g}" for r, g, w in zip(ROLES, got, want, strict=True) if g != w]
            problems.append(f"{key}: " + ", ".join(roles))
    return problems


def test_every_route_answers_every_role_as_declared(app):
    assert role_walk.ROLES == ROLES
    found = role_walk.walk(app)
    assert len(found) > 150
    assert differences(found, ROLE_MATRIX) == []


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


def test_the_guide_prints_the_table():
    from pathlib import Path

    page = Path(__file__).resolve().parents[3] / "docs/pages/reference/role-matrix.md"
    text = page.read_text(encoding="utf-8")
    assert role_walk.as_markdown(ROLE_MATRIX) in text
