"""The public journal: hash chain, tamper detection, concurrent appends, append-only."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from federation.db import db
from federation.journal import services as journal
from federation.journal.models import JournalEntry


@pytest.fixture
def chain(app, factory, in_db):
    commune = factory.commune("journal-town")
    with in_db():
        for i in range(5):
            journal.record(
                "test.entry",
                f"Entry {i}",
                {"n": i, "text": "é"},
                commune_id=commune.id,
                actor="tester",
            )
    return commune


def test_chain_is_contiguous_and_verifies(app, chain, in_db):
    with in_db():
        entries = journal.entries(journal.commune_chain(chain.id), limit=10)
        assert [e.seq for e in entries] == [5, 4, 3, 2, 1]
        assert entries[-1].prev_hash == journal.GENESIS
        assert entries[0].prev_hash == entries[1].entry_hash
        [report] = journal.verify(journal.commune_chain(chain.id))
        assert report.broken is None and report.entries == 5


def _tamper(*statements: tuple[str, dict]) -> None:
    """What an attacker with the tables' owner's access could do: lift the append-only
    triggers, change rows, put the triggers back (the application's own role, on
    PostgreSQL, may do none of it). Runs in the current app context."""
    from flask import current_app

    db.session.commit()  # no open transaction holds the tables meanwhile
    owner = current_app.extensions["convergence_test_db"].owner
    postgres = owner.dialect.name == "postgresql"
    with owner.begin() as conn:
        for table in ("journal_entries", "journal_checkpoints"):
            if postgres:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        for statement, params in statements:
            conn.execute(text(statement), params)
        if postgres:
            for table in ("journal_entries", "journal_checkpoints"):
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


TAMPERING = {
    "kind": "forged.kind",
    "summary": "Forged summary",
    "payload": '{"n":999}',
    "actor": "mallory",
    "recorded_at": "2020-01-01T00:00:00.000000Z",
    "prev_hash": "f" * 64,
    "entry_hash": "e" * 64,
    "seq": 42,
}


@pytest.mark.parametrize("field", sorted(TAMPERING))
@pytest.mark.parametrize("position", [1, 3, 5])
def test_tampering_with_any_field_of_any_entry_is_detected(app, chain, field, position):
    with app.app_context():
        _tamper(
            (
                f"UPDATE journal_entries SET {field} = :value WHERE chain = :chain AND seq = :seq",
                {
                    "value": TAMPERING[field],
                    "chain": journal.commune_chain(chain.id),
                    "seq": position,
                },
            )
        )
        [report] = journal.verify(journal.commune_chain(chain.id))
        assert report.broken is not None
        assert report.broken.seq <= position or field == "seq"


def test_deleting_an_entry_is_detected(app, chain):
    with app.app_context():
        _tamper(("DELETE FROM journal_entries WHERE seq = 2", {}))
        [report] = journal.verify(journal.commune_chain(chain.id))
        assert report.broken is not None and report.broken.seq == 2


def test_database_refuses_update_and_delete(app, chain):
    with app.app_context():
        with pytest.raises(DatabaseError):
            db.session.execute(text("UPDATE journal_entries SET summary = 'x'"))
        db.session.rollback()
        with pytest.raises(DatabaseError):
            db.session.execute(text("DELETE FROM journal_entries"))
        db.session.rollback()


def test_concurrent_appends_never_fork_the_chain(app, factory):
    commune = factory.commune("busy-town")
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            with app.app_context():
                journal.record("race", f"Entry {n}", {"n": n}, commune_id=commune.id)
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        seqs = db.session.scalars(
            select(JournalEntry.seq)
            .where(JournalEntry.chain == journal.commune_chain(commune.id))
            .order_by(JournalEntry.seq)
        ).all()
        assert seqs == list(range(1, 9))
        assert journal.verify(journal.commune_chain(commune.id))[0].broken is None


def test_an_entry_belongs_to_one_chain(app):
    with app.app_context(), pytest.raises(ValueError):
        journal.record("x", "y")


def test_journal_page_and_api(client, chain):
    page = client.get(f"/c/{chain.slug}/journal")
    assert page.status_code == 200
    assert "Entry 4" in page.text and "SHA-256" in page.text
    api = client.get(f"/api/v1/communes/{chain.slug}/journal?limit=2").json
    assert [e["seq"] for e in api] == [5, 4]
    verify = client.get(f"/api/v1/communes/{chain.slug}/journal/verify").json
    assert verify["valid"] is True and verify["entries"] == 5


def test_cli_verify_reports_the_first_broken_entry(app, chain):
    from federation.cli import main

    runner = app.test_cli_runner()
    ok = runner.invoke(main, ["journal", "verify"], obj=_script_info(app))
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    with app.app_context():
        _tamper(("UPDATE journal_entries SET summary = 'forged' WHERE seq = 3", {}))
    broken = runner.invoke(
        main, ["journal", "verify", "--commune", chain.slug], obj=_script_info(app)
    )
    assert broken.exit_code == 1
    assert "BROKEN at entry 3" in broken.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


# --- truncation (the last entries deleted) -------------------------------------------


def _cut(chain_name: str, from_seq: int, *, checkpoints: bool = False) -> None:
    """Delete a chain's entries from ``from_seq`` on (and its checkpoints, if asked)."""
    statements = [
        (
            "DELETE FROM journal_entries WHERE chain = :c AND seq >= :s",
            {"c": chain_name, "s": from_seq},
        )
    ]
    if checkpoints:
        statements.append(("DELETE FROM journal_checkpoints WHERE chain = :c", {"c": chain_name}))
    _tamper(*statements)


