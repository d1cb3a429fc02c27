"""Issue 10 item 10 (R10): small counts are suppressed, and no suppressed value can be
recomputed from what is published: not from a total minus the published values, not by
differencing the totals of overlapping federations, not from the bounds of small counts.
The attacker below tries all of that on the published API answers."""

from __future__ import annotations

from fractions import Fraction

import pytest

from federation.db import db
from tests.support.notes_plugin import Note

SMALL = 5  # federation.intercommunal.indicators.SMALL_COUNT


def _authors(factory, in_commune, commune, people: int) -> None:
    users = [factory.user() for _ in range(people)]
    with in_commune(commune):
        db.session.add_all([Note(title=f"n{u.id}", author_id=u.id) for u in users])


def _determined(equations: list[tuple[dict[str, int], Fraction]], unknown: str) -> bool:
    """Is ``unknown`` fixed by the linear equations (is its unit vector in their row
    space)? Gaussian elimination over the rationals."""
    names = sorted({n for coeffs, _ in equations for n in coeffs} | {unknown})
    rows = [[Fraction(c.get(n, 0)) for n in names] for c, _ in equations]

    def rank(matrix: list[list[Fraction]]) -> int:
        m = [r[:] for r in matrix]
        found = 0
        for col in range(len(names)):
            pivot = next((i for i in range(found, len(m)) if m[i][col] != 0), None)
            if pivot is None:
                continue
            m[found], m[pivot] = m[pivot], m[found]
            for i in range(len(m)):
                if i != found and m[i][col] != 0:
                    factor = m[i][col] / m[found][col]
                    m[i] = [a - factor * b for a, b in zip(m[i], m[found], strict=True)]
            found += 1
        return found

    unit = [Fraction(1 if n == unknown else 0) for n in names]
    return rank(rows) == rank([*rows, unit])


def recover(published: list[dict]) -> dict[str, int]:
    """Every suppressed commune value an attacker can recompute from the published rows of
    one indicator (one row per federation): equations are the published totals minus the
    published values; a small count lies in 1..SMALL-1, so an equation whose value is the
    smallest or largest possible sum also pins its unknowns."""
    equations: list[tuple[dict[str, int], Fraction]] = []
    suppressed: set[str] = set()
    for row in published:
        hidden = set(row["suppressed"])
        suppressed |= hidden
        if row["total"] is None:
            continue
        known = sum(Fraction(v) for c, v in row["per_commune"].items() if c not in hidden)
        equations.append((dict.fromkeys(hidden, 1), Fraction(row["total"]) - known))
    found: dict[str, int] = {}
    for name in sorted(suppressed):
        if _determined(equations, name):
            # solve: with one unknown left after elimination, any consistent solution does
            for coeffs, value in equations:
                if set(coeffs) == {name}:
                    found[name] = int(value)
                    break
            else:
                found[name] = -1  # determined through several equations
    for coeffs, value in equations:
        if coeffs and value in (len(coeffs), len(coeffs) * (SMALL - 1)):
            for name in coeffs:
                found.setdefault(name, int(value) // len(coeffs))
    return found


def _rows(client, slug: str, key: str = "notes.authors") -> dict:
    rows = client.get(f"/api/v1/federations/{slug}/indicators").json
    return {r["key"]: r for r in rows}[key]


@pytest.fixture
def valley(factory, in_commune):
    """Five communes with 3, 6, 7, 0 and 2 people writing notes; federations 'amont'
    (v0 v1 v2 v3) and 'aval' (v1 v2 v3 v4) overlap."""
    communes = [factory.commune(f"v{i}") for i in range(5)]
    for commune, people in zip(communes, [3, 6, 7, 0, 2], strict=True):
        factory.enable(commune, "notes")
        _authors(factory, in_commune, commune, people)
    factory.federation("amont", communes=communes[:4])
    factory.federation("aval", communes=communes[1:])
    factory.federation("pair", communes=communes[:2])
    return communes


def _published(client) -> list[dict]:
    return [_rows(client, slug) for slug in ("amont", "aval", "pair")]


def test_small_counts_are_suppressed_and_cannot_be_recomputed(client, valley):
    published = _published(client)
    amont = published[0]
    assert amont["per_commune"]["v0"] is None and "v0" in amont["suppressed"]
    assert amont["per_commune"]["v1"] == 6 and amont["per_commune"]["v3"] == 0
    assert recover(published) == {}, published


def test_a_total_without_a_suppressed_cell_is_still_published(client, factory, in_commune):
    communes = [factory.commune(f"w{i}") for i in range(3)]
    for commune, people in zip(communes, [6, 0, 9], strict=True):
        factory.enable(commune, "notes")
        _authors(factory, in_commune, commune, people)
    factory.federation("bassin", communes=communes)
    row = _rows(client, "bassin")
    assert row["total"] == 15 and row["suppressed"] == []


def test_the_attacker_recovers_values_when_complementary_suppression_is_off(
    client, valley, monkeypatch
):
    """Planted: publish the totals as before (no complementary suppression) and the
    attacker gets v0 (3) from 'amont' and v4 (2) from 'aval'."""
    from federation.intercommunal import indicators

    monkeypatch.setattr(indicators, "_complementary", lambda total, hidden: total)
    recovered = recover(_published(client))
    assert recovered.get("v0") == 3 and recovered.get("v4") == 2, recovered


def test_the_attacker_uses_bounds_and_differences():
    """The attacker itself: totals differenced across federations, and bounds."""
    amont = {"per_commune": {"a": None, "b": 6}, "suppressed": ["a"], "total": None}
    both = {"per_commune": {"a": None, "b": 6, "c": None}, "suppressed": ["a", "c"], "total": 11}
    right = {"per_commune": {"b": 6, "c": None}, "suppressed": ["c"], "total": 8}
    assert recover([amont, both, right]) == {"a": 3, "c": -1} or recover([amont, both, right]) == {
        "a": -1,
        "c": 2,
    }
    pinned = {"per_commune": {"a": None, "c": None}, "suppressed": ["a", "c"], "total": 2}
    assert recover([pinned]) == {"a": 1, "c": 1}
