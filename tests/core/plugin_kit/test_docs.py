"""The plugin guide: the hook reference covers every hook specification, and the site
builds with warnings as errors (the build CI runs with `make docs`)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from federation.plugins.check import hook_names
from tests.core.plugin_kit.fresh_env import REPO

DOCS = REPO / "docs"


def _docs_hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hook_reference_documents_every_hook():
    reference = _docs_hooks().hook_reference()
    for name in hook_names():
        assert f"## `{name}`" in reference
    assert ":param" not in reference and ":class:" not in reference


def test_the_reference_page_asks_for_the_generated_reference():
    page = (DOCS / "pages" / "reference" / "hooks.md").read_text()
    assert _docs_hooks().MARKER in page


def test_the_end_user_pages_are_in_french():
    pages = sorted((DOCS / "pages" / "utilisateurs").glob("*.md"))
    assert len(pages) >= 3
    for page in pages:
        words = set(page.read_text().lower().split())
        assert len({"la", "le", "les", "des", "un", "une", "du", "et"} & words) >= 4, page


def test_the_guide_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="the `docs` extra is not installed")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-q",
            "-f",
            str(DOCS / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    hooks_page = (tmp_path / "site" / "reference" / "hooks.html").read_text()
    assert "federation_indicators" in hooks_page
