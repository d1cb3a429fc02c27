"""Issue 10 item 3 for participatory budgeting (R14): a database reader cannot link a PB
ballot to its voter.

As in tests/core/governance/test_secret_ballots.py, the test plays the adversary: it reads
the participation register and the ballots with every column and system column (ids,
receipts, physical order, SQLite's rowid, PostgreSQL's ``xmin``/``ctid``, equal values) and
counts how many of 40 voters each attack links. Chance links about one; the attacks must
stay below ``THRESHOLD``. The planted old design (ballot written in the voter's transaction,
in casting order) must be caught by the same attacks.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import pytest
from convergence_budget import participatory as pb
from convergence_budget.models import PBBallot, PBSealedBallot
from sqlalchemy import inspect, select, text

from federation.db import db
from federation.governance import ballot_box
from federation.tenancy.context import commune_scope
from federation.tenancy.scoping import raw_tenant_sql

N = 40
THRESHOLD = 7  # P(a random permutation of 40 has ≥ 7 fixed points) ≈ 1e-4
REASON = "issue 10 item 3: the adversary reads system columns of the PB ballot tables"
PROJECTS = 6  # 63 non-empty subsets: every voter's approval ballot is different

on_postgres = pytest.mark.skipif(
    not os.environ.get("CONVERGENCE_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs PostgreSQL (set CONVERGENCE_TEST_DATABASE_URL)",
)


def _run_pb(client, factory, town, *, close: bool = True) -> tuple[int, dict[int, frozenset]]:
    """A PB vote, each voter casting in their own request (transaction). Returns the
    process id and the truth: voter id → the projects (external ids) of their ballot."""
    agent = factory.token(town.agent.user)
    created = client.post(
        f"{town.base}/processes",
        json={
            "title": "BP secret",
            "year": 2026,
            "amount": "100000.00",
            "max_choices": PROJECTS,
            "cost_cap": False,
        },
        headers=agent,
    )
    assert created.status_code == 201, created.json
    process_id = created.json["id"]
    ids = []
    for n in range(PROJECTS):
        project = client.post(
            f"{town.base}/processes/{process_id}/projects",
            json={"title": f"Projet {n}", "description": "Pour tous.", "estimated_cost": "1000"},
            headers=factory.token(town.members[0].user),
        )
        assert project.status_code == 201, project.json
        ids.append(project.json["id"])
    phase = f"{town.base}/processes/{process_id}/phase"
    assert client.post(phase, json={"to": "review"}, headers=agent).status_code == 200
    for pid in ids:
        reviewed = client.post(
            f"{town.base}/projects/{pid}/review",
            json={"feasible": True, "reason": "Vérifié."},
            headers=agent,
        )
        assert reviewed.status_code == 200, reviewed.json
    assert client.post(phase, json={"to": "vote"}, headers=agent).status_code == 200
    people = [town.agent, town.elected, town.facilitator, town.admin, *town.members]
    people += [factory.member(town.commune) for _ in range(N - len(people))]
    truth: dict[int, frozenset] = {}
    for index, person in enumerate(people, start=1):
        chosen = [pid for bit, pid in enumerate(ids) if index >> bit & 1]
        cast = client.post(
            f"{town.base}/processes/{process_id}/ballots",
            json={"projects": chosen},
            headers=factory.token(person.user),
        )
        assert cast.status_code == 200 and cast.json["receipt"], cast.json
        truth[person.user.id] = frozenset(f"p{pid}" for pid in chosen)
    if close:
        closed = client.post(phase, json={"to": "results"}, headers=agent)
        assert closed.status_code == 200, closed.json
    assert len(set(truth.values())) == N
    return process_id, truth


def _rows(sql: str, **params) -> list[Any]:
    with raw_tenant_sql(REASON):
        return list(db.session.execute(text(sql), params).all())


def _orders(table: str, process_id: int, dialect: str) -> dict[str, list[dict[str, Any]]]:
    cols = [c["name"] for c in inspect(db.engine).get_columns(table)]
    base = f"SELECT {', '.join(cols)} FROM {table} WHERE process_id = :p"
    orders = {"natural": base, **{col: f"{base} ORDER BY {col}" for col in cols}}
    if dialect == "postgresql":
        orders["ctid"] = f"{base} ORDER BY ctid"
        orders["xmin"] = f"{base} ORDER BY xmin::text::bigint"
    else:
        orders["rowid"] = f"{base} ORDER BY rowid"
    return {
        name: [dict(zip(cols, row, strict=True)) for row in _rows(sql, p=process_id)]
        for name, sql in orders.items()
    }


def linkage(app, commune_id: int, process_id: int, truth: dict[int, frozenset]) -> dict[str, int]:
    """How many voters each attack links to their ballot."""

    def right(voter_id: int, content: str) -> bool:
        return truth[voter_id] == frozenset(json.loads(content)["p"])

    scores: dict[str, int] = {}
    with app.app_context(), commune_scope(commune_id):
        dialect = db.engine.dialect.name
        ballots = _orders("budget_pb_ballots", process_id, dialect)
        people = _orders("budget_pb_participations", process_id, dialect)
        assert all(len(rows) == N for rows in (*ballots.values(), *people.values()))
        for (p_name, p_rows), (b_name, b_rows) in itertools.product(
            people.items(), ballots.items()
        ):
            for reverse in (False, True):
                rows = list(reversed(b_rows)) if reverse else b_rows
                scores[f"order:{p_name}~{b_name}{'-rev' if reverse else ''}"] = sum(
                    right(p["voter_id"], b["content"]) for p, b in zip(p_rows, rows, strict=True)
                )
        for b in ballots["natural"]:
            for b_col, value in b.items():
                if b_col in ("process_id", "commune_id"):
                    continue
                for p_col in people["natural"][0]:
                    same = [p for p in people["natural"] if str(p[p_col]) == str(value)]
                    if len(same) == 1:
                        key = f"equal:{b_col}={p_col}"
                        scores[key] = scores.get(key, 0) + right(same[0]["voter_id"], b["content"])
        if dialect == "postgresql":
            voter_of_xid: dict[str, list[int]] = {}
            for xid, voter in _rows(
                "SELECT xmin::text, voter_id FROM budget_pb_participations WHERE process_id = :p",
                p=process_id,
            ):
                voter_of_xid.setdefault(xid, []).append(voter)
            scores["xmin-join"] = sum(
                len(voter_of_xid.get(xid, [])) == 1 and right(voter_of_xid[xid][0], content)
                for xid, content in _rows(
                    "SELECT xmin::text, content FROM budget_pb_ballots WHERE process_id = :p",
                    p=process_id,
                )
            )
    return scores


def test_no_attack_links_pb_ballots_to_voters(app, client, factory, town):
    """Before (ballot written next to the participation): on SQLite the rowid and natural
    orders linked 40/40; on PostgreSQL the xmin join, ctid and natural orders too."""
    process_id, truth = _run_pb(client, factory, town)
    scores = linkage(app, town.commune.id, process_id, truth)
    assert len(scores) > 20
    best = max(scores, key=scores.get)
    assert scores[best] < THRESHOLD, (best, scores[best], sorted(scores.items()))
    with app.app_context(), commune_scope(town.commune.id):
        assert db.session.scalars(select(PBSealedBallot)).all() == []  # the box is empty
        process = pb.get_process(process_id)
        assert process.result["ballots"] == N and process.result["participants"] == N


def test_the_attacks_catch_the_planted_old_design(app, client, factory, town, monkeypatch):
    """The ballot written in the voter's transaction, ids and receipts in casting order, no
    ballot box: the same attacks link everyone."""
    counter = itertools.count(10**15)

    class Ordered:
        @staticmethod
        def token_hex(n: int) -> str:
            return f"{next(counter):032d}"

    class Planted:
        lock = staticmethod(ballot_box.lock)

        @staticmethod
        def put(model, column, kind, process_id, payload):
            receipt, content = payload
            db.session.add(
                PBBallot(id=next(counter), receipt=receipt, process_id=process_id, content=content)
            )
            db.session.flush()

    monkeypatch.setattr(pb, "secrets", Ordered)
    monkeypatch.setattr(pb, "ballot_box", Planted)
    monkeypatch.setattr(pb, "_open_ballot_box", lambda process: 0)
    process_id, truth = _run_pb(client, factory, town)
    scores = linkage(app, town.commune.id, process_id, truth)
    assert max(scores.values()) == N, sorted(scores.items())


@on_postgres
def test_the_shuffle_is_what_hides_the_physical_order(app, client, factory, town, monkeypatch):
    """Without the shuffle at close, PostgreSQL stores the PB ballots in casting order (in a
    fresh table: the reset between tests leaves free space that inserts reuse anywhere)."""
    app.extensions["convergence_test_db"].fresh_heap("budget_pb_ballots")
    monkeypatch.setattr(ballot_box, "shuffled", lambda items: list(items))
    process_id, truth = _run_pb(client, factory, town)
    scores = linkage(app, town.commune.id, process_id, truth)
    assert scores["order:id~ctid"] >= N - 2, sorted(scores.items())


def test_pb_ballots_are_sealed_while_the_vote_is_open(app, client, factory, town):
    """During the vote: no readable ballot anywhere, sealed rows of one size, that only
    this process's key opens."""
    process_id, truth = _run_pb(client, factory, town, close=False)
    with app.app_context(), commune_scope(town.commune.id):
        assert _rows("SELECT id FROM budget_pb_ballots WHERE process_id = :p", p=process_id) == []
        rows = _rows(
            "SELECT id, sealed FROM budget_pb_sealed_ballots WHERE process_id = :p", p=process_id
        )
        assert len(rows) == N and len({len(bytes(blob)) for _id, blob in rows}) == 1
        assert all(b'"p"' not in bytes(blob) for _id, blob in rows)
        opened = [ballot_box.unseal(pb.BALLOT_BOX, process_id, blob)[1] for _id, blob in rows]
        assert {frozenset(json.loads(c)["p"]) for c in opened} == set(truth.values())
        with pytest.raises(ballot_box.BrokenSeal):
            ballot_box.unseal(ballot_box.VOTE, process_id, rows[0][1])  # not a vote's key
