"""The example third-party plugin (examples/convergence-mobility), installed only here: it
adds pages, an API, migrations, an indicator and a roster link with no change to the core."""

from __future__ import annotations

import pytest

from tests.core.plugin_kit.fresh_env import REPO, deploy_and_test, make_fresh_env

EXAMPLE = REPO / "examples" / "convergence-mobility"


def test_the_core_knows_nothing_of_the_example():
    for path in (REPO / "federation").rglob("*.py"):
        assert "convergence_mobility" not in path.read_text(encoding="utf-8"), path
    # and the project's own environment does not have it installed
    from importlib.metadata import entry_points

    assert "mobility" not in {e.name for e in entry_points(group="convergence.plugins")}


@pytest.mark.slow
def test_the_example_installs_migrates_and_passes_its_tests(tmp_path):
    env = make_fresh_env(tmp_path / "venv")
    env.install(EXAMPLE)
    outputs = deploy_and_test(env, EXAMPLE, "mobility", tmp_path)
    assert "mobility: all checks passed." in outputs["check"]
    assert "failed" not in outputs["tests"]
    # its pages and API are mounted, its revision is on its own branch
    listing = env.run(
        "python",
        "-c",
        "from federation.app import create_app; app = create_app();"
        "print(sorted(r.rule for r in app.url_map.iter_rules() if 'mobility' in r.rule))",
        env={"CONVERGENCE_INSTANCE_PATH": str(tmp_path / "instance")},
    )
    assert "/c/<commune>/mobility/" in listing.stdout, listing.stderr
    assert "/api/v1/communes/<commune>/mobility/items" in listing.stdout
    heads = env.run("convergence", "db", "heads", env={"CONVERGENCE_INSTANCE_PATH": str(tmp_path)})
    assert "0001mobility" in heads.stdout, heads.stderr
