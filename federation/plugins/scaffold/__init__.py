"""``convergence plugin new``: a complete plugin distribution from a template.

The template (``templates/plugin/``, package data) is the style we want plugin authors to
copy: each file ends in ``.tmpl`` and names the plugin with three placeholders, in paths
and contents: ``__plugin__`` (the name, ``mobility``), ``__Plugin__`` (the class prefix,
``Mobility``) and ``__Label__`` (the French label). ``__date__`` dates the first revision.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from federation.plugins.manager import PLUGIN_NAME

TEMPLATE = Path(__file__).parent / "templates" / "plugin"
SUFFIX = ".tmpl"
#: names a plugin may not take: the core's own URL segments and modules
RESERVED = frozenset({"api", "core", "federation", "plugin", "plugins", "static", "test"})


class ScaffoldError(ValueError):
    """The plugin cannot be generated: the message says why."""


def check_name(name: str) -> str:
    if not PLUGIN_NAME.match(name or ""):
        raise ScaffoldError(
            f"plugin name {name!r}: 2 to 32 lower-case letters, digits and underscores, "
            "starting with a letter"
        )
    if name in RESERVED:
        raise ScaffoldError(f"plugin name {name!r} is reserved")
    return name


def replacements(name: str, label: str | None = None) -> dict[str, str]:
    return {
        "__plugin__": name,
        "__Plugin__": "".join(part.capitalize() for part in name.split("_")),
        "__Label__": label or name.replace("_", " ").capitalize(),
        "__date__": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def generate(name: str, parent: Path, label: str | None = None) -> Path:
    """Write ``parent/convergence-<name>/`` and return it; refuses to overwrite anything."""
    check_name(name)
    values = replacements(name, label)
    target = Path(parent) / f"convergence-{name}"
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} already exists and is not empty")
    for source in sorted(TEMPLATE.rglob(f"*{SUFFIX}")):
        relative = _fill(str(source.relative_to(TEMPLATE)), values)[: -len(SUFFIX)]
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(_fill(source.read_text(encoding="utf-8"), values), "utf-8")
    compile_catalogs(target)
    _format(target)
    return target


def _format(target: Path) -> None:
    """Lay the code out as ``ruff format`` would (a long plugin name lengthens lines), when
    ruff is installed: the generated distribution passes its own format check as it is."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff:
        subprocess.run(  # noqa: S603 (a fixed command on the files just written)
            [ruff, "format", "--quiet", "--no-cache", str(target)],
            cwd=target,
            check=False,
            timeout=60,
        )


def compile_catalogs(root: Path) -> list[Path]:
    """Compile every ``.po`` under ``root`` next to itself (``.mo`` files are build products)."""
    written = []
    for po in sorted(Path(root).rglob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written
