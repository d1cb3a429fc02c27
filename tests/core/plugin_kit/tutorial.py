"""Running the tutorial (docs/pages/guide/tutorial.md) as written.

Each step is marked in the page by an HTML comment the reader does not see:
``<!-- step: run -->`` (the shell block after it runs in the work folder),
``<!-- step: append PATH -->`` and ``<!-- step: write PATH -->`` (the code block after it
is added to, or becomes, that file).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.core.plugin_kit.fresh_env import REPO, FreshEnv

TUTORIAL = REPO / "docs" / "pages" / "guide" / "tutorial.md"
STEP = re.compile(r"<!-- step: (run|append|write) ?(\S*) -->\n```\w*\n(.*?)```", re.DOTALL)


@dataclass
class Step:
    action: str
    path: str
    text: str


def steps(page: Path = TUTORIAL) -> list[Step]:
    return [Step(*match.groups()) for match in STEP.finditer(page.read_text(encoding="utf-8"))]


def hand_written_lines(page: Path = TUTORIAL) -> int:
    """Lines the reader types into files (blank lines left out); commands not counted."""
    return sum(
        1
        for step in steps(page)
        if step.action != "run"
        for line in step.text.splitlines()
        if line.strip()
    )


def follow(env: FreshEnv, workdir: Path, settings: dict[str, str]) -> list[str]:
    """Do every step in ``workdir``; return the output of the commands, one per step."""
    outputs = []
    for step in steps():
        if step.action == "run":
            done = env.run("bash", "-euo", "pipefail", "-c", step.text, cwd=workdir, env=settings)
            assert done.returncode == 0, f"step failed:\n{step.text}\n{done.stdout}{done.stderr}"
            outputs.append(done.stdout)
        elif step.action == "append":
            target = workdir / step.path
            with target.open("a", encoding="utf-8") as handle:
                handle.write(step.text)
        else:
            target = workdir / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
    return outputs


def bash(env: FreshEnv) -> Path:
    """``bash`` inside the fresh environment's bin (so its shims come first on PATH)."""
    link = env.bin / "bash"
    if not link.exists():
        link.symlink_to(subprocess.check_output(["which", "bash"], text=True).strip())
    return link
