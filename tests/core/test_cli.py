"""The ``convergence`` command: clear messages, non-zero exit codes on failure."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from federation.cli import main
from federation.db import db
from federation.tenancy.models import Commune

SHARED_COMMUNES = Path(
    os.environ.get(
        "CONVERGENCE_COMMUNES_DATA",
        Path(__file__).resolve().parents[3]
        / "shared"
        / "data"
        / "communes"
        / "communes_france_2026.csv",
    )
)


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), obj=info, input=input)

    return invoke


def test_commune_create_list_show(run):
    created = run("commune", "create", "Trémargat", "--insee", "22365", "--population", "183")
    assert created.exit_code == 0, created.output
    assert "tremargat" in run("commune", "list").output
    shown = run("commune", "show", "tremargat")
    assert "22365" in shown.output and "183" in shown.output
    duplicate = run("commune", "create", "Trémargat")
    assert duplicate.exit_code == 1 and "tremargat" in duplicate.output
    bad = run("commune", "create", "X", "--insee", "12")
    assert bad.exit_code == 1 and "INSEE" in bad.output
    missing = run("commune", "show", "nowhere")
    assert missing.exit_code == 1 and "nowhere" in missing.output


def test_federation_commands(run):
    run("commune", "create", "Tarnac")
    run("commune", "create", "Peyrelevade")
    assert run("federation", "create", "Plateau", "--kind", "basin").exit_code == 0
    added = run("federation", "add-commune", "plateau", "tarnac", "peyrelevade")
    assert added.exit_code == 0, added.output
    assert "tarnac" in run("federation", "list").output
    again = run("federation", "add-commune", "plateau", "tarnac")
    assert again.exit_code == 1 and "déjà" in again.output


def test_user_commands(run, factory):
    factory.commune("bourg")
    created = run(
        "user",
        "create",
        "camille@example.org",
        "--name",
        "Camille",
        input="long enough pw\nlong enough pw\n",
    )
    assert created.exit_code == 0, created.output
    short = run("user", "create", "x@example.org", "--name", "X", "--password", "short")
    assert short.exit_code == 1 and "10" in short.output
    granted = run("user", "grant", "camille@example.org", "admin", "--commune", "bourg")
    assert granted.exit_code == 0, granted.output
    assert "admin" in run("user", "list", "--commune", "bourg").output
    wrong = run("user", "grant", "camille@example.org", "king", "--commune", "bourg")
    assert wrong.exit_code == 1 and "king" in wrong.output
    assert (
        run("user", "revoke", "camille@example.org", "admin", "--commune", "bourg").exit_code == 0
    )
    assert run("user", "grant", "ghost@example.org", "admin", "--commune", "bourg").exit_code == 1


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["code_insee", "nom", "dep", "population_municipale"]
        )
        writer.writeheader()
        writer.writerows(rows)


def test_commune_import_reports_line_numbers_and_skips_bad_lines(run, app, tmp_path):
    path = tmp_path / "communes.csv"
    _write_csv(
        path,
        [
            {
                "code_insee": "23077",
                "nom": "Faux-la-Montagne",
                "dep": "23",
                "population_municipale": "443",
            },
            {"code_insee": "ABC", "nom": "Nowhere", "dep": "23", "population_municipale": "1"},
            {
                "code_insee": "23090",
                "nom": "Gentioux-Pigerolles",
                "dep": "23",
                "population_municipale": "beaucoup",
            },
            {"code_insee": "19265", "nom": "Tarnac", "dep": "19", "population_municipale": "333"},
        ],
    )
    result = run("commune", "import", str(path))
    assert result.exit_code == 1, result.output  # lines failed: nothing written, status 1
    assert "ligne 3" in result.output and "ligne 4" in result.output
    assert "Nothing written" in result.output
    assert run("commune", "import", str(path), "--partial").exit_code == 1
    again = run("commune", "import", str(path), "--partial")
    assert "Created 0" in again.output and "skipped 2" in again.output


def test_commune_import_refuses_a_file_without_the_columns(run, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    result = run("commune", "import", str(path))
    assert result.exit_code == 1 and "code_insee" in result.output


@pytest.mark.skipif(
    not SHARED_COMMUNES.exists(), reason=f"official commune list not found at {SHARED_COMMUNES}"
)
def test_import_of_the_official_2026_list_for_one_departement(run, app):
    result = run("commune", "import", str(SHARED_COMMUNES), "--departement", "23")
    assert result.exit_code == 0, result.output
    assert "errors 0" in result.output
    with app.app_context():
        count = db.session.scalar(select(func.count(Commune.id)))
        faux = db.session.scalar(select(Commune).where(Commune.insee_code == "23077"))
    with SHARED_COMMUNES.open(encoding="utf-8") as handle:
        expected = sum(1 for row in csv.DictReader(handle) if row["dep"] == "23")
    assert count == expected  # every commune of the Creuse in the COG 2026
    assert faux.name == "Faux-la-Montagne" and faux.population == 443


def test_db_commands(run, app):
    from federation import migrate

    assert "up to date" in run("db", "upgrade").output
    assert run("db", "check").exit_code == 0
    heads = run("db", "heads").output.split()
    assert sorted(heads) == sorted(migrate.heads(app)) and heads


def test_db_upgrade_says_what_it_did(make_app, tmp_path):
    """Issue 16 item 8: "Database is up to date." was printed while a new database was
    being migrated. A new (SQLite) database is said migrated, then up to date."""
    fresh = make_app(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    runner = fresh.test_cli_runner()
    info = ScriptInfo(create_app=lambda: fresh)
    first = runner.invoke(main, ["db", "upgrade"], obj=info)
    assert first.exit_code == 0, first.output
    assert "New database migrated" in first.output and "up to date" not in first.output
    again = runner.invoke(main, ["db", "upgrade"], obj=info)
    assert "already up to date" in again.output


def test_notification_digests(run, app, factory, in_db):
    from federation.identity.models import User
    from federation.identity.notifications import OUTBOX, notify

    daily = factory.user("daily@example.org")
    factory.user("never@example.org")
    with in_db():
        db.session.get(User, daily.id).digest = "daily"
        for user_id in (daily.id,):
            notify(
                user_id,
                kind="vote.opened_for_you",
                params={"title": "four à pain", "body": "Assemblée"},
                link="/c/x/proposals/1",
            )
    result = run("notifications", "digest", "--frequency", "daily")
    assert result.exit_code == 0 and "1 digest(s) sent." in result.output
    [mail] = OUTBOX
    assert mail["To"] == "daily@example.org" and "four à pain" in mail.get_content()
    assert "http://127.0.0.1:5000/c/x/proposals/1" in mail.get_content()
    again = run("notifications", "digest", "--frequency", "daily")
    assert "0 digest(s) sent." in again.output  # not twice the same day


# --- every path that creates a commune announces it to the plugins (issue 11 item 5) ----


def _assemblies(app) -> dict[int, int]:
    """commune id → number of popular assemblies, for every commune."""
    from federation.governance.models import Body
    from federation.tenancy.context import unscoped

    with app.app_context(), unscoped():
        counts = dict.fromkeys(db.session.scalars(select(Commune.id)), 0)
        rows = db.session.execute(
            select(Body.commune_id, func.count(Body.id))
            .where(Body.kind == "assembly")
            .group_by(Body.commune_id)
        )
        counts.update(dict(rows.all()))
    return counts


def test_every_commune_creating_path_gives_the_commune_its_assembly(
    run, app, client, factory, tmp_path
):
    """CLI create, CSV import, JSON import (import-data), web platform admin, API and demo
    all go through tenancy.create_commune / import_communes_csv, which fire the hooks."""
    from tests.support.notes_plugin import CALLS

    CALLS.clear()
    assert run("commune", "create", "Createville").exit_code == 0
    path = tmp_path / "communes.csv"
    _write_csv(
        path,
        [
            {"code_insee": "23077", "nom": "Faux-la-Montagne", "dep": "23"},
            {"code_insee": "19265", "nom": "Tarnac", "dep": "19"},
        ],
    )
    assert "Created 2" in run("commune", "import", str(path)).output
    export = tmp_path / "tarnac.json"
    assert run("commune", "export", "tarnac", "-o", str(export)).exit_code == 0
    assert run("commune", "import-data", str(export), "--slug", "tarnac-bis").exit_code == 0
    admin = factory.platform_admin()
    factory.login(client, admin)
    web = client.post("/admin/", data={"action": "commune", "commune-name": "Webville"})
    assert web.status_code == 302
    api = client.post(
        "/api/v1/communes",
        json={"name": "Apiville", "slug": "apiville"},
        headers=factory.token(admin),
    )
    assert api.status_code == 201, api.json
    counts = _assemblies(app)
    assert len(counts) == 6 and set(counts.values()) == {1}, counts
    created = {slug for hook, slug in CALLS if hook == "commune_created"}
    assert created == {
        "createville",
        "faux-la-montagne",
        "tarnac",
        "tarnac-bis",
        "webville",
        "apiville",
    }


def test_hook_federation_communes_created(app, tmp_path):
    """The CSV import announces its communes a batch at a time (one hook call per batch,
    so the governance plugin inserts a batch of assemblies at once)."""
    from federation.plugins import hookimpl
    from federation.tenancy.context import unscoped
    from federation.tenancy.services import import_communes_csv

    batches: list[list[str]] = []

    class Recorder:
        @hookimpl
        def federation_communes_created(self, communes):
            batches.append([c.slug for c in communes])

    path = tmp_path / "five.csv"
    _write_csv(
        path, [{"code_insee": f"2300{i}", "nom": f"Ville {i}", "dep": "23"} for i in range(5)]
    )
    pm = app.extensions["convergence"].pm
    recorder = Recorder()
    pm.register(recorder, name="recorder")
    try:
        with app.app_context(), unscoped():
            report = import_communes_csv(path, batch_size=2)
            db.session.commit()
    finally:
        pm.unregister(recorder)
    assert report.created == 5
    assert [len(b) for b in batches] == [2, 2, 1]
    assert set(_assemblies(app).values()) == {1}


def test_backfill_gives_old_communes_their_assembly_once(run, app, factory, in_commune):
    """Communes imported before the CSV import announced them have no assembly:
    'convergence commune backfill' gives each one, and running it again adds nothing."""
    from federation.governance.models import Body

    refs = [factory.commune() for _ in range(3)]
    for ref in refs[:2]:
        with in_commune(ref):
            for body in db.session.scalars(select(Body)).all():
                db.session.delete(body)
    assert sorted(_assemblies(app).values()) == [0, 0, 1]
    result = run("commune", "backfill", "--batch", "2")
    assert result.exit_code == 0 and "Announced 3 commune(s)" in result.output, result.output
    assert set(_assemblies(app).values()) == {1}
    assert run("commune", "backfill").exit_code == 0
    assert set(_assemblies(app).values()) == {1}
