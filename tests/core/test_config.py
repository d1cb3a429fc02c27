"""Configuration: defaults with no configuration at all, and clear start-up errors."""

from __future__ import annotations

import pytest

from federation.app import create_app
from federation.config import ConfigError


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path))
    for name in (
        "DATABASE_URL",
        "SECRET_KEY",
        "REDIS_URL",
        "CONVERGENCE_ENV",
        "CONVERGENCE_PLUGINS",
        "CONVERGENCE_INSTANCE",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_no_configuration_runs_on_sqlite_with_a_kept_secret(instance):
    app = create_app("anything")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'convergence.sqlite'}"
    key = (instance / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) >= 32
    assert create_app("anything").config["SECRET_KEY"] == key  # kept across starts
    assert oct((instance / "secret_key").stat().st_mode)[-3:] == "600"


def test_toml_then_environment_then_arguments(instance, monkeypatch):
    (instance / "config.toml").write_text('deployment_name = "From TOML"\nhosts = ["a.example"]\n')
    assert create_app("x").config["DEPLOYMENT_NAME"] == "From TOML"
    monkeypatch.setenv("CONVERGENCE_DEPLOYMENT_NAME", "From env")
    assert create_app("x").config["DEPLOYMENT_NAME"] == "From env"
    assert create_app("x", deployment_name="From arg").config["DEPLOYMENT_NAME"] == "From arg"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert create_app("x").config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('colour = "red"\n', "unknown setting 'colour'"),
        ("deployment_name = 3\n", "DEPLOYMENT_NAME"),
        ("deployment_name = \n", "not valid TOML"),
        ('default_locale = "de"\n', "DEFAULT_LOCALE"),
        ('mail_backend = "pigeon"\n', "MAIL_BACKEND"),
        ('database_url = "::::"\n', "DATABASE_URL"),
        ('secret_key = "short"\n', "SECRET_KEY"),
        ('env = "production"\n', "SECRET_KEY"),
        ('env = "production"\nsecret_key = "0123456789abcdef0123"\n', "REDIS_URL"),
    ],
)
def test_wrong_settings_stop_start_up_naming_the_setting(instance, toml, message):
    (instance / "config.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        create_app("x")


def test_bad_environment_value_names_the_variable(instance, monkeypatch):
    monkeypatch.setenv("CONVERGENCE_SAFE_MODE", "perhaps")
    with pytest.raises(ConfigError, match="CONVERGENCE_SAFE_MODE"):
        create_app("x")


def test_unknown_plugin_named_in_configuration(instance, monkeypatch):
    from federation.plugins.manager import PluginLoadError

    monkeypatch.setenv("CONVERGENCE_PLUGINS", "does_not_exist")
    with pytest.raises(PluginLoadError, match="does_not_exist"):
        create_app("x")


def test_cli_reports_configuration_errors_without_traceback(instance, monkeypatch):
    from click.testing import CliRunner

    from federation.cli import main

    (instance / "config.toml").write_text('colour = "red"\n')
    monkeypatch.setenv("CONVERGENCE_INSTANCE_PATH", str(instance))
    result = CliRunner().invoke(main, ["commune", "list"])
    assert result.exit_code == 2
    assert "unknown setting 'colour'" in result.output
    assert "Traceback" not in result.output


def test_production_refuses_debug_and_uses_redis_for_limits(instance):
    app = create_app(
        "x",
        env="production",
        secret_key="0123456789abcdef0123",
        redis_url="redis://127.0.0.1:6379/0",
    )
    assert app.debug is False
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
