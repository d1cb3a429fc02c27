"""The roster's floor (it may import tenancy, identity, journal, plugins and governance, never
intercommunal, web, cli or a plugin) and constant query counts of its pages."""

from __future__ import annotations

import re
from pathlib import Path

from federation import roster
from tests.core.roster.conftest import user

ROSTER = Path(roster.__file__).resolve().parent
HIGHER = re.compile(
    r"^\s*(from|import)\s+(federation\.(intercommunal|web|cli|app)\b|convergence_\w+)", re.M
)


def test_the_roster_never_imports_a_higher_floor():
    planted = "from federation.web.views import bp\nimport convergence_food\n"
    assert len(HIGHER.findall(planted)) == 2  # the rule can fail
    offenders = [p.name for p in ROSTER.rglob("*.py") if HIGHER.search(p.read_text())]
    assert offenders == []


def _count(client, count_queries, url):
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_shift_list_and_duty_page_query_counts_do_not_grow(
    client, village, factory, make_shift, in_commune, count_queries
):
    with in_commune(village.commune):
        roster.set_duty()
    make_shift(village.commune)
    factory.login(client, village.facilitator)
    few = (
        _count(client, count_queries, f"{village.base}/"),
        _count(client, count_queries, f"{village.base}/duty"),
    )
    for _ in range(6):
        shift_id = make_shift(
            village.commune, roles=[{"name": "a", "needed": 2}, {"name": "b", "needed": 2}]
        )
        with in_commune(village.commune):
            shift = roster.get_shift(shift_id)
            roster.sign_up(shift, shift.roles[0], user(village.members[0]))
    for _ in range(5):
        factory.member(village.commune)
    many = (
        _count(client, count_queries, f"{village.base}/"),
        _count(client, count_queries, f"{village.base}/duty"),
    )
    assert many == few
