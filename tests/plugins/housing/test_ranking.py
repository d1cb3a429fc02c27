"""The grid's ranking: points equal the sum of the explanation lines, each line equals the
grid's points times the request's value, and ties follow the documented rule."""

from __future__ import annotations

from datetime import date, timedelta

from convergence_housing.constants import CRITERIA, DEFAULT_GRID
from convergence_housing.ranking import Candidate, Place, explain, months_between, rank
from hypothesis import given, settings
from hypothesis import strategies as st

TODAY = date(2026, 12, 1)

candidates = st.lists(
    st.builds(
        Candidate,
        id=st.integers(1, 10_000),
        people=st.integers(1, 8),
        rooms_needed=st.integers(1, 6),
        urgency=st.integers(0, 3),
        accessibility=st.booleans(),
        submitted_on=st.dates(date(2020, 1, 1), TODAY),
        communes=st.sampled_from([(), ("bourg",), ("autre", "bourg")]),
    ),
    max_size=12,
    unique_by=lambda c: c.id,
)
grids = st.fixed_dictionaries({name: st.integers(0, 50) for name in CRITERIA})
places = st.builds(
    Place, rooms=st.integers(1, 6), accessible=st.booleans(), commune_slug=st.just("bourg")
)


@settings(max_examples=200, deadline=None)
@given(cands=candidates, place=places, grid=grids)
def test_ranking_equals_grid_and_explanation(cands, place, grid):
    ranked = rank(cands, place, grid, TODAY)
    by_id = {c.id: c for c in cands}
    assert sorted(e["request"] for e in ranked) == sorted(by_id)
    for entry in ranked:
        lines = entry["lines"]
        assert [line[0] for line in lines] == list(CRITERIA)
        for name, value, points in lines:
            assert points == value * grid[name]
        assert entry["points"] == sum(line[2] for line in lines)
        assert [list(x) for x in explain(by_id[entry["request"]], place, grid, TODAY)] == lines
    # the order: points, then urgency, then older request, then smaller number
    keys = [(-e["points"], -e["urgency"], e["submitted_on"], e["request"]) for e in ranked]
    assert keys == sorted(keys)
    assert [e["rank"] for e in ranked] == list(range(1, len(ranked) + 1))


def test_ties_documented_rule():
    grid = dict.fromkeys(CRITERIA, 0)  # everybody has 0 points: only the tie rule ranks
    place = Place(3, False, "bourg")
    old = TODAY - timedelta(days=400)
    cands = [
        Candidate(5, 2, 2, 1, False, old, ()),
        Candidate(2, 2, 2, 1, False, old, ()),
        Candidate(9, 2, 2, 3, False, TODAY, ()),
        Candidate(1, 2, 2, 1, False, TODAY, ()),
    ]
    assert [e["request"] for e in rank(cands, place, grid, TODAY)] == [9, 2, 5, 1]


def test_explanation_values():
    c = Candidate(1, 4, 3, 2, True, date(2025, 10, 15), ("bourg",))
    lines = {n: (v, p) for n, v, p in explain(c, Place(3, True, "bourg"), DEFAULT_GRID, TODAY)}
    assert lines["urgency"] == (2, 2 * DEFAULT_GRID["urgency"])
    assert lines["person"] == (4, 4 * DEFAULT_GRID["person"])
    assert lines["month_waited"][0] == 13
    assert lines["accessibility"] == (1, DEFAULT_GRID["accessibility"])
    assert lines["fit"] == (1, DEFAULT_GRID["fit"])
    assert lines["local"] == (1, DEFAULT_GRID["local"])
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 0
