"""A fresh virtual environment layered over the project's, for installing a plugin the way
its author would (``pip install -e``) without touching the project's environment and
without the network: the new environment sees the project's packages through a ``.pth``
line, and gets only the plugin's own distribution."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


@dataclass
class FreshEnv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
        """Run a command of this environment (``python``, ``convergence``, …); no check."""
        command = [str(self.bin / args[0]), *args[1:]]
        full_env = {**os.environ, "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}
        # the inner run is on its own SQLite files: never the outer run's database or Redis
        for key in [k for k in full_env if k.startswith("CONVERGENCE_") or k == "PYTHONPATH"]:
            del full_env[key]
        full_env.update(env or {})
        return subprocess.run(
            command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=900
        )

    def install(self, project: Path) -> None:
        """``pip install -e`` the plugin, offline, its dependencies taken from the project."""
        done = self.run(
            "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            *pip_options(),
            "-e",
            str(project),
        )
        assert done.returncode == 0, done.stdout + done.stderr


def pip_options() -> list[str]:
    if importlib.util.find_spec("wheel") is not None:
        # offline: the build backend is the project's own setuptools and wheel
        return ["--no-build-isolation", "--no-index"]
    # the project's environment has no `wheel`: pip builds in isolation, fetching
    # setuptools and wheel from the package index (cached after the first run)
    return []


def make_fresh_env(root: Path) -> FreshEnv:
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    purelib = sysconfig.get_paths(vars={"base": str(root), "platbase": str(root)})["purelib"]
    parent = sysconfig.get_paths()["purelib"]  # the project's environment (running pytest)
    # `import site` lines of a .pth run at start-up: the project's packages, editable
    # installs included, become visible; what is installed here comes first on sys.path
    Path(purelib, "_convergence_project.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n"
    )
    # the commands an author types, run by this environment's python (the project's own
    # would not see what is installed here); pip installs without dependencies: they are
    # the project's, already visible
    shims = {
        "convergence": "-c 'from federation.cli import main; main()'",
        "pytest": "-m pytest",
        "pip": "-m pip",
    }
    # ruff is one binary: the project's own (`python -m ruff` would find this shim again)
    ruff = Path(sysconfig.get_paths()["scripts"], "ruff")
    Path(root, "bin", "ruff").write_text(f'#!/bin/sh\nexec "{ruff}" "$@"\n')
    Path(root, "bin", "ruff").chmod(0o755)
    for command, runs in shims.items():
        script = Path(root, "bin", command)
        extra = f" --no-deps {' '.join(pip_options())}" if command == "pip" else ""
        script.write_text(f'#!/bin/sh\nexec "{root}/bin/python" {runs} "$@"{extra}\n')
        script.chmod(0o755)
    env = FreshEnv(root)
    # pip runs from the project's environment too
    assert env.run("python", "-c", "import pip, federation").returncode == 0
    return env


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def sqlite_settings(folder: Path) -> dict[str, str]:
    """A deployment of its own for the commands run in a fresh environment."""
    return {
        "CONVERGENCE_DATABASE_URL": f"sqlite:///{folder / 'convergence.sqlite'}",
        "CONVERGENCE_INSTANCE_PATH": str(folder / "instance"),
    }


def deploy_and_test(env: FreshEnv, project: Path, name: str, folder: Path) -> dict[str, str]:
    """What an author does after installing ``project``: migrate, create a commune, enable
    the plugin there, check it, lint it and run its own tests. Returns each output."""
    settings = sqlite_settings(folder)
    commands = {
        "upgrade": ["convergence", "db", "upgrade"],
        "commune": ["convergence", "commune", "create", "Essai-sur-Mer", "--slug", "essai"],
        "enable": ["convergence", "plugin", "enable", name, "--commune", "essai"],
        "check": ["convergence", "plugin", "check", name],
        "lint": ["ruff", "check", "."],
        "format": ["ruff", "format", "--check", "."],
        "tests": ["pytest", "-q", f"--basetemp={folder / 'pytest'}"],
    }
    outputs = {}
    for step, command in commands.items():
        done = env.run(*command, cwd=project, env=settings)
        assert done.returncode == 0, f"{step}: {command}\n{done.stdout}\n{done.stderr}"
        outputs[step] = done.stdout
    return outputs
