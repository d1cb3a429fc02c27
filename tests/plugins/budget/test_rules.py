"""The rules on small elections worked out by hand, the documented tie-breaking, exact
arithmetic (with and without gmpy2), and the pabulib reader and writer."""

from __future__ import annotations

from fractions import Fraction

import pytest
from convergence_budget import pabulib, rules

from tests.plugins.budget.conftest import FILES, pb_file

pytestmark = pytest.mark.nodb  # computation only: CI runs it in the SQLite pass


def three_voters() -> rules.Election:
    """Budget 300, three voters (100 each): A (200) by v1 v2, B (100) by v3, C (150) by all."""
    ballots = [({"A": 1, "C": 1}, 2), ({"B": 1, "C": 1}, 1)]
    return rules.Election(300, {"A": 200, "B": 100, "C": 150}, ballots)


def test_greedy_by_votes_skips_what_does_not_fit():
    outcome = rules.greedy(three_voters())
    assert outcome.selected == ["C", "B"]
    assert outcome.details["A"]["reason"] == "over_budget" and outcome.details["A"]["left"] == 150
    assert rules.greedy(three_voters(), skip=False).selected == ["C"]
    assert rules.greedy(three_voters(), threshold=2).selected == ["C"]


def test_equal_shares_by_hand():
    """C costs each voter 50 (price 1/3 per unit of utility), then A's supporters have 100
    between them for 200 and B's has 50 for 100: nothing else is affordable."""
    outcome = rules.mes(three_voters(), explain=True)
    assert outcome.selected == ["C"]
    assert outcome.details["C"]["price"] == 50
    assert outcome.details["A"]["reason"] == "unaffordable" and outcome.details["A"]["money"] == 100


def test_add1_raises_shares_until_the_budget_would_be_exceeded_then_completes_greedily():
    """At 150 per voter MES would buy C, A and B (450 > 300): the last share that fits is
    149 (C only, not exhaustive: 49 raises from 100), and greedy completion adds B."""
    outcome = rules.mes_add1(three_voters())
    assert outcome.per_voter_budget == 149 and outcome.iterations == 49
    assert not outcome.truncated
    assert outcome.selected == ["C", "B"]
    assert outcome.details["B"]["stage"] == "greedy_completion"
    assert rules.mes_add1(three_voters(), complete_with_greedy=False).selected == ["C"]


def test_ties_go_to_the_cheaper_then_the_more_supported_then_the_smaller_id():
    e = rules.Election(
        100, {"x2": 60, "x1": 60, "cheap": 50}, [({"x1": 1, "x2": 1, "cheap": 1}, 3)]
    )
    assert rules.greedy(e).selected == ["cheap"]
    e = rules.Election(120, {"x2": 60, "x1": 60}, [({"x1": 1, "x2": 1}, 3)])
    assert rules.greedy(e).selected == ["x1", "x2"]
    assert rules.mes(e).selected == ["x1", "x2"]
    # equal price per utility (10/3/10 = 20/3/20): the cheaper is bought first
    e = rules.Election(30, {"big": 20, "small": 10}, [({"big": 1, "small": 1}, 3)])
    assert rules.mes(e).selected == ["small", "big"]


def test_points_weight_the_votes():
    e = rules.Election(10, {"a": 6, "b": 6}, [({"a": 3}, 1), ({"b": 1}, 2)])
    assert e.scores == {"a": 3, "b": 2}
    assert rules.greedy(e).selected == ["a"]


def test_the_rules_give_the_same_result_without_gmpy2(monkeypatch):
    name = "Poland_Swiecie_2023.pb"
    election = pabulib.parse(pb_file(name).read_bytes()).election
    expected = rules.mes_add1(election()).selected
    monkeypatch.setattr(rules, "Q", lambda v, d=None: Fraction(v) if d is None else Fraction(v, d))
    assert rules.mes_add1(election()).selected == expected


def test_a_large_election_is_tallied_exactly_even_when_floats_would_tie():
    """Two projects whose prices differ by less than a float can tell (1e-17 relative)."""
    n = 10**6
    e = rules.Election(10**18, {"p": 10**17 + 1, "q": 10**17}, [({"p": 1, "q": 1}, n)])
    assert rules.mes(e).selected[0] == "q"


PB = """META
key;value
budget;1000.5
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name;selected
a1;600;"Un nom; avec point-virgule, et virgule";1
b2;400.5;Autre;2
VOTES
voter_id;vote
v1;a1, b2\r
v2;b2\r\nv3;\n"""


def test_reading_tolerates_what_real_files_contain():
    pb = pabulib.parse(PB.encode("utf-8-sig"))
    assert pb.budget == Fraction(2001, 2) and pb.cost("b2") == Fraction(801, 2)
    assert pb.projects["a1"]["name"] == "Un nom; avec point-virgule, et virgule"
    assert [v.projects for v in pb.votes] == [["a1", "b2"], ["b2"], []]
    assert pb.selected() == {"a1": 1, "b2": 2}
    assert pb.election().voters == 3
    again = pabulib.parse(pabulib.write(pb))
    assert again.projects == pb.projects and [v.projects for v in again.votes] == [
        v.projects for v in pb.votes
    ]


