"""The tutorial works as written, in a fresh environment, and stays short; its result is
the example plugin in examples/ (so the two cannot drift apart)."""

from __future__ import annotations

import filecmp
import time
from pathlib import Path

import pytest

from tests.core.plugin_kit.fresh_env import REPO, make_fresh_env
from tests.core.plugin_kit.tutorial import TUTORIAL, bash, follow, hand_written_lines, steps

EXAMPLE = REPO / "examples" / "convergence-mobility"


def test_the_tutorial_asks_fewer_than_100_hand_written_lines():
    assert steps(), "no steps found in the tutorial"
    assert hand_written_lines() < 100
    # the figure the page gives is the one counted here
    assert f"**{hand_written_lines()} hand-written lines**" in TUTORIAL.read_text()


@pytest.mark.slow
def test_following_the_tutorial_gives_a_working_plugin(tmp_path):
    env = make_fresh_env(tmp_path / "venv")
    bash(env)
    work = tmp_path / "work"
    work.mkdir()
    started = time.monotonic()
    outputs = follow(
        env,
        work,
        {
            "CONVERGENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'tutorial.sqlite'}",
            "CONVERGENCE_INSTANCE_PATH": str(tmp_path / "instance"),
        },
    )
    print(f"tutorial steps ran in {time.monotonic() - started:.0f} s")
    assert "mobility enabled for velo-sur-loire." in outputs[1]
    assert "mobility: all checks passed." in outputs[2]
    # the finished tutorial is the example plugin, file for file (compiled catalogs and
    # the first revision's creation date aside)
    result = work / "convergence-mobility"
    differences = _tree_differences(result, EXAMPLE)
    assert differences == [], differences


def _tree_differences(left: Path, right: Path) -> list[str]:
    ignored = {".mo", ".pyc"}

    def files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix not in ignored
            and "egg-info" not in str(p)
            and "__pycache__" not in str(p)
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        }

    names = files(left) ^ files(right)
    found = [f"only on one side: {n}" for n in sorted(names)]
    for name in sorted(files(left) & files(right)):
        a, b = (left / name).read_text(), (right / name).read_text()
        if name.endswith("_initial.py"):
            a, b = (_undated(x) for x in (a, b))
        if a != b and not filecmp.cmp(left / name, right / name, shallow=False):
            found.append(f"differs: {name}")
    return found


def _undated(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("Create Date:"))
