"""``convergence plugin check NAME``: what a plugin must satisfy before it is published.

Each check returns a list of problems (plain sentences naming the file, table or hook);
an empty list means the plugin passes. The tests plant one defect per check and see it
reported (tests/core/plugin_kit/test_check.py).
"""

from __future__ import annotations

import ast
import inspect
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from federation import hookspecs
from federation.plugins.base import ConvergencePlugin
from federation.plugins.manager import ENTRY_POINT_GROUP, PLUGIN_NAME

#: the catalogs every plugin has: English (French is the messages' source language; a
#: French catalog, when present, is checked like any other)
REQUIRED_LANGUAGES = ("en",)
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def hook_names() -> set[str]:
    return {n for n, f in vars(hookspecs).items() if getattr(f, f"{hookspecs.PROJECT}_spec", 0)}


def check_metadata(plugin: ConvergencePlugin, *, entry_point: bool = True) -> list[str]:
    """Name, label, description, version, dependencies; registered under the entry point."""
    problems = []
    name = plugin.name
    if not PLUGIN_NAME.match(name or ""):
        problems.append(f"name {name!r}: lower-case letters, digits and underscores")
    if not str(plugin.label or "").strip():
        problems.append("label is empty: set `label = _l(...)`")
    if not str(plugin.description or "").strip():
        problems.append("description is empty: say in one sentence what the plugin offers")
    version = str(plugin.version or "")
    if version in ("", "0") or not version[0].isdigit():
        problems.append(f"version {version!r}: give a release number such as 0.1.0")
    if not all(isinstance(dep, str) and PLUGIN_NAME.match(dep) for dep in plugin.requires):
        problems.append(f"requires {sorted(plugin.requires)!r}: plugin names expected")
    if name in plugin.requires:
        problems.append("requires itself")
    if entry_point:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not found:
            problems.append(f"no entry point {name!r} in the group {ENTRY_POINT_GROUP!r}")
    return problems


def check_hooks(plugin: ConvergencePlugin) -> list[str]:
    """Every ``@hookimpl`` names a hook of federation/hookspecs.py with known arguments, and
    no ``federation_*`` method was left unmarked (pluggy would silently ignore it)."""
    problems = []
    known = hook_names()
    marker = f"{hookspecs.PROJECT}_impl"
    for attr, member in inspect.getmembers(type(plugin), inspect.isfunction):
        marked = getattr(member, marker, None) is not None
        if marked and attr not in known:
            problems.append(f"hook {attr!r} does not exist (see federation/hookspecs.py)")
        elif marked:
            spec = inspect.signature(getattr(hookspecs, attr)).parameters
            extra = [p for p in list(inspect.signature(member).parameters)[1:] if p not in spec]
            if extra:
                problems.append(f"hook {attr!r}: unknown arguments {extra}")
        elif attr.startswith("federation_"):
            problems.append(f"method {attr!r} is not marked @hookimpl: it would never be called")
    return problems


def _owned_tables(name: str, metadata: Any) -> list[Any]:
    return [
        t
        for t in metadata.tables.values()
        if t.info.get("plugin") == name or t.name.startswith(f"{name}_")
    ]


def check_tenant_tables(name: str, registry: Any) -> list[str]:
    """The plugin's tables are named ``<name>_*`` and each model carries ``TenantMixin``
    (or the federation-data mixin for data shared by a federation)."""
    from federation.tenancy.federation_data import FederationDataMixin
    from federation.tenancy.scoping import is_tenant_class

    problems = []
    classes = {m.local_table.name: m.class_ for m in registry.mappers}
    for table in _owned_tables(name, registry.metadata):
        if not table.name.startswith(f"{name}_"):
            problems.append(f"table {table.name!r}: its name must start with {name + '_'!r}")
        cls = classes.get(table.name)
        if cls is None:
            problems.append(f"table {table.name!r} has no model: declare it as a class")
        elif not (is_tenant_class(cls) or issubclass(cls, FederationDataMixin)):
            problems.append(
                f"table {table.name!r} ({cls.__name__}) does not carry TenantMixin: its rows "
                "would not be scoped to a commune"
            )
    return problems


