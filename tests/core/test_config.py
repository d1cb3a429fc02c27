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


#: a production configuration, short of what the tests below add
PRODUCTION = (
    'env = "production"\nsecret_key = "0123456789abcdef0123"\n'
    'redis_url = "redis://127.0.0.1:6379/0"\n'
)


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
        (PRODUCTION, "HOSTS"),
        (PRODUCTION + 'hosts = ["convergence.example"]\n', "SECURE_COOKIES"),
        (
            PRODUCTION + 'hosts = ["convergence.example"]\nsecure_cookies = true\n',
            "BASE_URL",
        ),
        ('hosts = ["convergence.example", "http://x"]\n', "HOSTS"),
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


PRODUCTION_SETTINGS = {
    "env": "production",
    "secret_key": "0123456789abcdef0123",
    "redis_url": "redis://127.0.0.1:6379/0",
    "hosts": ["convergence.example", ".convergence.example", "mairie-test.fr"],
    "secure_cookies": True,
    "base_url": "https://convergence.example",
}


def test_production_refuses_debug_and_uses_redis_for_limits(instance):
    app = create_app("x", **PRODUCTION_SETTINGS)
    assert app.debug is False
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_production_trusts_only_its_hosts_and_sets_host_only_secure_cookies(instance):
    """ENV=production (CONVERGENCE_ENV) is what "production" means: start-up refuses an
    empty HOSTS or SECURE_COOKIES off (above); when it starts, Flask's trusted hosts are
    HOSTS and the cookies carry the ``__Host-`` prefix with Secure."""
    app = create_app("x", **PRODUCTION_SETTINGS)
    assert app.config["TRUSTED_HOSTS"] == PRODUCTION_SETTINGS["hosts"]
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_DOMAIN"] in (None, False)
    assert app.config["SESSION_COOKIE_PATH"] in (None, "/")


def test_without_hosts_every_host_is_accepted_outside_production(instance):
    app = create_app("x")
    assert app.config["TRUSTED_HOSTS"] is None
    assert app.config["ENV"] == "development"


@pytest.mark.parametrize("env", ["production", "development"])
def test_production_names_the_missing_setting_from_the_environment(instance, monkeypatch, env):
    monkeypatch.setenv("CONVERGENCE_ENV", env)
    monkeypatch.setenv("SECRET_KEY", "0123456789abcdef0123")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    if env == "production":
        with pytest.raises(ConfigError, match="HOSTS"):
            create_app("x")
    else:
        create_app("x")


# --- hosts (R7): commune hosts resolve, unknown hosts are refused ----------------------


def _hosted(factory, in_db, slug: str, host: str):
    commune = factory.commune(slug)
    with in_db():
        from federation.db import db
        from federation.tenancy.models import Commune

        db.session.get(Commune, commune.id).host = host
    return commune


def test_commune_hosts_resolve_even_without_hosts_configured(make_app, app, factory, in_db):
    _hosted(factory, in_db, "hosted", "hosted.example")
    other = factory.commune("elsewhere")
    client = make_app().test_client()  # HOSTS empty: development
    response = client.get("/", base_url="http://hosted.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/c/hosted/")
    assert client.get(f"/c/{other.slug}/", base_url="http://hosted.example").status_code == 404
    assert client.get("/", base_url="http://anything.example").status_code == 200


def test_unknown_hosts_get_400_when_hosts_are_configured(make_app, app, factory, in_db):
    _hosted(factory, in_db, "hosted", "mairie.convergence.example")
    strict = make_app(hosts=["convergence.example", ".convergence.example"])
    client = strict.test_client()
    assert client.get("/", base_url="http://evil.example").status_code == 400
    assert client.get("/api/v1/communes", base_url="http://evil.example").status_code == 400
    assert client.get("/", base_url="http://convergence.example").status_code == 200
    response = client.get("/", base_url="http://mairie.convergence.example")
    assert response.headers["Location"].endswith("/c/hosted/")
    # under a trusted domain but no commune's host: not found
    assert client.get("/", base_url="http://nobody.convergence.example").status_code == 404
    # X-Forwarded-Host is not trusted (no ProxyFix configured)
    spoofed = client.get(
        "/", base_url="http://evil.example", headers={"X-Forwarded-Host": "convergence.example"}
    )
    assert spoofed.status_code == 400


def test_a_commune_host_must_be_one_the_platform_trusts(make_app, app, factory):
    from federation.errors import ValidationFailed
    from federation.tenancy.services import update_commune

    strict = make_app(
        hosts=["convergence.example", ".convergence.example", "mairie-picky.fr"],
        base_url="https://convergence.example",
    )
    commune = factory.commune("picky")
    with strict.app_context():
        from federation.db import db
        from federation.tenancy.context import commune_scope
        from federation.tenancy.models import Commune

        with commune_scope(commune.id):
            row = db.session.get(Commune, commune.id)
            with pytest.raises(ValidationFailed) as caught:
                update_commune(row, host="mairie-ailleurs.fr")
            assert caught.value.field == "host"
            with pytest.raises(ValidationFailed):
                update_commune(row, host="convergence.example")  # the platform's own
            update_commune(row, host="picky.convergence.example")
            update_commune(row, host="mairie-picky.fr")  # listed in HOSTS
            db.session.rollback()