def _report(chain_name: str):
    return {r.chain: r for r in journal.verify()}.get(chain_name)


def test_deleting_the_last_entries_of_a_chain_is_detected(app, chain):
    name = journal.commune_chain(chain.id)
    with app.app_context():
        report = journal.checkpoint()
        db.session.commit()
        assert report.chains >= 2 and report.countersignatures == 1  # commune + platform
        assert all(r.broken is None for r in journal.verify())
        _cut(name, 4)
        broken = _report(name).broken
        assert broken is not None and broken.seq == 4, broken
        assert "truncated" in broken.reason and "checkpoint" in broken.reason
        assert "platform" in broken.reason  # the countersignature vouches for it too


def test_truncation_is_detected_by_the_countersignatures_alone(app, factory, in_db, chain):
    """The attacker also deletes the checkpoints: the platform and federation chains,
    which countersigned the head, still show it."""
    fed = factory.federation("journal-fed", communes=[chain])
    name = journal.commune_chain(chain.id)
    with app.app_context():
        report = journal.checkpoint()
        db.session.commit()
        assert report.countersignatures == 2  # the federation's chain and the platform's
        _cut(name, 5, checkpoints=True)
        broken = _report(name).broken
        assert broken is not None and "truncated" in broken.reason
        assert f"federation:{fed.id}" in broken.reason and "platform" in broken.reason


def test_a_rewritten_tail_is_detected(app, chain):
    """Deleting the last entries and appending valid-looking new ones keeps the hash links
    right, but not the head that was vouched for."""
    name = journal.commune_chain(chain.id)
    with app.app_context():
        journal.checkpoint()
        db.session.commit()
        _cut(name, 4)
        for i in (4, 5):
            journal.record("test.entry", f"Forged {i}", {"n": i}, commune_id=chain.id)
        db.session.commit()
        broken = _report(name).broken
        assert broken is not None and broken.seq == 5 and "rewritten" in broken.reason


def test_a_chain_deleted_whole_is_reported(app, chain):
    name = journal.commune_chain(chain.id)
    with app.app_context():
        journal.checkpoint()
        db.session.commit()
        _cut(name, 1)
        report = _report(name)
        assert report is not None and report.entries == 0 and report.broken is not None


def test_checkpoint_writes_only_when_a_chain_moved(app, chain, factory, count_queries):
    others = [factory.commune() for _ in range(3)]
    factory.federation(communes=[chain, *others])
    with app.app_context():
        for other in others:
            journal.record("test.entry", "x", {}, commune_id=other.id)
        db.session.commit()
        with count_queries() as counter:
            first = journal.checkpoint()
        db.session.commit()
        assert first.chains == 6 and first.countersignatures == 2  # 4 communes + fed + platform
        assert counter.count < 15  # a constant number of queries, not one per chain
        again = journal.checkpoint()
        db.session.commit()
        assert again == journal.CheckpointReport(0, 0)
        assert all(r.broken is None for r in journal.verify())


def test_database_refuses_truncate_and_checkpoint_changes(app, chain):
    with app.app_context():
        journal.checkpoint()
        db.session.commit()
        for statement in (
            "UPDATE journal_checkpoints SET seq = 1",
            "DELETE FROM journal_checkpoints",
        ):
            with pytest.raises(DatabaseError):
                db.session.execute(text(statement))
            db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            owner = app.extensions["convergence_test_db"].owner
            for table in ("journal_entries", "journal_checkpoints"):
                with pytest.raises(DatabaseError):  # the application's role
                    db.session.execute(text(f"TRUNCATE {table} CASCADE"))
                db.session.rollback()
                # even the tables' owner: the statement trigger refuses it
                with pytest.raises(DatabaseError, match="TRUNCATE refused"), owner.begin() as conn:
                    conn.execute(text(f"TRUNCATE {table} CASCADE"))


def test_cli_checkpoint_then_verify_finds_the_truncation(app, chain):
    from federation.cli import main

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["journal", "checkpoint"], obj=_script_info(app))
    assert result.exit_code == 0 and "2 chain head(s) checkpointed" in result.output
    with app.app_context():
        _cut(journal.commune_chain(chain.id), 3)
    broken = runner.invoke(main, ["journal", "verify"], obj=_script_info(app))
    assert broken.exit_code == 1
    assert "BROKEN at entry 3: chain truncated" in broken.output