#: integer project ids: the column reader parses the votes on whole arrays
NUMERIC = (
    "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;4\n2;6\n10;5\nVOTES\n"
    "voter_id;vote\n1;1,10\n2;10,2\n3;2\n"
)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        # the column reader leaves what it refuses to the row reader, which names the line
        (PB.replace("v2;b2", "v2;b2,b2"), 13, "names a project twice"),
        (NUMERIC.replace("2;10,2", "2;10,10"), 12, "names a project twice"),
        (NUMERIC.replace("2;10,2", "2;10,3"), 12, "unknown project '3'"),
        (NUMERIC.replace("2;10,2", "2;10,02"), 12, "unknown project '02'"),
        (NUMERIC.replace("3;2", "1;2"), 13, "votes twice"),
        (PB.replace("v1;a1, b2", "v1;a1,zz"), 12, "unknown project"),
        (PB.replace("b2;400.5", "a1;400.5"), 9, "listed twice"),
        (PB.replace("budget;1000.5\n", ""), 0, "no budget"),
        (PB.replace("400.5", "quatre"), 9, "not a number"),
        (PB.replace("v2;b2", "v1;b2"), 13, "votes twice"),
        ("bonjour", 1, "section"),
    ],
)
def test_reading_refuses_what_would_give_a_wrong_result(text, line, words):
    with pytest.raises(pabulib.PabulibError) as caught:
        pabulib.parse(text)
    assert caught.value.line == line and words in caught.value.message


def test_rule_names_of_the_format():
    assert pabulib.rule_from_meta({"rule": "equalshares/add1"}) == (
        "mes",
        {"complete_with_greedy": False, "completion": "add1"},
    )
    assert pabulib.rule_from_meta({"rule": "equalshares/add1-comparison"}) == (
        "mes",
        {
            "complete_with_greedy": False,
            "completion": "add1",
            "comparison": True,
            "stop_when_exhaustive": False,
        },
    )
    assert pabulib.rule_from_meta({"rule": "equalshares"})[1]["completion"] == "none"
    assert pabulib.rule_from_meta({"rule": "unknown"}) == ("unknown", {"meta_rule": "unknown"})
    assert pabulib.rule_from_meta({"rule": "greedy-exclusive"})[0] == "unknown"
    assert pabulib.rule_from_meta({"rule": "greedy-custom"})[0] == "unknown"
    custom = {"rule": "greedy-custom", "comment": "we fund at least 80% of that project"}
    assert pabulib.rule_from_meta(custom) == ("greedy", {"skip": False, "reserve": 80})
    assert pabulib.rule_from_meta(
        {"rule": "greedy-threshold", "min_project_score_threshold": "50"}
    ) == (
        "greedy",
        {"threshold": 50},
    )


def _read(pb: pabulib.PBFile) -> tuple:
    e = pb.election()
    votes = [(v.voter_id, v.projects, v.points, v.extra) for v in pb.votes]
    return votes, e.groups, e.scores, e.supporters, e.voters, pb.max_length()


@pytest.mark.parametrize(
    "text",
    [
        PB,
        PB.replace("v2;b2\r\nv3;\n", "v2;b2\r\n\nv3;b2\n"),  # a blank line inside VOTES
        PB.replace("v1;a1, b2", "v1;a1,b2").replace("v3;\n", "v3;none\n"),
        PB.replace("v1;a1, b2", "v1;a1,b2").replace("v3;\n", "v3;a1\n"),
        PB.replace("vote_type;approval", "vote_type;ordinal").replace("v1;a1, b2", "v1;b2,a1"),
        PB.replace("voter_id;vote\n", "voter_id;vote;points\n")
        .replace("vote_type;approval", "vote_type;cumulative")
        .replace("v1;a1, b2\r", "v1;a1,b2;3,1\r")
        .replace("v2;b2\r", "v2;b2,b2;1, 2\r")
        .replace("v3;\n", "v3;a1;07\n"),
        "META\nkey;value\nbudget;10\nvote_type;scoring\nPROJECTS\nproject_id;cost\n1;4\n2;6\n"
        "10;5\nVOTES\nvoter_id;vote;points;age\n1;1,10;2,3;30\n2;10,2;1,1;\n3;1,10;2,3;31\n",
        "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;4\n2;6\nVOTES\nvoter_id;vote\n"
        "1;1,2\n2;2\nVOTES;\n",
    ],
)
def test_the_column_reader_reads_what_the_row_reader_reads(text):
    """Regular VOTES sections are read column-wise (numbers on whole arrays when the ids
    are integers); whatever is irregular goes through the row-by-row reader: same votes,
    same ballots, same totals."""
    assert _read(pabulib.parse(text)) == _read(pabulib.parse(text, by_columns=False))


@pytest.mark.parametrize("name", FILES)
def test_every_real_file_reads_the_same_by_columns(name):
    data = pb_file(name).read_bytes()
    fast = pabulib.parse(data)
    assert fast._columns is not None  # the regular files take the column reader
    assert _read(fast) == _read(pabulib.parse(data, by_columns=False))
