"""`convergence plugin check`: each check passes on a sound plugin and fails on a planted
defect of its own kind (metadata, hooks, tenant tables, catalogs, migrations)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from federation.plugins import ConvergencePlugin, hookimpl
from federation.plugins.check import (
    check_catalogs,
    check_hooks,
    check_metadata,
    check_migrations,
    check_tenant_tables,
)
from federation.plugins.scaffold import generate
from federation.tenancy.scoping import TenantMixin


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A freshly generated plugin's package folder (not installed: read as files)."""
    return generate("kitcheck", tmp_path_factory.mktemp("gen")) / "convergence_kitcheck"


def _plugin_at(root: Path, **attrs) -> ConvergencePlugin:
    """A plugin object whose files are ``root`` (the generated package)."""

    class Planted(ConvergencePlugin):
        name = "kitcheck"
        label = "Kit"
        description = "A plugin for the checks"
        version = "0.1.0"

        @property
        def root_path(self) -> Path:
            return root

    for key, value in attrs.items():
        setattr(Planted, key, value)
    return Planted()


def _copy(generated: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated, tmp_path / "convergence_kitcheck"))


# --- metadata ---------------------------------------------------------------------------


def test_metadata_of_an_installed_plugin_passes(app):
    water = app.extensions["convergence"].pm.by_name["water"]
    assert check_metadata(water) == []


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"label": ""}, "label is empty"),
        ({"description": ""}, "description is empty"),
        ({"version": "0"}, "version '0'"),
        ({"requires": frozenset({"Not A Name"})}, "requires"),
    ],
)
def test_planted_metadata_defects_are_reported(generated, attrs, expected):
    problems = check_metadata(_plugin_at(generated, **attrs), entry_point=False)
    assert any(expected in p for p in problems), problems


def test_a_plugin_without_entry_point_is_reported(generated):
    assert any("no entry point" in p for p in check_metadata(_plugin_at(generated)))


# --- hooks ------------------------------------------------------------------------------


def test_hooks_of_a_sound_plugin_pass(app):
    assert check_hooks(app.extensions["convergence"].pm.by_name["water"]) == []


def test_an_unknown_hook_is_reported(generated):
    class Typo(ConvergencePlugin):
        @hookimpl
        def federation_dashbord_widgets(self, commune, user):
            return []

    assert check_hooks(Typo()) == [
        "hook 'federation_dashbord_widgets' does not exist (see federation/hookspecs.py)"
    ]


def test_an_unknown_argument_and_a_forgotten_marker_are_reported():
    class Wrong(ConvergencePlugin):
        @hookimpl
        def federation_dashboard_widgets(self, commune, person):
            return []

        def federation_permissions(self):
            return []

    problems = check_hooks(Wrong())
    assert "hook 'federation_dashboard_widgets': unknown arguments ['person']" in problems
    assert any("'federation_permissions' is not marked @hookimpl" in p for p in problems)


# --- tenant tables ----------------------------------------------------------------------


def _registry(with_mixin: bool, table: str = "kitcheck_things"):
    class Base(DeclarativeBase):
        pass

    bases = (TenantMixin, Base) if with_mixin else (Base,)
    namespace = {
        "__tablename__": table,
        "__table_args__": {"info": {"plugin": "kitcheck"}},
        "__annotations__": {"id": Mapped[int], "title": Mapped[str]},
        "id": mapped_column(Integer, primary_key=True),
        "title": mapped_column(String(20)),
    }
    if not with_mixin:
        namespace["__annotations__"]["commune_id"] = Mapped[int]
        namespace["commune_id"] = mapped_column(Integer)
    type("Thing", bases, namespace)
    Base.registry.configure()
    return Base.registry


def test_tenant_tables_with_the_mixin_pass(app):
    from federation.db import Base

    assert check_tenant_tables("water", Base.registry) == []
    assert check_tenant_tables("kitcheck", _registry(with_mixin=True)) == []


