"""`convergence plugin new` gives a distribution that, in a fresh environment, installs,
migrates, is enabled for one commune, passes `plugin check`, its lint and its own tests."""

from __future__ import annotations

import pytest

from federation.plugins.scaffold import generate
from tests.core.plugin_kit.fresh_env import deploy_and_test, make_fresh_env


@pytest.mark.slow
def test_a_generated_plugin_works_out_of_the_box(tmp_path):
    # a two-word name: the class, the tables and the catalogs' domain all follow it
    project = generate("energie_locale", tmp_path / "src", "Énergie locale")
    assert (
        "class EnergieLocalePlugin(ConvergencePlugin)"
        in (project / "convergence_energie_locale" / "plugin.py").read_text()
    )
    env = make_fresh_env(tmp_path / "venv")
    env.install(project)
    outputs = deploy_and_test(env, project, "energie_locale", tmp_path)
    assert "energie_locale enabled for essai." in outputs["enable"]
    assert "energie_locale: all checks passed." in outputs["check"]
    assert " passed" in outputs["tests"] and "failed" not in outputs["tests"]