def _extracted(root: Path) -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(root), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def check_catalogs(plugin: ConvergencePlugin) -> list[str]:
    """A catalog per language, translating every message the sources use, none fuzzy."""
    problems = []
    used = _extracted(plugin.root_path)
    present = {p.name for p in plugin.translations_path.glob("*") if p.is_dir()}
    for language in sorted(set(REQUIRED_LANGUAGES) | present):
        po = plugin.translations_path / language / "LC_MESSAGES" / f"{plugin.gettext_domain}.po"
        if not po.is_file():
            problems.append(f"no {language} catalog: {po}")
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                problems.append(f"{language}: {msgid!r} is marked fuzzy")
            elif not all(strings):
                problems.append(f"{language}: {msgid!r} is not translated")
        missing = sorted(used - {m.id if isinstance(m.id, str) else m.id[0] for m in catalog})
        problems += [f"{language}: {msgid!r} is missing from {po.name}" for msgid in missing]
    return problems


def _revision_of(path: Path) -> dict[str, Any]:
    """The module-level names of a revision file, read without running it."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in (
                "revision",
                "down_revision",
                "branch_labels",
                "depends_on",
            ):
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    values[target.id] = ...
    return values


def check_migrations(plugin: ConvergencePlugin, core_versions: Path | None = None) -> list[str]:
    """The plugin's revisions form one branch of its own: one base labelled with its name
    that depends on a core revision, every other revision following one of its own."""
    from federation.migrate import MIGRATIONS_DIR

    versions = plugin.migrations_path / "versions"
    files = sorted(versions.glob("*.py")) if versions.is_dir() else []
    if not files:
        return [f"no migrations in {versions}: its tables would never be created"]
    core = {
        _revision_of(p).get("revision")
        for p in (core_versions or MIGRATIONS_DIR / "versions").glob("*.py")
    }
    revisions = {path: _revision_of(path) for path in files}
    ids = {r.get("revision") for r in revisions.values()}
    problems = []
    bases = [p for p, r in revisions.items() if r.get("down_revision") is None]
    if len(bases) != 1:
        problems.append(f"{len(bases)} base revisions in {versions}: exactly one expected")
    for path, rev in revisions.items():
        down = rev.get("down_revision")
        downs = down if isinstance(down, (tuple, list)) else [down]
        if down is not None and not set(downs) <= ids:
            problems.append(
                f"{path.name}: follows {down!r}, which is not one of the plugin's revisions "
                "(a plugin's migrations stay on their own branch)"
            )
        if plugin.name not in str(rev.get("revision", "")):
            problems.append(
                f"{path.name}: revision id {rev.get('revision')!r} should name the plugin"
            )
    for path in bases:
        rev = revisions[path]
        labels = rev.get("branch_labels") or ()
        labels = (labels,) if isinstance(labels, str) else tuple(labels)
        if plugin.name not in labels:
            problems.append(f"{path.name}: the base must carry branch_labels = ({plugin.name!r},)")
        depends = rev.get("depends_on")
        depends = (depends,) if isinstance(depends, str) else tuple(depends or ())
        if not depends or not set(depends) <= core:
            problems.append(
                f"{path.name}: the base must depend on a core revision (depends_on), "
                f"not {rev.get('depends_on')!r}"
            )
    return problems


def check_plugin(app: Any, name: str) -> list[str]:
    """Every check on the loaded plugin ``name`` (an app built with it installed)."""
    from federation.db import Base

    pm = app.extensions["convergence"].pm
    plugin = pm.by_name.get(name)
    if plugin is None:
        return [f"not loaded: is it installed (pip install -e …) with an entry point {name!r}?"]
    with app.app_context():
        return [
            *check_metadata(plugin),
            *check_hooks(plugin),
            *check_tenant_tables(name, Base.registry),
            *check_catalogs(plugin),
            *check_migrations(plugin),
        ]
