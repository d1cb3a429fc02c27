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


def _drop_append_only_guard() -> None:
    """What an attacker with write access to the database could do first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE journal_entries DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS journal_entries_no_update"))
        db.session.execute(text("DROP TRIGGER IF EXISTS journal_entries_no_delete"))


def _restore_guard() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE journal_entries ENABLE TRIGGER USER"))


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
        _drop_append_only_guard()
        db.session.execute(
            text(
                f"UPDATE journal_entries SET {field} = :value WHERE chain = :chain AND seq = :seq"
            ),
            {"value": TAMPERING[field], "chain": journal.commune_chain(chain.id), "seq": position},
        )
        _restore_guard()
        db.session.commit()
        [report] = journal.verify(journal.commune_chain(chain.id))
        assert report.broken is not None
        assert report.broken.seq <= position or field == "seq"


def test_deleting_an_entry_is_detected(app, chain):
    with app.app_context():
        _drop_append_only_guard()
        db.session.execute(text("DELETE FROM journal_entries WHERE seq = 2"))
        _restore_guard()
        db.session.commit()
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
        _drop_append_only_guard()
        db.session.execute(text("UPDATE journal_entries SET summary = 'forged' WHERE seq = 3"))
        _restore_guard()
        db.session.commit()
    broken = runner.invoke(
        main, ["journal", "verify", "--commune", chain.slug], obj=_script_info(app)
    )
    assert broken.exit_code == 1
    assert "BROKEN at entry 3" in broken.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