def test_a_table_without_the_mixin_is_reported():
    (problem,) = check_tenant_tables("kitcheck", _registry(with_mixin=False))
    assert "'kitcheck_things' (Thing) does not carry TenantMixin" in problem


def test_a_table_outside_the_plugin_prefix_is_reported():
    problems = check_tenant_tables("kitcheck", _registry(with_mixin=True, table="things"))
    assert any("must start with 'kitcheck_'" in p for p in problems)


# --- catalogs ---------------------------------------------------------------------------


def test_the_generated_catalogs_are_complete(generated):
    assert check_catalogs(_plugin_at(generated)) == []


def test_an_untranslated_message_is_reported(generated, tmp_path):
    root = _copy(generated, tmp_path)
    po = root / "translations/en/LC_MESSAGES/convergence_kitcheck.po"
    po.write_text(po.read_text().replace('msgstr "Nothing yet."', 'msgstr ""'))
    assert check_catalogs(_plugin_at(root)) == ['en: "Rien pour l\'instant." is not translated']


def test_a_message_missing_from_the_catalog_is_reported(generated, tmp_path):
    root = _copy(generated, tmp_path)
    views = root / "views.py"
    views.write_text(views.read_text().replace('_("Entrée ajoutée.")', '_("Entrée enregistrée.")'))
    problems = check_catalogs(_plugin_at(root))
    assert "en: 'Entrée enregistrée.' is missing from convergence_kitcheck.po" in problems


def test_a_missing_english_catalog_is_reported(generated, tmp_path):
    root = _copy(generated, tmp_path)
    shutil.rmtree(root / "translations/en")
    (problem,) = check_catalogs(_plugin_at(root))
    assert problem.startswith("no en catalog")


# --- migrations -------------------------------------------------------------------------


def test_the_generated_migrations_are_on_their_own_branch(generated):
    assert check_migrations(_plugin_at(generated)) == []


def _revision(root: Path) -> Path:
    (path,) = (root / "migrations/versions").glob("*.py")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('branch_labels = ("kitcheck",)', "branch_labels = None", "must carry branch_labels"),
        ('depends_on = "0009tenant"', "depends_on = None", "must depend on a core revision"),
        ("down_revision = None", 'down_revision = "0012auth"', "not one of the plugin's"),
    ],
)
def test_planted_migration_defects_are_reported(generated, tmp_path, old, new, expected):
    root = _copy(generated, tmp_path)
    path = _revision(root)
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    problems = check_migrations(_plugin_at(root))
    assert any(expected in p for p in problems), problems


def test_a_plugin_without_migrations_is_reported(generated, tmp_path):
    root = _copy(generated, tmp_path)
    _revision(root).unlink()
    assert "no migrations" in check_migrations(_plugin_at(root))[0]


# --- the command ------------------------------------------------------------------------


def test_the_command_passes_an_installed_plugin_and_names_an_unknown_one(app):
    from federation.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["plugin", "check", "water"], obj=_script_info(app))
    assert ok.exit_code == 0, ok.output
    assert "water: all checks passed." in ok.output
    missing = runner.invoke(main, ["plugin", "check", "nosuch"], obj=_script_info(app))
    assert missing.exit_code == 1
    assert "not loaded" in missing.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_plugin_new_refuses_a_bad_name_and_an_existing_folder(tmp_path):
    from federation.cli import main

    runner = CliRunner()
    bad = runner.invoke(main, ["plugin", "new", "Vélo", "--path", str(tmp_path)])
    assert bad.exit_code == 1 and "lower-case letters" in bad.output
    made = runner.invoke(main, ["plugin", "new", "velo", "--path", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "convergence-velo/convergence_velo/plugin.py").is_file()
    again = runner.invoke(main, ["plugin", "new", "velo", "--path", str(tmp_path)])
    assert again.exit_code == 1 and "not empty" in again.output
