"""``convergence budget …``: import-csv, import-pb, export-pb and tally; bad input is an
``Error: …`` and exit status 1, with nothing written."""

from __future__ import annotations

from tests.plugins.budget.conftest import pb_file
from tests.plugins.budget.test_open_budget import CSV


def test_import_csv_then_refuse_a_bad_file(app, factory, tmp_path, client):
    commune = factory.commune("cli-town")
    factory.enable(commune, "budget")
    runner = app.test_cli_runner()
    good = tmp_path / "budget.csv"
    good.write_text(CSV, encoding="utf-8")
    dry = runner.invoke(
        args=[
            "budget",
            "import-csv",
            "--commune",
            "cli-town",
            "--year",
            "2026",
            "--dry-run",
            str(good),
        ]
    )
    assert dry.exit_code == 0 and "3 lines checked" in dry.output
    done = runner.invoke(
        args=["budget", "import-csv", "--commune", "cli-town", "--year", "2026", str(good)]
    )
    assert done.exit_code == 0, done.output
    again = runner.invoke(
        args=["budget", "import-csv", "--commune", "cli-town", "--year", "2026", str(good)]
    )
    assert again.exit_code == 1 and "Error:" in again.output and "Ligne 2" in again.output
    missing = runner.invoke(
        args=["budget", "import-csv", "--commune", "nowhere", "--year", "2026", str(good)]
    )
    assert missing.exit_code == 1 and "Error:" in missing.output
    lines = client.get("/api/v1/communes/cli-town/budget/lines").json
    assert len(lines) == 3


def test_import_pb_export_pb_and_tally(app, factory, tmp_path):
    commune = factory.commune("pb-town")
    factory.enable(commune, "budget")
    runner = app.test_cli_runner()
    source = pb_file("Netherlands_Assen_2024.pb")
    loaded = runner.invoke(args=["budget", "import-pb", "--commune", "pb-town", str(source)])
    assert loaded.exit_code == 0, loaded.output
    assert "84 ballots" in loaded.output and "selects 9 projects" in loaded.output
    out = tmp_path / "assen.pb"
    exported = runner.invoke(
        args=["budget", "export-pb", "--commune", "pb-town", "--process", "1", "-o", str(out)]
    )
    assert exported.exit_code == 0 and out.read_text().count("\n") > 90
    counted = runner.invoke(args=["budget", "tally", "--commune", "pb-town", "--process", "1"])
    assert counted.exit_code == 0 and "== mes" in counted.output and "Retenu" in counted.output
    from_file = runner.invoke(args=["budget", "tally", "--file", str(out), "--rule", "greedy"])
    assert from_file.exit_code == 0 and from_file.output.startswith("greedy:")
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\n", encoding="utf-8")
    refused = runner.invoke(args=["budget", "import-pb", "--commune", "pb-town", str(bad)])
    assert refused.exit_code == 1 and "Error:" in refused.output
    none = runner.invoke(args=["budget", "tally"])
    assert none.exit_code != 0
